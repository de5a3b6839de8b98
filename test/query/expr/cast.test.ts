import { describe, expect, it } from 'vitest';
import { assignValue, castValue, formatFloat } from '../../../ts/query/expr/index.js';
import type { ColumnType, SqlValue } from '../../../ts/types/index.js';
import { boolean, dec, flt, int, NULL, txt } from './helpers.js';

const SMALLINT: ColumnType = { kind: 'smallint' };
const INTEGER: ColumnType = { kind: 'integer' };
const BIGINT: ColumnType = { kind: 'bigint' };
const REAL: ColumnType = { kind: 'real' };
const DOUBLE: ColumnType = { kind: 'double' };
const TEXT: ColumnType = { kind: 'text' };
const DATE: ColumnType = { kind: 'date' };
const TIMESTAMP: ColumnType = { kind: 'timestamp' };
const numeric = (precision: number, scale: number): ColumnType => ({
  kind: 'decimal',
  precision,
  scale,
});
const varchar = (length: number): ColumnType => ({ kind: 'varchar', length });

function fails(code: string, message?: string): unknown {
  return expect.objectContaining(message === undefined ? { code } : { code, message });
}

describe('castValue to numbers', () => {
  it('parses integer text with surrounding spaces and checks the width', () => {
    expect(castValue(txt(' -42 '), INTEGER)).toEqual(int(-42));
    expect(() => castValue(txt('4.2'), INTEGER)).toThrow(
      fails('INVALID_VALUE', 'invalid input syntax for type integer: "4.2"'),
    );
    expect(() => castValue(int(32768), SMALLINT)).toThrow(
      fails('NUMERIC_OVERFLOW', 'smallint out of range'),
    );
    expect(castValue(int(-32768), SMALLINT)).toEqual(int(-32768));
    expect(() => castValue(txt('9223372036854775808'), BIGINT)).toThrow(fails('NUMERIC_OVERFLOW'));
  });

  it('rounds floats half to even and numerics half away from zero into integers', () => {
    expect(castValue(flt(2.5), INTEGER)).toEqual(int(2));
    expect(castValue(flt(3.5), INTEGER)).toEqual(int(4));
    expect(castValue(flt(-2.5), INTEGER)).toEqual(int(-2));
    expect(castValue(dec('2.5'), INTEGER)).toEqual(int(3));
    expect(castValue(dec('-2.5'), INTEGER)).toEqual(int(-3));
    expect(() => castValue(flt(Number.NaN), INTEGER)).toThrow(fails('NUMERIC_OVERFLOW'));
  });

  it('fits decimals to scale and precision', () => {
    expect(castValue(txt('12.345'), numeric(5, 2))).toEqual(dec('12.35'));
    expect(castValue(int(7), numeric(5, 2))).toEqual(dec('7.00'));
    expect(castValue(flt(0.1), numeric(10, 3))).toEqual(dec('0.100'));
    expect(castValue(txt('-0.005'), numeric(3, 2))).toEqual(dec('-0.01'));
    expect(() => castValue(txt('999.995'), numeric(5, 2))).toThrow(fails('NUMERIC_OVERFLOW'));
    expect(() => castValue(flt(Number.POSITIVE_INFINITY), numeric(5, 2))).toThrow(
      fails('INVALID_VALUE'),
    );
  });

  it('converts to floats, rounding to single precision for real', () => {
    expect(castValue(dec('0.1'), DOUBLE)).toEqual(flt(0.1));
    expect(castValue(int(3), REAL)).toEqual(flt(3));
    expect(castValue(txt('0.1'), REAL)).toEqual(flt(Math.fround(0.1)));
    expect(castValue(txt('-Infinity'), DOUBLE)).toEqual(flt(Number.NEGATIVE_INFINITY));
    expect(() => castValue(flt(1e300), REAL)).toThrow(fails('NUMERIC_OVERFLOW'));
    expect(() => castValue(txt('1e400'), DOUBLE)).toThrow(fails('NUMERIC_OVERFLOW'));
  });
});

