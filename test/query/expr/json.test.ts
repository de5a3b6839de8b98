import { describe, expect, it } from 'vitest';
import { jsonAccess } from '../../../ts/query/expr/json.js';
import type { SqlValue } from '../../../ts/types/index.js';
import { int, NULL, txt } from './helpers.js';

const doc = (value: string): SqlValue => ({ kind: 'json', value });

describe('jsonAccess', () => {
  it('reads object members as json or text', () => {
    const d = doc('{"a":{"x":1},"n":null,"s":"q\\"uote","t":true}');
    expect(jsonAccess(d, txt('a'), false)).toEqual(doc('{"x":1}'));
    expect(jsonAccess(d, txt('a'), true)).toEqual(txt('{"x":1}'));
    expect(jsonAccess(d, txt('s'), true)).toEqual(txt('q"uote'));
    expect(jsonAccess(d, txt('t'), true)).toEqual(txt('true'));
    expect(jsonAccess(d, txt('n'), false)).toEqual(doc('null'));
    expect(jsonAccess(d, txt('n'), true)).toEqual(NULL);
  });

  it('reads array elements from either end', () => {
    const d = doc('[10,[20],"x"]');
    expect(jsonAccess(d, int(0), false)).toEqual(doc('10'));
    expect(jsonAccess(d, int(1), false)).toEqual(doc('[20]'));
    expect(jsonAccess(d, int(-1), true)).toEqual(txt('x'));
    expect(jsonAccess(d, int(3), false)).toEqual(NULL);
    expect(jsonAccess(d, int(-4), false)).toEqual(NULL);
  });

  it('gives NULL for the wrong container, a missing key or a NULL selector', () => {
    expect(jsonAccess(doc('[1]'), txt('0'), false)).toEqual(NULL);
    expect(jsonAccess(doc('{"0":1}'), int(0), false)).toEqual(NULL);
    expect(jsonAccess(doc('{"a":1}'), txt('toString'), false)).toEqual(NULL);
    expect(jsonAccess(doc('"str"'), txt('a'), false)).toEqual(NULL);
    expect(jsonAccess(doc('{"a":1}'), NULL, false)).toEqual(NULL);
  });
});
