/**
 * Aggregate functions (count, sum, avg, min, max) as accumulators the query engine feeds, and
 * the names of window-only functions (which the query engine computes itself).
 *
 * Result types are PostgreSQL's: count is bigint; sum of smallint/integer is bigint, of
 * bigint/numeric is numeric, of real/double is double; avg of integers and numerics is numeric
 * (the quotient at PostgreSQL's division scale, decimal.ts), of floats double; min and max
 * keep their argument's type. NULL inputs are ignored; over no rows every aggregate but count
 * is NULL. DISTINCT drops repeated values by `groupKey` (so 1 and 1.0 are one value).
 * A bigint sum past 2^63 - 1 is NUMERIC_OVERFLOW.
 */
import type { SqlValue } from '../../types/index.js';
import { ErrorCode, KimberliteError, SQL_NULL } from '../../types/index.js';
import type { Accumulator, AggregateFunction, SqlType } from '../types.js';
import { checkIntegerRange } from './cast.js';
import { BIGINT, categoryOf, DOUBLE, isIntegerType, numericType, TEXT } from './coercion.js';
import { compareValues, groupKey } from './compare.js';
import { addDecimal, type Decimal, divDecimal } from './decimal.js';

const AGGREGATE_NAMES = new Set(['count', 'sum', 'avg', 'min', 'max']);
const WINDOW_NAMES = new Set([
  'row_number',
  'rank',
  'dense_rank',
  'lag',
  'lead',
  'first_value',
  'last_value',
]);

/** Whether `name` is an aggregate function (count, sum, avg, min, max). */
export function isAggregateName(name: string): boolean {
  return AGGREGATE_NAMES.has(name);
}

/** Whether `name` is a window-only function (row_number, rank, lag...). */
export function isWindowFunctionName(name: string): boolean {
  return WINDOW_NAMES.has(name);
}

/** A running sum in the kind it accumulates: exact integer, exact decimal, or double. */
type Total =
  | { kind: 'integer'; value: bigint }
  | { kind: 'decimal'; value: Decimal }
  | { kind: 'float'; value: number };

function toDecimal(v: SqlValue): Decimal {
  if (v.kind === 'integer') return { unscaled: v.value, scale: 0 };
  if (v.kind === 'decimal') return v;
  throw new KimberliteError(ErrorCode.TypeMismatch, `cannot add ${v.kind} to a numeric sum`);
}

function addToTotal(total: Total | undefined, v: SqlValue): Total {
  if (v.kind === 'float')
    return { kind: 'float', value: (total?.kind === 'float' ? total.value : 0) + v.value };
  if (total?.kind === 'decimal' || v.kind === 'decimal') {
    const base = total === undefined ? { unscaled: 0n, scale: 0 } : totalDecimal(total);
    return { kind: 'decimal', value: addDecimal(base, toDecimal(v)) };
  }
  return {
    kind: 'integer',
    value: (total?.kind === 'integer' ? total.value : 0n) + toDecimal(v).unscaled,
  };
}

function totalDecimal(total: Total): Decimal {
  if (total.kind === 'decimal') return total.value;
  if (total.kind === 'integer') return { unscaled: total.value, scale: 0 };
  throw new KimberliteError(ErrorCode.TypeMismatch, 'cannot mix float and exact sums');
}

function decimalValue(d: Decimal): SqlValue {
  return { kind: 'decimal', unscaled: d.unscaled, scale: d.scale };
}

/** Feeds `add` only non-null first arguments, once per distinct value when `distinct`. */
function filtered(
  distinct: boolean,
  add: (v: SqlValue) => void,
): (args: readonly SqlValue[]) => void {
  if (!distinct) {
    return (args) => {
      const v = args[0];
      if (v !== undefined && v.kind !== 'null') add(v);
    };
  }
  const seen = new Set<string>();
  return (args) => {
    const v = args[0];
    if (v === undefined || v.kind === 'null') return;
    const key = groupKey([v]);
    if (seen.has(key)) return;
    seen.add(key);
    add(v);
  };
}

