import { describe, expect, it } from 'vitest';
import {
  aggregateFunction,
  isAggregateName,
  isWindowFunctionName,
} from '../../../ts/query/expr/index.js';
import type { SqlType } from '../../../ts/query/types.js';
import type { SqlValue } from '../../../ts/types/index.js';
import { dec, flt, int, NULL, txt } from './helpers.js';

function aggregate(
  name: string,
  argType: SqlType | undefined,
  values: readonly SqlValue[],
  distinct = false,
): { type: SqlType; result: SqlValue } {
  const fn = aggregateFunction(name, argType === undefined ? [] : [argType], distinct);
  if (fn === undefined) throw new Error(`no aggregate ${name}`);
  const acc = fn.create();
  for (const v of values) acc.add(argType === undefined ? [] : [v]);
  return { type: fn.type, result: acc.result() };
}

const INTEGER: SqlType = { kind: 'integer' };
const BIGINT: SqlType = { kind: 'bigint' };
const DOUBLE: SqlType = { kind: 'double' };
const NUMERIC_2: SqlType = { kind: 'decimal', precision: 10, scale: 2 };

describe('aggregates', () => {
  it('counts rows for count(*) and non-NULL values for count(x)', () => {
    expect(aggregate('count', undefined, [NULL, NULL, int(1)])).toEqual({
      type: BIGINT,
      result: int(3),
    });
    expect(aggregate('count', INTEGER, [NULL, int(1), int(1)]).result).toEqual(int(2));
    expect(aggregate('count', INTEGER, [NULL, int(1), int(1)], true).result).toEqual(int(1));
    expect(aggregate('count', INTEGER, []).result).toEqual(int(0));
  });

  it('sums integers into bigint and bigints into numeric', () => {
    expect(aggregate('sum', INTEGER, [int(2147483647), int(1), NULL])).toEqual({
      type: BIGINT,
      result: int(2147483648),
    });
    const big = aggregate('sum', BIGINT, [int(2n ** 63n - 1n), int(1)]);
    expect(big.type).toEqual({ kind: 'decimal', precision: 1000, scale: 0 });
    expect(big.result).toEqual(dec('9223372036854775808'));
    expect(aggregate('sum', NUMERIC_2, [dec('1.25'), dec('2.50')]).result).toEqual(dec('3.75'));
    expect(aggregate('sum', DOUBLE, [flt(0.5), flt(0.25)])).toEqual({
      type: DOUBLE,
      result: flt(0.75),
    });
  });

  it('is NULL over no values except count', () => {
    for (const name of ['sum', 'avg', 'min', 'max']) {
      expect(aggregate(name, INTEGER, [NULL]).result).toEqual(NULL);
    }
  });

  it('fails a bigint sum past 2^63 - 1', () => {
    const many = Array.from({ length: 3 }, () => int(2n ** 62n));
    expect(() => aggregate('sum', INTEGER, many)).toThrow(
      expect.objectContaining({ code: 'NUMERIC_OVERFLOW' }),
    );
  });

  it('averages exact numbers as numeric at the division scale, floats as double', () => {
    expect(aggregate('avg', INTEGER, [int(1), int(2)]).result).toEqual(dec('1.5000000000000000'));
    expect(aggregate('avg', INTEGER, [int(1), int(1), int(2)]).result).toEqual(
      dec('1.3333333333333333'),
    );
    expect(aggregate('avg', NUMERIC_2, [dec('1.00'), dec('2.00'), NULL]).result).toEqual(
      dec('1.5000000000000000'),
    );
    expect(aggregate('avg', DOUBLE, [flt(1), flt(2)])).toEqual({ type: DOUBLE, result: flt(1.5) });
    expect(aggregate('avg', INTEGER, [int(2), int(2), int(4)], true).result).toEqual(
      dec('3.0000000000000000'),
    );
  });

  it('takes min and max in the argument type and order', () => {
    expect(aggregate('min', INTEGER, [int(3), NULL, int(-1)])).toEqual({
      type: INTEGER,
      result: int(-1),
    });
    expect(aggregate('max', { kind: 'text' }, [txt('b'), txt('ab')]).result).toEqual(txt('b'));
  });

  it('dedups DISTINCT values across numeric spellings', () => {
    expect(
      aggregate('sum', NUMERIC_2, [dec('1.00'), dec('1.00'), dec('2.00')], true).result,
    ).toEqual(dec('3.00'));
  });

  it('has no aggregate for types it cannot take', () => {
    expect(aggregateFunction('sum', [{ kind: 'text' }], false)).toBeUndefined();
    expect(aggregateFunction('avg', [{ kind: 'date' }], false)).toBeUndefined();
    expect(aggregateFunction('max', [{ kind: 'json' }], false)).toBeUndefined();
    expect(aggregateFunction('median', [INTEGER], false)).toBeUndefined();
  });

  it('names aggregates and window functions', () => {
    expect(['count', 'sum', 'avg', 'min', 'max'].every(isAggregateName)).toBe(true);
    expect(isAggregateName('upper')).toBe(false);
    expect(isWindowFunctionName('row_number')).toBe(true);
    expect(isWindowFunctionName('lag')).toBe(true);
    expect(isWindowFunctionName('sum')).toBe(false);
  });
});
