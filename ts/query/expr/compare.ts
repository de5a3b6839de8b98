/**
 * The order and equality of SQL values, shared by comparisons, ORDER BY, GROUP BY, DISTINCT,
 * joins and index bounds.
 *
 * - Numbers compare by exact value across kinds: integer 1, float 1.0 and decimal 1.00 are
 *   equal, and a float is compared as the exact binary fraction it holds (0.1::float8 is not
 *   0.1::numeric). NaN equals NaN and is greater than every other number, as in PostgreSQL.
 * - Text compares by Unicode code point; bytea and uuid bytewise; false < true; json by its
 *   canonical text; a date compares with a timestamp as its midnight.
 * - NULL sorts greater than every value and equal to NULL (PostgreSQL's default ordering, and
 *   GROUP BY's notion of NULLs being "not distinct"). Three-valued logic is the compiler's job.
 *
 * `groupKey` agrees with this order: two value lists get the same key exactly when
 * `compareValues` says each pair is equal.
 */
import type { SqlValue } from '../../types/index.js';
import { ErrorCode, KimberliteError } from '../../types/index.js';
import { MICROS_PER_DAY } from './datetime.js';
import { compareDecimal, type Decimal, formatDecimal, normalizeDecimal, pow10 } from './decimal.js';

const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

type NumberValue = Extract<SqlValue, { kind: 'integer' | 'float' | 'decimal' }>;