function countAggregate(star: boolean, distinct: boolean): AggregateFunction {
  return {
    type: BIGINT,
    create(): Accumulator {
      let count = 0n;
      const add = star ? () => count++ : filtered(distinct, () => count++);
      return { add, result: () => ({ kind: 'integer', value: count }) };
    },
  };
}

function sumResult(total: Total | undefined, type: SqlType): SqlValue {
  if (total === undefined) return SQL_NULL;
  if (type.kind === 'bigint') {
    return { kind: 'integer', value: checkIntegerRange(totalDecimal(total).unscaled, 'bigint') };
  }
  if (total.kind === 'float') return { kind: 'float', value: total.value };
  return decimalValue(totalDecimal(total));
}

function sumType(arg: SqlType): SqlType | undefined {
  if (arg.kind === 'smallint' || arg.kind === 'integer') return BIGINT;
  if (arg.kind === 'bigint') return numericType(0);
  if (arg.kind === 'decimal') return numericType(arg.scale);
  if (arg.kind === 'real' || arg.kind === 'double') return DOUBLE;
  return undefined;
}

function sumAggregate(type: SqlType, distinct: boolean): AggregateFunction {
  return {
    type,
    create(): Accumulator {
      let total: Total | undefined;
      const add = filtered(distinct, (v) => {
        total = addToTotal(total, v);
      });
      return { add, result: () => sumResult(total, type) };
    },
  };
}

function avgAggregate(arg: SqlType, distinct: boolean): AggregateFunction | undefined {
  const exact = isIntegerType(arg) || arg.kind === 'decimal';
  if (!exact && arg.kind !== 'real' && arg.kind !== 'double') return undefined;
  const type = exact ? numericType(Math.max(16, arg.kind === 'decimal' ? arg.scale : 0)) : DOUBLE;
  return {
    type,
    create(): Accumulator {
      let total: Total | undefined;
      let count = 0n;
      const add = filtered(distinct, (v) => {
        total = addToTotal(total, v);
        count++;
      });
      const result = (): SqlValue => {
        if (total === undefined) return SQL_NULL;
        if (total.kind === 'float') return { kind: 'float', value: total.value / Number(count) };
        return decimalValue(divDecimal(totalDecimal(total), { unscaled: count, scale: 0 }));
      };
      return { add, result };
    },
  };
}

function extremeAggregate(type: SqlType, distinct: boolean, sign: 1 | -1): AggregateFunction {
  return {
    type,
    create(): Accumulator {
      let best: SqlValue = SQL_NULL;
      const add = filtered(distinct, (v) => {
        if (best.kind === 'null' || sign * compareValues(v, best) > 0) best = v;
      });
      return { add, result: () => best };
    },
  };
}

/**
 * The aggregate `name` over arguments of `argTypes` (empty for `count(*)`), or undefined when
 * there is no such aggregate for these types (the caller reports it).
 *
 * @example
 * const sum = aggregateFunction('sum', [{ kind: 'integer' }], false);
 * const acc = sum?.create(); acc?.add([{ kind: 'integer', value: 2n }]); acc?.result();
 * // { kind: 'integer', value: 2n }
 */
export function aggregateFunction(
  name: string,
  argTypes: readonly SqlType[],
  distinct: boolean,
): AggregateFunction | undefined {
  const [arg, ...extra] = argTypes;
  if (name === 'count' && arg === undefined) return countAggregate(true, false);
  if (arg === undefined || extra.length > 0) return undefined;
  switch (name) {
    case 'count':
      return countAggregate(false, distinct);
    case 'sum': {
      const type = sumType(arg);
      return type === undefined ? undefined : sumAggregate(type, distinct);
    }
    case 'avg':
      return avgAggregate(arg, distinct);
    case 'min':
    case 'max': {
      const type = arg.kind === 'unknown' ? TEXT : arg;
      if (categoryOf(type) === 'json') return undefined;
      return extremeAggregate(type, distinct, name === 'max' ? 1 : -1);
    }
    default:
      return undefined;
  }
}
