/**
 * Scalar functions, resolved by name and argument types at compile time. Each entry says which
 * argument types it takes (`accepts`, for error messages) and, for given types, the result
 * type, the type each argument is converted to first, and how to compute. The text and
 * numeric families live in text_functions.ts and math_functions.ts; conditionals (coalesce,
 * nullif, greatest, least) and date/time functions here.
 *
 * Most functions are strict (any NULL argument gives NULL); `concat`, `concat_ws`,
 * `coalesce`, `nullif`, `greatest` and `least` are not, as in PostgreSQL.
 */
import type { ColumnType, SqlValue } from '../../types/index.js';
import { ErrorCode, KimberliteError, SQL_NULL } from '../../types/index.js';
import type { EvalContext, Evaluator, Row, SqlType } from '../types.js';
import { commonType, DATE, DOUBLE, TEXT, TIMESTAMP } from './coercion.js';
import { compareValues } from './compare.js';
import { checkExtractField, dateTrunc, extractFromTimestamp, splitTimestamp } from './datetime.js';
import { decimalToFloat } from './decimal.js';
import {
  isStringish,
  type ResolvedFunction,
  type ScalarFunction,
  strict,
  text,
} from './function_kit.js';
import { MATH_FUNCTIONS } from './math_functions.js';
import { TEXT_FUNCTIONS } from './text_functions.js';

export type { Implementation, ResolvedFunction } from './function_kit.js';

function variadicCommon(
  name: string,
  pick: ((cmp: number) => boolean) | undefined,
): ScalarFunction {
  return {
    accepts: `${name}(any, ...) of one type`,
    resolve: (args) => {
      if (args.length === 0) return undefined;
      const type = commonType(args, name.toUpperCase());
      const argTypes = args.map(() => type);
      if (pick === undefined) {
        const fn = (evals: readonly Evaluator[], row: Row, ctx: EvalContext): SqlValue => {
          for (const e of evals) {
            const v = e(row, ctx);
            if (v.kind !== 'null') return v;
          }
          return SQL_NULL;
        };
        return { type, argTypes, impl: { kind: 'lazy', fn } };
      }
      const fn = (values: readonly SqlValue[]): SqlValue =>
        values.reduce<SqlValue>(
          (best, v) =>
            v.kind !== 'null' && (best.kind === 'null' || pick(compareValues(v, best))) ? v : best,
          SQL_NULL,
        );
      return { type, argTypes, impl: { kind: 'values', strict: false, fn } };
    },
  };
}

const nullifFunction: ScalarFunction = {
  accepts: 'nullif(any, any) of comparable types',
  resolve: (args) => {
    if (args.length !== 2) return undefined;
    const common = commonType(args, 'NULLIF');
    const first = (args[0] as SqlType).kind === 'unknown' ? common : (args[0] as SqlType);
    const second = (args[1] as SqlType).kind === 'unknown' ? common : (args[1] as SqlType);
    const fn = ([a, b]: readonly SqlValue[]): SqlValue => {
      const [x, y] = [a as SqlValue, b as SqlValue];
      if (x.kind === 'null' || y.kind === 'null') return x;
      return compareValues(x, y) === 0 ? SQL_NULL : x;
    };
    return { type: first, argTypes: [first, second], impl: { kind: 'values', strict: false, fn } };
  },
};

function contextFunction(
  name: string,
  type: ColumnType,
  fn: (ctx: EvalContext) => SqlValue,
): ScalarFunction {
  return {
    accepts: `${name}()`,
    resolve: (args) =>
      args.length === 0 ? { type, argTypes: [], impl: { kind: 'context', fn } } : undefined,
  };
}

const nowFn = (ctx: EvalContext): SqlValue => ({ kind: 'timestamp', value: ctx.nowMicros });
const currentDateFn = (ctx: EvalContext): SqlValue => ({
  kind: 'date',
  value: splitTimestamp(ctx.nowMicros).days,
});

const dateTruncFunction: ScalarFunction = {
  accepts: 'date_trunc(text, timestamp), date_trunc(text, date)',
  resolve: (args) => {
    const [unit, source] = args;
    if (args.length !== 2 || !isStringish(unit as SqlType)) return undefined;
    const kind = (source as SqlType).kind;
    if (kind !== 'timestamp' && kind !== 'date' && kind !== 'unknown') return undefined;
    return strict(TIMESTAMP, [TEXT, TIMESTAMP], ([u, v]) => ({
      kind: 'timestamp',
      value: dateTrunc(text(u as SqlValue).toLowerCase(), (v as { value: bigint }).value),
    }));
  },
};

const datePartFunction: ScalarFunction = {
  accepts: 'date_part(text, timestamp), date_part(text, date)',
  resolve: (args) => {
    const [field, source] = args;
    if (args.length !== 2 || !isStringish(field as SqlType)) return undefined;
    const kind = (source as SqlType).kind;
    if (kind !== 'timestamp' && kind !== 'date' && kind !== 'unknown') return undefined;
    return strict(DOUBLE, [TEXT, TIMESTAMP], ([f, v]) => {
      const name = text(f as SqlValue).toLowerCase();
      checkExtractField(name, 'timestamp');
      const d = extractFromTimestamp(name, (v as { value: bigint }).value);
      return { kind: 'float', value: decimalToFloat(d) };
    });
  },
};

const FUNCTIONS: ReadonlyMap<string, ScalarFunction> = new Map<string, ScalarFunction>([
  ...TEXT_FUNCTIONS,
  ...MATH_FUNCTIONS,
  ['coalesce', variadicCommon('coalesce', undefined)],
  ['greatest', variadicCommon('greatest', (c) => c > 0)],
  ['least', variadicCommon('least', (c) => c < 0)],
  ['nullif', nullifFunction],
  ['now', contextFunction('now', TIMESTAMP, nowFn)],
  ['current_timestamp', contextFunction('current_timestamp', TIMESTAMP, nowFn)],
  ['localtimestamp', contextFunction('localtimestamp', TIMESTAMP, nowFn)],
  ['transaction_timestamp', contextFunction('transaction_timestamp', TIMESTAMP, nowFn)],
  ['statement_timestamp', contextFunction('statement_timestamp', TIMESTAMP, nowFn)],
  ['current_date', contextFunction('current_date', DATE, currentDateFn)],
  ['date_trunc', dateTruncFunction],
  ['date_part', datePartFunction],
]);

/** Whether a scalar function of this name exists (any argument types). */
export function isScalarFunctionName(name: string): boolean {
  return FUNCTIONS.has(name);
}

/**
 * The function `name` for these argument types. UNKNOWN_FUNCTION when no function has the
 * name (`Unknown function: foo(integer)`) or it does not take these types (the message says
 * what it takes).
 */
export function resolveFunction(name: string, args: readonly SqlType[]): ResolvedFunction {
  const signature = `${name}(${args.map(typeLabel).join(', ')})`;
  const entry = FUNCTIONS.get(name);
  if (entry === undefined) {
    throw new KimberliteError(ErrorCode.UnknownFunction, `Unknown function: ${signature}`);
  }
  const resolved = entry.resolve(args);
  if (resolved === undefined) {
    throw new KimberliteError(
      ErrorCode.UnknownFunction,
      `Unknown function: ${signature}; ${name} accepts ${entry.accepts}`,
    );
  }
  return resolved;
}

function typeLabel(t: SqlType): string {
  switch (t.kind) {
    case 'decimal':
      return 'numeric';
    case 'double':
      return 'double precision';
    case 'varchar':
      return 'varchar';
    default:
      return t.kind;
  }
}