/** An exact fraction `numerator / denominator`, denominator > 0. */
interface Fraction {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

/** The exact binary fraction a finite double holds. */
export function floatFraction(value: number): Fraction {
  if (Number.isInteger(value)) return { numerator: BigInt(value), denominator: 1n };
  // Doubling a non-integer below 2^53 is exact and reaches an integer within 1074 steps.
  let scaled = value;
  let exponent = 0n;
  while (!Number.isInteger(scaled)) {
    scaled *= 2;
    exponent++;
  }
  return { numerator: BigInt(scaled), denominator: 1n << exponent };
}

function exactFraction(value: NumberValue): Fraction {
  switch (value.kind) {
    case 'integer':
      return { numerator: value.value, denominator: 1n };
    case 'decimal':
      return { numerator: value.unscaled, denominator: pow10(value.scale) };
    case 'float':
      return floatFraction(value.value);
  }
}

function sign(n: bigint): number {
  return n < 0n ? -1 : n > 0n ? 1 : 0;
}

function compareFloats(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareNumbers(a: NumberValue, b: NumberValue): number {
  if (a.kind === 'integer' && b.kind === 'integer') {
    return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  }
  if (a.kind === 'float' && b.kind === 'float') return compareFloats(a.value, b.value);
  if (a.kind !== 'float' && b.kind !== 'float') {
    const left: Decimal = a.kind === 'integer' ? { unscaled: a.value, scale: 0 } : a;
    const right: Decimal = b.kind === 'integer' ? { unscaled: b.value, scale: 0 } : b;
    return compareDecimal(left, right);
  }
  // One float, one exact number: NaN and infinities first, then exact fractions.
  const float = a.kind === 'float' ? a.value : (b as { value: number }).value;
  const flip = a.kind === 'float' ? 1 : -1;
  if (!Number.isFinite(float)) return (Number.isNaN(float) || float > 0 ? 1 : -1) * flip;
  const exact = a.kind === 'float' ? b : a;
  if (exact.kind === 'integer' && exact.value <= SAFE_MAX && exact.value >= -SAFE_MAX) {
    // A safe integer is exactly a double: compare as doubles.
    const other = Number(exact.value);
    return a.kind === 'float' ? compareFloats(float, other) : compareFloats(other, float);
  }
  const left = exactFraction(a);
  const right = exactFraction(b);
  return sign(left.numerator * right.denominator - right.numerator * left.denominator);
}

/** Code point order: UTF-16 order except that surrogates (astral characters) sort after the
 * BMP characters U+E000..U+FFFF. */
export function compareText(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function micros(value: Extract<SqlValue, { kind: 'date' | 'timestamp' }>): bigint {
  return value.kind === 'date' ? BigInt(value.value) * MICROS_PER_DAY : value.value;
}

function incomparable(a: SqlValue, b: SqlValue): KimberliteError {
  return new KimberliteError(ErrorCode.TypeMismatch, `cannot compare ${a.kind} with ${b.kind}`);
}

function isNumber(v: SqlValue): v is NumberValue {
  return v.kind === 'integer' || v.kind === 'float' || v.kind === 'decimal';
}

function compareNonNull(a: SqlValue, b: SqlValue): number {
  if (isNumber(a) && isNumber(b)) return compareNumbers(a, b);
  if (
    (a.kind === 'date' || a.kind === 'timestamp') &&
    (b.kind === 'date' || b.kind === 'timestamp')
  ) {
    const [x, y] = [micros(a), micros(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.kind === 'text' && b.kind === 'text') return compareText(a.value, b.value);
  if (a.kind === 'json' && b.kind === 'json') return compareText(a.value, b.value);
  if (a.kind === 'boolean' && b.kind === 'boolean') return Number(a.value) - Number(b.value);
  if ((a.kind === 'uuid' && b.kind === 'uuid') || (a.kind === 'bytes' && b.kind === 'bytes')) {
    return compareBytes(a.value, b.value);
  }
  throw incomparable(a, b);
}

/**
 * A total order on values of comparable kinds: negative, zero or positive. NULL sorts after
 * every value and equals NULL. Values of kinds that do not compare (text with integer) throw
 * TYPE_MISMATCH; the compiler rules those out before running.
 *
 * @example
 * compareValues({ kind: 'integer', value: 1n }, { kind: 'decimal', unscaled: 100n, scale: 2 });
 * // 0
 */
export function compareValues(a: SqlValue, b: SqlValue): number {
  if (a.kind === 'null') return b.kind === 'null' ? 0 : 1;
  if (b.kind === 'null') return -1;
  return compareNonNull(a, b);
}

/** The canonical spelling of a number's exact value: `1`, `-0.5`, `NaN`, `Infinity`. */
function numberKey(value: NumberValue): string {
  switch (value.kind) {
    case 'integer':
      return value.value.toString();
    case 'decimal':
      return formatDecimal(normalizeDecimal(value));
    case 'float': {
      if (!Number.isFinite(value.value)) return String(value.value);
      const { numerator, denominator } = floatFraction(value.value);
      // n / 2^k = n * 5^k / 10^k exactly.
      const exponent = denominator.toString(2).length - 1;
      const unscaled = numerator * 5n ** BigInt(exponent);
      return formatDecimal(normalizeDecimal({ unscaled, scale: exponent }));
    }
  }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function valueKey(value: SqlValue): string {
  switch (value.kind) {
    case 'null':
      return 'N';
    case 'boolean':
      return value.value ? 'b1' : 'b0';
    case 'integer':
    case 'float':
    case 'decimal':
      return `n${numberKey(value)}`;
    case 'text':
      return `t${value.value}`;
    case 'date':
    case 'timestamp':
      return `d${micros(value)}`;
    case 'uuid':
      return `u${hex(value.value)}`;
    case 'json':
      return `j${value.value}`;
    case 'bytes':
      return `x${hex(value.value)}`;
  }
}

/**
 * A string equal for two value lists exactly when their values are pairwise equal under
 * `compareValues` (NULLs equal each other): the key of GROUP BY, DISTINCT, hash joins, IN sets.
 *
 * @example
 * groupKey([{ kind: 'integer', value: 1n }]) ===
 *   groupKey([{ kind: 'decimal', unscaled: 100n, scale: 2 }]); // true
 */
export function groupKey(values: readonly SqlValue[]): string {
  if (values.length === 1) return valueKey(values[0] as SqlValue);
  return JSON.stringify(values.map(valueKey));
}

/** Whether a condition's value lets a row through: TRUE only (NULL and FALSE do not). */
export function isTrue(value: SqlValue): boolean {
  return value.kind === 'boolean' && value.value;
}
