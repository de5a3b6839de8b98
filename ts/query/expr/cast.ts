/**
 * Conversions between value kinds: explicit CAST, the implicit conversions the compiler
 * inserts (integer to numeric or double, date to timestamp, unknown to anything), and
 * assignment to a column (INSERT / UPDATE), which PostgreSQL allows between fewer types than
 * CAST and checks against the column's length, range and precision.
 *
 * Rounding: float to integer rounds half to even (PostgreSQL's rint); numeric to integer and
 * numeric to a smaller scale round half away from zero. A value outside its target's range is
 * NUMERIC_OVERFLOW; text that does not spell a value is INVALID_VALUE. An explicit cast to
 * varchar(n) truncates, as PostgreSQL's does; assignment refuses text that is too long.
 */
import type { ColumnType, SqlValue } from '../../types/index.js';
import { ErrorCode, KimberliteError, SQL_NULL, unreachable } from '../../types/index.js';
import type { SqlType } from '../types.js';
import { categoryOf, isUnconstrainedDecimal, typeName } from './coercion.js';
import { MICROS_PER_DAY, parseDateText, parseTimestampText, splitTimestamp } from './datetime.js';
import {
  checkBounds,
  type Decimal,
  decimalFromFloat,
  decimalToFloat,
  digitCount,
  parseDecimal,
  rescale,
} from './decimal.js';
import {
  invalidInput,
  parseBooleanText,
  parseByteaText,
  parseFloatText,
  parseIntegerText,
  parseJsonText,
  parseUuidText,
  valueToText,
} from './text_format.js';

type IntegerType = Extract<ColumnType, { kind: 'smallint' | 'integer' | 'bigint' }>;
type DecimalType = Extract<ColumnType, { kind: 'decimal' }>;

const INTEGER_BOUNDS: Readonly<Record<IntegerType['kind'], readonly [bigint, bigint]>> = {
  smallint: [-(1n << 15n), (1n << 15n) - 1n],
  integer: [-(1n << 31n), (1n << 31n) - 1n],
  bigint: [-(1n << 63n), (1n << 63n) - 1n],
};

function castError(from: string, to: ColumnType): KimberliteError {
  return new KimberliteError(ErrorCode.TypeMismatch, `cannot cast type ${from} to ${typeName(to)}`);
}

/** Throws NUMERIC_OVERFLOW unless `value` fits the integer type. */
export function checkIntegerRange(value: bigint, kind: IntegerType['kind']): bigint {
  const [low, high] = INTEGER_BOUNDS[kind];
  if (value < low || value > high) {
    throw new KimberliteError(ErrorCode.NumericOverflow, `${kind} out of range`);
  }
  return value;
}