describe('castValue to text and back', () => {
  it('prints values in PostgreSQL formats', () => {
    expect(castValue(flt(0.1 + 0.2), TEXT)).toEqual(txt('0.30000000000000004'));
    expect(castValue(dec('-0.050'), TEXT)).toEqual(txt('-0.050'));
    expect(castValue(boolean(true), TEXT)).toEqual(txt('true'));
    expect(castValue({ kind: 'date', value: 20468 }, TEXT)).toEqual(txt('2026-01-15'));
    expect(castValue({ kind: 'timestamp', value: 1_768_473_000_500_000n }, TEXT)).toEqual(
      txt('2026-01-15 10:30:00.5'),
    );
    expect(castValue({ kind: 'bytes', value: Uint8Array.from([0xde, 0xad]) }, TEXT)).toEqual(
      txt('\\xdead'),
    );
  });

  it('truncates to varchar(n) on explicit cast, counting code points', () => {
    expect(castValue(txt('abcdef'), varchar(3))).toEqual(txt('abc'));
    expect(castValue(txt('😀😀😀'), varchar(2))).toEqual(txt('😀😀'));
  });

  it('parses booleans PostgreSQL accepts', () => {
    for (const t of ['true', 'T', 'yes', 'on', '1', ' y ']) {
      expect(castValue(txt(t), { kind: 'boolean' })).toEqual(boolean(true));
    }
    for (const t of ['false', 'f', 'no', 'off', '0']) {
      expect(castValue(txt(t), { kind: 'boolean' })).toEqual(boolean(false));
    }
    expect(() => castValue(txt('o'), { kind: 'boolean' })).toThrow(fails('INVALID_VALUE'));
    expect(castValue(int(5), { kind: 'boolean' })).toEqual(boolean(true));
  });

  it('parses dates and timestamps, applying zones', () => {
    expect(castValue(txt('2026-01-15'), DATE)).toEqual({ kind: 'date', value: 20468 });
    expect(castValue(txt('1969-12-31'), DATE)).toEqual({ kind: 'date', value: -1 });
    expect(castValue(txt('2024-02-29 23:00'), DATE)).toEqual({ kind: 'date', value: 19782 });
    expect(() => castValue(txt('2023-02-29'), DATE)).toThrow(
      fails('INVALID_VALUE', 'invalid input syntax for type date: "2023-02-29"'),
    );
    expect(castValue(txt('2026-01-15T12:30:00+02:00'), TIMESTAMP)).toEqual({
      kind: 'timestamp',
      value: 1_768_473_000_000_000n,
    });
    expect(castValue(txt('2026-01-15 10:30'), TIMESTAMP)).toEqual({
      kind: 'timestamp',
      value: 1_768_473_000_000_000n,
    });
    expect(castValue({ kind: 'timestamp', value: -1n }, DATE)).toEqual({ kind: 'date', value: -1 });
    expect(castValue({ kind: 'date', value: 2 }, TIMESTAMP)).toEqual({
      kind: 'timestamp',
      value: 172_800_000_000n,
    });
  });

  it('parses uuids, json and bytea', () => {
    const uuid = castValue(txt('{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}'), { kind: 'uuid' });
    expect(castValue(uuid, TEXT)).toEqual(txt('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'));
    expect(castValue(txt('{"b": 1, "a": [true]}'), { kind: 'json' })).toEqual({
      kind: 'json',
      value: '{"a":[true],"b":1}',
    });
    expect(() => castValue(txt('{nope'), { kind: 'json' })).toThrow(fails('INVALID_VALUE'));
    expect(castValue(txt('\\x0aff'), { kind: 'bytea' })).toEqual({
      kind: 'bytes',
      value: Uint8Array.from([10, 255]),
    });
    expect(castValue(txt('a\\\\b\\001'), { kind: 'bytea' })).toEqual({
      kind: 'bytes',
      value: Uint8Array.from([0x61, 0x5c, 0x62, 1]),
    });
  });

  it('reads json scalars as numbers and booleans, and refuses containers', () => {
    expect(castValue({ kind: 'json', value: '42' }, INTEGER)).toEqual(int(42));
    expect(castValue({ kind: 'json', value: '1.25' }, numeric(10, 1))).toEqual(dec('1.3'));
    expect(castValue({ kind: 'json', value: 'true' }, { kind: 'boolean' })).toEqual(boolean(true));
    expect(() => castValue({ kind: 'json', value: '[1]' }, INTEGER)).toThrow(
      fails('INVALID_VALUE'),
    );
  });

  it('refuses pairs that make no sense', () => {
    expect(() => castValue({ kind: 'date', value: 1 }, INTEGER)).toThrow(
      fails('TYPE_MISMATCH', 'cannot cast type date to integer'),
    );
    expect(castValue(NULL, INTEGER)).toEqual(NULL);
  });
});

