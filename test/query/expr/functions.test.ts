import { describe, expect, it } from 'vitest';
import type { Expr } from '../../../ts/query/ast.js';
import type { ColumnType } from '../../../ts/types/index.js';
import {
  boolean,
  compile,
  dec,
  flt,
  fn,
  int,
  lit,
  NOW_MICROS,
  NULL,
  run,
  str,
  txt,
} from './helpers.js';

function fails(code: string, message?: string): unknown {
  return expect.objectContaining(message === undefined ? { code } : { code, message });
}

const call = (name: string, ...args: Expr[]) => run(fn(name, ...args));

describe('text functions', () => {
  it('changes case and counts code points', () => {
    expect(call('upper', str('straße'))).toEqual(txt('STRASSE'));
    expect(call('lower', str('ÀB'))).toEqual(txt('àb'));
    expect(call('length', str('😀ab'))).toEqual(int(3));
    expect(call('char_length', str(''))).toEqual(int(0));
    expect(call('length', lit({ kind: 'bytes', value: Uint8Array.from([1, 2]) }))).toEqual(int(2));
    expect(call('length', lit(null))).toEqual(NULL);
  });

  it('trims spaces or given characters from the chosen ends', () => {
    expect(call('trim', str('  a b  '))).toEqual(txt('a b'));
    expect(call('ltrim', str('  a  '))).toEqual(txt('a  '));
    expect(call('rtrim', str('  a  '))).toEqual(txt('  a'));
    expect(call('btrim', str('xxaxyx'), str('xy'))).toEqual(txt('a'));
    expect(call('trim', str('   '))).toEqual(txt(''));
  });

  it('takes substrings 1-based, clipping non-positive starts as PostgreSQL does', () => {
    expect(call('substring', str('hello'), lit(2))).toEqual(txt('ello'));
    expect(call('substring', str('hello'), lit(2), lit(3))).toEqual(txt('ell'));
    expect(call('substring', str('hello'), lit(0), lit(3))).toEqual(txt('he'));
    expect(call('substring', str('hello'), lit(-1), lit(3))).toEqual(txt('h'));
    expect(call('substring', str('hello'), lit(-5), lit(3))).toEqual(txt(''));
    expect(call('substring', str('hello'), lit(10))).toEqual(txt(''));
    expect(call('substr', str('😀😁😂'), lit(2), lit(1))).toEqual(txt('😁'));
    expect(() => call('substring', str('hello'), lit(1), lit(-1))).toThrow(
      fails('INVALID_VALUE', 'negative substring length not allowed'),
    );
  });

  it('concatenates skipping NULLs, and replaces', () => {
    expect(call('concat', str('a'), lit(null), lit(1), lit(dec('2.50')))).toEqual(txt('a12.50'));
    expect(call('concat', lit(null))).toEqual(txt(''));
    expect(call('concat_ws', str(','), str('a'), lit(null), str('b'))).toEqual(txt('a,b'));
    expect(call('concat_ws', lit(null), str('a'))).toEqual(NULL);
    expect(call('replace', str('banana'), str('an'), str('AN'))).toEqual(txt('bANANa'));
    expect(call('replace', str('abc'), str(''), str('x'))).toEqual(txt('abc'));
    expect(call('reverse', str('abc'))).toEqual(txt('cba'));
  });
});