/** Round half to even, as C's rint in the default rounding mode. */
function rint(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function toInteger(value: SqlValue, to: IntegerType): SqlValue {
  let result: bigint;
  switch (value.kind) {
    case 'integer':
      result = value.value;
      break;
    case 'float':
      if (!Number.isFinite(value.value)) {
        throw new KimberliteError(ErrorCode.NumericOverflow, `${to.kind} out of range`);
      }
      result = BigInt(rint(value.value));
      break;
    case 'decimal':
      result = rescale(value, 0).unscaled;
      break;
    case 'boolean':
      result = value.value ? 1n : 0n;
      break;
    case 'text':
      result = parseIntegerText(value.value, to.kind);
      break;
    case 'json':
      return toInteger(jsonScalar(value.value, to), to);
    default:
      throw castError(value.kind, to);
  }
  return { kind: 'integer', value: checkIntegerRange(result, to.kind) };
}

/** To real or double. NaN and infinities convert as themselves; a finite number that does not
 * fit (a huge numeric, or a double past the range of real) is NUMERIC_OVERFLOW. */
function toFloat(value: SqlValue, to: ColumnType & { kind: 'real' | 'double' }): SqlValue {
  let result: number;
  switch (value.kind) {
    case 'float':
      result = value.value;
      break;
    case 'integer':
      result = Number(value.value);
      break;
    case 'decimal':
      result = decimalToFloat(value);
      if (!Number.isFinite(result)) {
        throw new KimberliteError(ErrorCode.NumericOverflow, `value out of range for ${to.kind}`);
      }
      break;
    case 'text':
      result = parseFloatText(value.value, typeName(to));
      break;
    case 'json':
      return toFloat(jsonScalar(value.value, to), to);
    default:
      throw castError(value.kind, to);
  }
  if (to.kind === 'real') {
    const single = Math.fround(result);
    if (Number.isFinite(result) && !Number.isFinite(single)) {
      throw new KimberliteError(ErrorCode.NumericOverflow, 'value out of range for type real');
    }
    result = single;
  }
  return { kind: 'float', value: result };
}

/** `d` fitted to a decimal type: rounded to its scale, checked against its precision. */
export function fitDecimal(d: Decimal, to: DecimalType): SqlValue {
  const scaled = rescale(d, to.scale);
  if (scaled.unscaled !== 0n && digitCount(scaled.unscaled) > to.precision) {
    throw new KimberliteError(
      ErrorCode.NumericOverflow,
      `numeric field overflow: a value of ${typeName(to)} must round to an absolute value ` +
        `below 10^${to.precision - to.scale}`,
    );
  }
  return { kind: 'decimal', unscaled: scaled.unscaled, scale: scaled.scale };
}

function decimalOf(value: SqlValue, to: DecimalType): Decimal {
  switch (value.kind) {
    case 'decimal':
      return value;
    case 'integer':
      return { unscaled: value.value, scale: 0 };
    case 'float': {
      const d = decimalFromFloat(value.value);
      if (d === undefined) {
        throw new KimberliteError(
          ErrorCode.InvalidValue,
          `cannot convert ${value.value} to ${typeName(to)}`,
        );
      }
      return d;
    }
    case 'text': {
      const d = parseDecimal(value.value);
      if (d === undefined) throw invalidInput('numeric', value.value);
      return d;
    }
    case 'json':
      return decimalOf(jsonScalar(value.value, to), to);
    default:
      throw castError(value.kind, to);
  }
}

function toDecimal(value: SqlValue, to: DecimalType): SqlValue {
  return fitDecimal(decimalOf(value, to), to);
}

/** Code points of `text`, counted as PostgreSQL counts characters. */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function truncateCodePoints(text: string, length: number): string {
  if (text.length <= length) return text;
  return Array.from(text).slice(0, length).join('');
}

function toText(value: SqlValue, to: ColumnType, single: boolean): SqlValue {
  const text = valueToText(value, single);
  return {
    kind: 'text',
    value: to.kind === 'varchar' ? truncateCodePoints(text, to.length) : text,
  };
}

function toDate(value: SqlValue, to: ColumnType): SqlValue {
  switch (value.kind) {
    case 'date':
      return value;
    case 'timestamp':
      return { kind: 'date', value: splitTimestamp(value.value).days };
    case 'text': {
      const days = parseDateText(value.value);
      if (days === undefined) throw invalidInput('date', value.value);
      return { kind: 'date', value: days };
    }
    default:
      throw castError(value.kind, to);
  }
}

function toTimestamp(value: SqlValue, to: ColumnType): SqlValue {
  switch (value.kind) {
    case 'timestamp':
      return value;
    case 'date':
      return { kind: 'timestamp', value: BigInt(value.value) * MICROS_PER_DAY };
    case 'text': {
      const micros = parseTimestampText(value.value);
      if (micros === undefined) throw invalidInput('timestamp', value.value);
      return { kind: 'timestamp', value: micros };
    }
    default:
      throw castError(value.kind, to);
  }
}

function toBoolean(value: SqlValue, to: ColumnType): SqlValue {
  switch (value.kind) {
    case 'boolean':
      return value;
    case 'integer':
      return { kind: 'boolean', value: value.value !== 0n };
    case 'text':
      return { kind: 'boolean', value: parseBooleanText(value.value) };
    case 'json':
      return toBoolean(jsonScalar(value.value, to), to);
    default:
      throw castError(value.kind, to);
  }
}

/** A JSON scalar (number, boolean, string) as the value to cast further; objects, arrays and
 * null do not convert to scalar types. */
function jsonScalar(json: string, to: ColumnType): SqlValue {
  const parsed = JSON.parse(json) as unknown;
  if (typeof parsed === 'number') return { kind: 'text', value: json };
  if (typeof parsed === 'boolean') return { kind: 'boolean', value: parsed };
  throw new KimberliteError(
    ErrorCode.InvalidValue,
    `cannot cast json ${json.length > 40 ? `${json.slice(0, 40)}...` : json} to ${typeName(to)}`,
  );
}

function fromText(
  value: SqlValue,
  to: ColumnType,
  kind: 'uuid' | 'json' | 'bytes',
  parse: (text: string) => SqlValue,
): SqlValue {
  if (value.kind === kind) return value;
  if (value.kind !== 'text') throw castError(value.kind, to);
  return parse(value.value);
}

/**
 * `value` converted to `to`, as `CAST(value AS to)`: every sensible pair among the value
 * kinds; TYPE_MISMATCH for the others (`cannot cast type date to integer`). `single` says a
 * float source is a `real` (for its text form).
 *
 * @example
 * castValue({ kind: 'text', value: '12.345' }, { kind: 'decimal', precision: 5, scale: 2 });
 * // { kind: 'decimal', unscaled: 1235n, scale: 2 }
 */
export function castValue(value: SqlValue, to: ColumnType, single = false): SqlValue {
  if (value.kind === 'null') return SQL_NULL;
  switch (to.kind) {
    case 'smallint':
    case 'integer':
    case 'bigint':
      return toInteger(value, to);
    case 'real':
    case 'double':
      return toFloat(value, to);
    case 'decimal':
      return toDecimal(value, to);
    case 'text':
    case 'varchar':
      return toText(value, to, single);
    case 'boolean':
      return toBoolean(value, to);
    case 'date':
      return toDate(value, to);
    case 'timestamp':
      return toTimestamp(value, to);
    case 'uuid':
      return fromText(value, to, 'uuid', (t) => ({ kind: 'uuid', value: parseUuidText(t) }));
    case 'json':
      return fromText(value, to, 'json', (t) => ({ kind: 'json', value: parseJsonText(t) }));
    case 'bytea':
      return fromText(value, to, 'bytes', (t) => ({ kind: 'bytes', value: parseByteaText(t) }));
    default:
      return unreachable(to);
  }
}

/** Whether `CAST(x AS to)` is defined for `x` of type `from` (checked at compile time). */
export function canCast(from: SqlType, to: ColumnType): boolean {
  const source = categoryOf(from);
  const target = categoryOf(to);
  if (source === 'unknown' || source === target || target === 'string' || source === 'string') {
    return true;
  }
  if (source === 'json') return target === 'numeric' || target === 'boolean';
  const isInteger = (t: SqlType): boolean =>
    t.kind === 'smallint' || t.kind === 'integer' || t.kind === 'bigint';
  // PostgreSQL casts between boolean and integer (not the other numbers) explicitly.
  if (source === 'boolean') return isInteger(to);
  if (target === 'boolean') return isInteger(from);
  return false;
}

/**
 * The value of type `from` as a value of type `to` when the compiler widens it implicitly
 * (integer to numeric or double, date to timestamp) or gives an unknown its type. Unlike
 * CAST, a computed (unconstrained) numeric target keeps the value's scale.
 */
export function convertImplicit(value: SqlValue, to: SqlType): SqlValue {
  if (value.kind === 'null' || to.kind === 'unknown') return value;
  if (to.kind === 'decimal' && isUnconstrainedDecimal(to)) {
    if (value.kind === 'decimal') return value;
    const d = checkBounds(decimalOf(value, to));
    return { kind: 'decimal', unscaled: d.unscaled, scale: d.scale };
  }
  if (to.kind === 'varchar' || to.kind === 'text') {
    return value.kind === 'text' ? value : castValue(value, { kind: 'text' });
  }
  return castValue(value, to);
}

function assignmentAllowed(from: SqlType, to: ColumnType): boolean {
  const source = categoryOf(from);
  const target = categoryOf(to);
  return source === 'unknown' || source === target || target === 'string';
}

function withColumn(error: unknown, column: string): unknown {
  if (!(error instanceof KimberliteError)) return error;
  return new KimberliteError(error.code, `${error.message} in column ${column}`, { cause: error });
}

function checkVarchar(value: SqlValue, to: ColumnType, column: string): SqlValue {
  if (to.kind !== 'varchar' || value.kind !== 'text') return value;
  if (codePointLength(value.value) <= to.length) return value;
  // PostgreSQL drops trailing spaces past the limit rather than failing.
  const trimmed = value.value.replace(/ +$/, '');
  if (codePointLength(trimmed) <= to.length) {
    return { kind: 'text', value: truncateCodePoints(value.value, to.length) };
  }
  throw new KimberliteError(
    ErrorCode.InvalidValue,
    `value too long for VARCHAR(${to.length}) in column ${column}`,
  );
}

/** Column types an integer value assigns to without a conversion. */
const INTEGER_KINDS: ReadonlySet<string> = new Set(['smallint', 'integer', 'bigint']);

/**
 * `value` (of static type `from`) stored into a column of type `to`: the implicit conversions
 * PostgreSQL allows on assignment (numbers among themselves, date and timestamp, anything to
 * text, an unknown to anything), then the column's checks. Errors name the column: TYPE_MISMATCH
 * for a type that does not assign, NUMERIC_OVERFLOW for range or precision, INVALID_VALUE for
 * bad text or text too long (`value too long for VARCHAR(5) in column name`).
 *
 * @example
 * assignValue({ kind: 'integer', value: 7n }, { kind: 'integer' },
 *   { kind: 'decimal', precision: 5, scale: 2 }, 'price');
 * // { kind: 'decimal', unscaled: 700n, scale: 2 }
 */
export function assignValue(
  value: SqlValue,
  from: SqlType,
  to: ColumnType,
  column: string,
): SqlValue {
  if (!assignmentAllowed(from, to)) {
    throw new KimberliteError(
      ErrorCode.TypeMismatch,
      `column ${column} is of type ${typeName(to)} but the expression is of type ${typeName(from)}`,
    );
  }
  if (value.kind === 'null') return SQL_NULL;
  // The common cases, as castValue would convert them but without a new value per row: an
  // integer into an integer column (range checked), text into a text or varchar column.
  if (value.kind === 'integer' && INTEGER_KINDS.has(to.kind)) {
    try {
      checkIntegerRange(value.value, to.kind as IntegerType['kind']);
    } catch (error) {
      throw withColumn(error, column);
    }
    return value;
  }
  if (value.kind === 'text' && (to.kind === 'text' || to.kind === 'varchar')) {
    return checkVarchar(value, to, column);
  }
  // varchar(n) is checked below, not truncated as an explicit cast would.
  const target = to.kind === 'varchar' ? ({ kind: 'text' } as const) : to;
  let converted: SqlValue;
  try {
    converted = castValue(value, target, from.kind === 'real');
  } catch (error) {
    throw withColumn(error, column);
  }
  return checkVarchar(converted, to, column);
}