describe('formatFloat', () => {
  it('switches to exponents below 1e-4 and from 1e15', () => {
    expect(formatFloat(1e15, false)).toBe('1e+15');
    expect(formatFloat(123456789012345, false)).toBe('123456789012345');
    expect(formatFloat(0.0001, false)).toBe('0.0001');
    expect(formatFloat(0.00001, false)).toBe('1e-05');
    expect(formatFloat(-1.5e-300, false)).toBe('-1.5e-300');
    expect(formatFloat(100, false)).toBe('100');
    expect(formatFloat(Number.NaN, false)).toBe('NaN');
  });

  it('prints a real with the digits single precision needs', () => {
    expect(formatFloat(Math.fround(0.1), true)).toBe('0.1');
    expect(formatFloat(Math.fround(0.1), false)).toBe('0.10000000149011612');
  });
});

describe('assignValue', () => {
  it('widens and fits numbers into the column', () => {
    expect(assignValue(int(7), INTEGER, numeric(5, 2), 'price')).toEqual(dec('7.00'));
    expect(assignValue(dec('2.5'), numeric(1000, 1), INTEGER, 'n')).toEqual(int(3));
    expect(assignValue(flt(1.5), DOUBLE, BIGINT, 'n')).toEqual(int(2));
  });

  it('names the column in range and precision errors', () => {
    expect(() => assignValue(int(40000), INTEGER, SMALLINT, 'qty')).toThrow(
      fails('NUMERIC_OVERFLOW', 'smallint out of range in column qty'),
    );
    expect(() => assignValue(dec('1000.00'), numeric(1000, 2), numeric(5, 2), 'price')).toThrow(
      fails('NUMERIC_OVERFLOW'),
    );
  });

  it('refuses text too long for a varchar, except trailing spaces', () => {
    expect(() => assignValue(txt('abcdef'), TEXT, varchar(5), 'name')).toThrow(
      fails('INVALID_VALUE', 'value too long for VARCHAR(5) in column name'),
    );
    expect(assignValue(txt('abc   '), TEXT, varchar(4), 'name')).toEqual(txt('abc '));
    expect(assignValue(txt('abcde'), TEXT, varchar(5), 'name')).toEqual(txt('abcde'));
  });

  it('converts unknowns (literals, untyped parameters) by parsing them', () => {
    expect(assignValue(txt('12'), { kind: 'unknown' }, INTEGER, 'n')).toEqual(int(12));
    expect(() => assignValue(txt('x'), { kind: 'unknown' }, INTEGER, 'n')).toThrow(
      fails('INVALID_VALUE', 'invalid input syntax for type integer: "x" in column n'),
    );
  });

  it('assigns anything to text but not text to a number', () => {
    expect(assignValue(int(5), INTEGER, TEXT, 'label')).toEqual(txt('5'));
    expect(() => assignValue(txt('5'), TEXT, INTEGER, 'n')).toThrow(
      fails('TYPE_MISMATCH', 'column n is of type integer but the expression is of type text'),
    );
    expect(() => assignValue(boolean(true), { kind: 'boolean' }, INTEGER, 'n')).toThrow(
      fails('TYPE_MISMATCH'),
    );
  });

  it('assigns timestamps to dates and NULL to anything', () => {
    const ts: SqlValue = { kind: 'timestamp', value: 86_400_000_001n };
    expect(assignValue(ts, TIMESTAMP, DATE, 'd')).toEqual({ kind: 'date', value: 1 });
    expect(assignValue(NULL, { kind: 'unknown' }, DATE, 'd')).toEqual(NULL);
  });
});

describe('assignValue of values that need no conversion', () => {
  it('gives integers and text back as they are, after the column checks', () => {
    const seven = int(7);
    expect(assignValue(seven, BIGINT, INTEGER, 'n')).toBe(seven);
    expect(assignValue(seven, { kind: 'unknown' }, SMALLINT, 'n')).toEqual(int(7));
    const name = txt('Ada');
    expect(assignValue(name, TEXT, varchar(5), 'name')).toBe(name);
    expect(assignValue(name, { kind: 'unknown' }, TEXT, 'name')).toBe(name);
    expect(() => assignValue(int(2n ** 40n), BIGINT, INTEGER, 'n')).toThrow(
      fails('NUMERIC_OVERFLOW', 'integer out of range in column n'),
    );
  });
});