describe('more text functions', () => {
  it('takes characters from either end, negative counts dropping from the other', () => {
    expect(call('left', str('hello'), lit(2))).toEqual(txt('he'));
    expect(call('left', str('hello'), lit(-2))).toEqual(txt('hel'));
    expect(call('right', str('hello'), lit(2))).toEqual(txt('lo'));
    expect(call('right', str('hello'), lit(-4))).toEqual(txt('o'));
    expect(call('left', str('hi'), lit(10))).toEqual(txt('hi'));
    expect(call('right', str('hi'), lit(-10))).toEqual(txt(''));
  });

  it('pads and cuts to a length, and repeats within the record size', () => {
    expect(call('lpad', str('7'), lit(3), str('0'))).toEqual(txt('007'));
    expect(call('rpad', str('ab'), lit(5), str('xy'))).toEqual(txt('abxyx'));
    expect(call('lpad', str('hello'), lit(2))).toEqual(txt('he'));
    expect(call('lpad', str('a'), lit(3))).toEqual(txt('  a'));
    expect(call('repeat', str('ab'), lit(3))).toEqual(txt('ababab'));
    expect(call('repeat', str('ab'), lit(-1))).toEqual(txt(''));
    expect(() => call('repeat', str('ab'), lit(2_000_000_000))).toThrow(fails('LIMIT_EXCEEDED'));
    expect(() => call('lpad', str('a'), lit(2_000_000_000))).toThrow(fails('LIMIT_EXCEEDED'));
  });

  it('finds positions in code points and splits fields', () => {
    expect(call('strpos', str('😀abc'), str('b'))).toEqual(int(3));
    expect(call('strpos', str('abc'), str('z'))).toEqual(int(0));
    expect(call('position', str('c'), str('abc'))).toEqual(int(3));
    expect(call('starts_with', str('abc'), str('ab'))).toEqual(boolean(true));
    expect(call('split_part', str('a,b,c'), str(','), lit(2))).toEqual(txt('b'));
    expect(call('split_part', str('a,b,c'), str(','), lit(-1))).toEqual(txt('c'));
    expect(call('split_part', str('a,b,c'), str(','), lit(9))).toEqual(txt(''));
    expect(() => call('split_part', str('a'), str(','), lit(0))).toThrow(fails('INVALID_VALUE'));
  });

  it('prints real arguments of concat with single-precision digits', () => {
    const c = compile(
      fn(
        'concat',
        { kind: 'column', table: undefined, name: 'r' },
        str('|'),
        lit(null),
        lit(flt(0.1)),
      ),
      {
        columns: { r: { kind: 'real' } },
      },
    );
    expect(c.eval([flt(Math.fround(0.1))], { params: [], nowMicros: 0n })).toEqual(txt('0.1|0.1'));
  });
});

describe('numeric functions', () => {
  it('takes absolute values at the argument type, overflowing on the minimum integer', () => {
    expect(call('abs', lit(-5))).toEqual(int(5));
    expect(call('abs', lit(dec('-1.50')))).toEqual(dec('1.50'));
    expect(call('abs', lit(flt(-0.5)))).toEqual(flt(0.5));
    const minInt = compile(fn('abs', { kind: 'column', table: undefined, name: 'c' }), {
      columns: { c: { kind: 'integer' } },
    });
    expect(() => minInt.eval([int(-2147483648)], { params: [], nowMicros: 0n })).toThrow(
      fails('NUMERIC_OVERFLOW', 'integer out of range'),
    );
  });

  it('rounds numerics half away from zero and doubles half to even', () => {
    expect(call('round', lit(dec('2.5')))).toEqual(dec('3'));
    expect(call('round', lit(dec('-2.5')))).toEqual(dec('-3'));
    expect(call('round', lit(dec('2.345')), lit(2))).toEqual(dec('2.35'));
    expect(call('round', lit(dec('1234.5')), lit(-2))).toEqual(dec('1200'));
    expect(call('round', lit(dec('1250')), lit(-2))).toEqual(dec('1300'));
    expect(call('round', lit(dec('1.5')), lit(3))).toEqual(dec('1.500'));
    expect(call('round', lit(7))).toEqual(dec('7'));
    expect(call('round', lit(flt(2.5)))).toEqual(flt(2));
    expect(call('round', lit(flt(3.5)))).toEqual(flt(4));
    expect(call('round', lit(flt(-2.5)))).toEqual(flt(-2));
    expect(call('trunc', lit(dec('-2.79')), lit(1))).toEqual(dec('-2.7'));
  });

  it('takes ceilings and floors', () => {
    expect(call('ceil', lit(dec('-1.5')))).toEqual(dec('-1'));
    expect(call('ceiling', lit(dec('1.01')))).toEqual(dec('2'));
    expect(call('floor', lit(dec('-1.5')))).toEqual(dec('-2'));
    expect(call('floor', lit(flt(1.7)))).toEqual(flt(1));
  });

  it('computes power and sqrt in double precision with PostgreSQL domain errors', () => {
    expect(call('power', lit(2), lit(10))).toEqual(flt(1024));
    expect(call('sqrt', lit(dec('2.25')))).toEqual(flt(1.5));
    expect(() => call('sqrt', lit(-1))).toThrow(
      fails('INVALID_VALUE', 'cannot take square root of a negative number'),
    );
    expect(() => call('power', lit(0), lit(-1))).toThrow(fails('INVALID_VALUE'));
    expect(() => call('power', lit(-8), lit(flt(1 / 3)))).toThrow(fails('INVALID_VALUE'));
    expect(() => call('power', lit(10), lit(400))).toThrow(fails('NUMERIC_OVERFLOW'));
  });
});

