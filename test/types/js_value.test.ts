/** JavaScript values to SQL values and back (ts/types/js_value.ts), and SQL type names. */
import { describe, expect, it } from 'vitest';
import {
  type ColumnType,
  ErrorCode,
  formatColumnType,
  fromSqlValue,
  parseColumnType,
  toSqlValue,
} from '../../ts/types/index.js';

const decimal: ColumnType = { kind: 'decimal', precision: 10, scale: 2 };

function roundTrip(type: ColumnType, value: unknown): unknown {
  return fromSqlValue(type, toSqlValue('c', type, value));
}

describe('toSqlValue / fromSqlValue', () => {
  it('round-trips every column type exactly', () => {
    expect(roundTrip({ kind: 'integer' }, 42)).toBe(42);
    expect(roundTrip({ kind: 'bigint' }, 2n ** 62n)).toBe(2n ** 62n);
    expect(roundTrip({ kind: 'double' }, 0.1)).toBe(0.1);
    expect(roundTrip(decimal, '19.90')).toBe('19.90');
    expect(roundTrip(decimal, '-0.5')).toBe('-0.50');
    expect(roundTrip(decimal, 7n)).toBe('7.00');
    expect(roundTrip({ kind: 'text' }, 'Zoë')).toBe('Zoë');
    expect(roundTrip({ kind: 'boolean' }, false)).toBe(false);
    expect(roundTrip({ kind: 'date' }, '2024-02-29')).toBe('2024-02-29');
    expect(roundTrip({ kind: 'date' }, '1969-12-31')).toBe('1969-12-31');
    expect(roundTrip({ kind: 'timestamp' }, '2026-01-15 10:30:00.123456')).toBe(
      '2026-01-15T10:30:00.123456Z',
    );
    expect(roundTrip({ kind: 'timestamp' }, '2026-01-15T12:30:00+02:00')).toBe(
      '2026-01-15T10:30:00.000000Z',
    );
    expect(roundTrip({ kind: 'timestamp' }, new Date('1960-06-01T00:00:00Z'))).toBe(
      '1960-06-01T00:00:00.000000Z',
    );
    const uuid = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
    expect(roundTrip({ kind: 'uuid' }, uuid.toUpperCase())).toBe(uuid);
    expect(roundTrip({ kind: 'json' }, { b: [1, 2], a: null })).toEqual({ a: null, b: [1, 2] });
    expect(toSqlValue('c', { kind: 'json' }, { b: 1, a: 2 })).toEqual({
      kind: 'json',
      value: '{"a":2,"b":1}',
    });
    expect(roundTrip({ kind: 'bytea' }, new Uint8Array([0, 255]))).toEqual(
      new Uint8Array([0, 255]),
    );
    expect(roundTrip({ kind: 'text' }, null)).toBe(null);
    expect(roundTrip({ kind: 'text' }, undefined)).toBe(null);
  });

  it('refuses values that would lose information, naming the column', () => {
    const bad: [ColumnType, unknown][] = [
      [{ kind: 'integer' }, 1.5],
      [{ kind: 'bigint' }, 2 ** 60],
      [{ kind: 'integer' }, '1'],
      [decimal, '1.234'],
      [decimal, 1.5],
      [{ kind: 'date' }, '2023-02-29'],
      [{ kind: 'timestamp' }, '2026-01-15T10:30:00.1234567'],
      [{ kind: 'timestamp' }, 'yesterday'],
      [{ kind: 'uuid' }, 'not-a-uuid'],
      [{ kind: 'boolean' }, 1],
      [{ kind: 'bytea' }, 'bytes'],
    ];
    for (const [type, value] of bad) {
      expect(() => toSqlValue('price', type, value), `${type.kind} ${String(value)}`).toThrow(
        expect.objectContaining({
          code: ErrorCode.InvalidRow,
          message: expect.stringContaining('price'),
        }),
      );
    }
  });
});

describe('parseColumnType', () => {
  it('reads SQL type names and their parameters', () => {
    expect(parseColumnType('BIGINT')).toEqual({ kind: 'bigint' });
    expect(parseColumnType('double  precision')).toEqual({ kind: 'double' });
    expect(parseColumnType('varchar(20)')).toEqual({ kind: 'varchar', length: 20 });
    expect(parseColumnType('NUMERIC(10, 2)')).toEqual({ kind: 'decimal', precision: 10, scale: 2 });
    expect(parseColumnType('DECIMAL(5)')).toEqual({ kind: 'decimal', precision: 5, scale: 0 });
    expect(parseColumnType('blob')).toBeUndefined();
    expect(parseColumnType('varchar(1, 2)')).toBeUndefined();
    expect(formatColumnType({ kind: 'decimal', precision: 10, scale: 2 })).toBe('DECIMAL(10,2)');
  });
});
