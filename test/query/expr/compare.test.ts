import { describe, expect, it } from 'vitest';
import { compareValues, groupKey, isTrue } from '../../../ts/query/expr/index.js';
import type { SqlValue } from '../../../ts/types/index.js';
import { boolean, dec, flt, int, NULL, txt } from './helpers.js';

const bytes = (...b: number[]): SqlValue => ({ kind: 'bytes', value: Uint8Array.from(b) });

describe('compareValues', () => {
  it('compares numbers exactly across integer, float and decimal', () => {
    expect(compareValues(int(1), dec('1.00'))).toBe(0);
    expect(compareValues(int(1), flt(1))).toBe(0);
    expect(compareValues(dec('0.5'), flt(0.5))).toBe(0);
    expect(compareValues(dec('0.1'), flt(0.1))).toBe(-1);
    expect(compareValues(flt(0.1), dec('0.1'))).toBe(1);
    expect(compareValues(int(9007199254740993n), flt(9007199254740992))).toBe(1);
    expect(compareValues(int(-3), dec('-2.5'))).toBe(-1);
  });

  it('orders NaN above every number and equal to itself, infinities around the rest', () => {
    expect(compareValues(flt(Number.NaN), flt(Number.POSITIVE_INFINITY))).toBe(1);
    expect(compareValues(flt(Number.NaN), flt(Number.NaN))).toBe(0);
    expect(compareValues(int(10n ** 18n), flt(Number.NaN))).toBe(-1);
    expect(compareValues(dec('-99999'), flt(Number.NEGATIVE_INFINITY))).toBe(1);
  });

  it('sorts NULL after every value and equal to NULL', () => {
    expect(compareValues(NULL, int(1))).toBe(1);
    expect(compareValues(txt('z'), NULL)).toBe(-1);
    expect(compareValues(NULL, NULL)).toBe(0);
  });

  it('orders text by code point, astral characters after U+FFFF', () => {
    expect(compareValues(txt('a'), txt('b'))).toBe(-1);
    expect(compareValues(txt('B'), txt('a'))).toBe(-1);
    expect(compareValues(txt('ab'), txt('a'))).toBe(1);
    expect(compareValues(txt('\u{1F600}'), txt('\uFF21'))).toBe(1);
  });

  it('orders bytes bytewise, booleans false first, dates with timestamps', () => {
    expect(compareValues(bytes(1, 2), bytes(1, 3))).toBe(-1);
    expect(compareValues(bytes(1), bytes(1, 0))).toBe(-1);
    expect(compareValues(boolean(false), boolean(true))).toBeLessThan(0);
    expect(
      compareValues({ kind: 'date', value: 1 }, { kind: 'timestamp', value: 86_400_000_000n }),
    ).toBe(0);
  });

  it('refuses to compare text with a number', () => {
    expect(() => compareValues(txt('1'), int(1))).toThrow(
      expect.objectContaining({ code: 'TYPE_MISMATCH' }),
    );
  });
});

describe('groupKey', () => {
  it('gives equal numbers of different kinds one key', () => {
    const key = groupKey([int(1)]);
    expect(groupKey([dec('1.00')])).toBe(key);
    expect(groupKey([flt(1)])).toBe(key);
    expect(groupKey([dec('0.50')])).toBe(groupKey([flt(0.5)]));
    expect(groupKey([flt(-0)])).toBe(groupKey([int(0)]));
  });

  it('keeps values that compare unequal apart', () => {
    expect(groupKey([dec('0.1')])).not.toBe(groupKey([flt(0.1)]));
    expect(groupKey([txt('1')])).not.toBe(groupKey([int(1)]));
    expect(groupKey([txt('a'), txt('b')])).not.toBe(groupKey([txt('a,b')]));
    expect(groupKey([txt('ab'), txt('')])).not.toBe(groupKey([txt('a'), txt('b')]));
  });

  it('treats NULLs as equal to each other', () => {
    expect(groupKey([NULL, int(1)])).toBe(groupKey([NULL, dec('1.0')]));
    expect(groupKey([NULL])).not.toBe(groupKey([txt('')]));
  });
});

describe('isTrue', () => {
  it('lets only TRUE through', () => {
    expect(isTrue(boolean(true))).toBe(true);
    expect(isTrue(boolean(false))).toBe(false);
    expect(isTrue(NULL)).toBe(false);
  });
});