describe('more numeric functions', () => {
  it('takes signs, exponentials and logarithms', () => {
    expect(call('sign', lit(dec('-2.5')))).toEqual(dec('-1'));
    expect(call('sign', lit(0))).toEqual(dec('0'));
    expect(call('sign', lit(flt(3)))).toEqual(flt(1));
    expect(call('exp', lit(0))).toEqual(flt(1));
    expect(call('ln', lit(1))).toEqual(flt(0));
    expect(call('log', lit(1000))).toEqual(flt(3));
    expect(call('log10', lit(100))).toEqual(flt(2));
    expect(call('pi')).toEqual(flt(Math.PI));
    expect(() => call('ln', lit(0))).toThrow(
      fails('INVALID_VALUE', 'cannot take logarithm of zero'),
    );
    expect(() => call('log', lit(-1))).toThrow(fails('INVALID_VALUE'));
    expect(() => call('exp', lit(1000))).toThrow(fails('NUMERIC_OVERFLOW'));
  });

  it('refuses places for ceil and floor', () => {
    expect(() => call('ceil', lit(dec('1.5')), lit(1))).toThrow(fails('UNKNOWN_FUNCTION'));
  });
});

describe('conditional functions', () => {
  it('coalesces to the first non-NULL in the common type, lazily', () => {
    expect(call('coalesce', lit(null), lit(2), lit(dec('3.5')))).toEqual(dec('2'));
    expect(call('coalesce', lit(null), lit(null))).toEqual(NULL);
    expect(call('coalesce', lit(1), fn('sqrt', lit(-1)))).toEqual(flt(1));
    expect(() => call('coalesce', lit(1), lit(true))).toThrow(
      fails('TYPE_MISMATCH', 'COALESCE types integer and boolean cannot be matched'),
    );
  });

  it('returns NULL from nullif when the arguments are equal', () => {
    expect(call('nullif', lit(1), lit(dec('1.0')))).toEqual(NULL);
    expect(call('nullif', lit(1), lit(2))).toEqual(int(1));
    expect(call('nullif', lit(null), lit(2))).toEqual(NULL);
    expect(call('nullif', str('a'), lit(null))).toEqual(txt('a'));
  });

  it('picks the greatest and least, ignoring NULLs', () => {
    expect(call('greatest', lit(1), lit(null), lit(3), lit(2))).toEqual(int(3));
    expect(call('least', lit(dec('1.5')), lit(1))).toEqual(dec('1'));
  });
});

describe('date and time functions', () => {
  it('reads the statement clock', () => {
    expect(call('now')).toEqual({ kind: 'timestamp', value: NOW_MICROS });
    expect(call('current_timestamp')).toEqual({ kind: 'timestamp', value: NOW_MICROS });
    expect(call('current_date')).toEqual({ kind: 'date', value: 20468 });
  });

  it('truncates timestamps and dates to a unit', () => {
    expect(call('date_trunc', str('hour'), fn('now'))).toEqual({
      kind: 'timestamp',
      value: 1_768_471_200_000_000n,
    });
    const date: ColumnType = { kind: 'date' };
    const c = compile(
      fn('date_trunc', str('MONTH'), { kind: 'column', table: undefined, name: 'd' }),
      {
        columns: { d: date },
      },
    );
    expect(c.type).toEqual({ kind: 'timestamp' });
    expect(c.eval([{ kind: 'date', value: 20468 }], { params: [], nowMicros: 0n })).toEqual({
      kind: 'timestamp',
      value: 20454n * 86_400_000_000n,
    });
    expect(() => call('date_trunc', str('fortnight'), fn('now'))).toThrow(fails('INVALID_VALUE'));
  });
});

describe('date_part', () => {
  it('gives EXTRACT fields as double precision', () => {
    expect(call('date_part', str('hour'), fn('now'))).toEqual(flt(10));
    expect(call('date_part', str('second'), fn('now'))).toEqual(flt(0.123456));
    expect(() => call('date_part', str('fortnight'), fn('now'))).toThrow(fails('NOT_SUPPORTED'));
  });
});

describe('function resolution', () => {
  it('names unknown functions with their argument types', () => {
    expect(() => call('foo', lit(1))).toThrow(
      fails('UNKNOWN_FUNCTION', 'Unknown function: foo(integer)'),
    );
  });

  it('says what a known function accepts when the arguments do not fit', () => {
    expect(() => call('upper', lit(1))).toThrow(
      fails('UNKNOWN_FUNCTION', 'Unknown function: upper(integer); upper accepts upper(text)'),
    );
    expect(() => call('substring', str('a'))).toThrow(fails('UNKNOWN_FUNCTION'));
    expect(() => run({ ...fn('upper', str('a')), distinct: true })).toThrow(
      fails('UNKNOWN_FUNCTION'),
    );
  });
});
