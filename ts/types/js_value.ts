/**
 * SQL values to and from the JavaScript values applications pass and receive, by column type.
 * Exact where SQL is exact: a value that cannot be represented without loss is an error, never
 * rounded. The mapping (also in docs/embedded.md), "accepts -> returns":
 *
 * - smallint, integer: safe-integer number or bigint -> number
 * - bigint: safe-integer number or bigint -> bigint
 * - real, double precision: number -> number
 * - decimal(p, s): string '12.50', bigint or safe integer -> string '12.50'
 * - text, varchar(n): string -> string; boolean: boolean -> boolean
 * - date: 'YYYY-MM-DD' or a Date (its UTC day) -> 'YYYY-MM-DD'
 * - timestamp: Date, RFC 3339 string or bigint microseconds -> RFC 3339, UTC, microseconds
 * - uuid: 8-4-4-4-12 hex string -> lower-case string
 * - json: any JSON-serializable value (stored canonical) -> the parsed value
 * - bytea: Uint8Array -> Uint8Array
 *
 * `null` and `undefined` are SQL NULL; NULL comes back as `null`.
 */
import { unreachable } from './assert.js';
import { ErrorCode, KimberliteError } from './errors.js';
import { type ColumnType, SQL_NULL, type SqlValue } from './value.js';

/** A value as applications pass it. */
export type JsValue =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Date
  | Uint8Array
  | readonly unknown[]
  | { readonly [key: string]: unknown };

const MICROS_PER_DAY = 86_400_000_000n;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_PATTERN = /^(-?\d{4,6})-(\d{2})-(\d{2})$/;
const DECIMAL_PATTERN = /^([+-]?)(\d+)(?:\.(\d*))?$/;
const TIMESTAMP_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/i;

function invalid(column: string, type: ColumnType, message: string): KimberliteError {
  return new KimberliteError(ErrorCode.InvalidRow, `column ${column} (${type.kind}): ${message}`);
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `bytes (${value.length})`;
  if (value instanceof Date) return `Date ${value.toISOString()}`;
  const text =
    typeof value === 'bigint'
      ? `${value}n`
      : (JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ??
        String(value));
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

function toInteger(column: string, type: ColumnType, value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw invalid(column, type, `expected an integer, got ${describe(value)}`);
}

/** Days since 1970-01-01 of a proleptic Gregorian date, checked to exist. */
function daysOf(year: number, month: number, day: number): number | undefined {
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1) return undefined;
  if (check.getUTCDate() !== day) return undefined;
  return Math.round(ms / 86_400_000);
}

function parseDate(column: string, type: ColumnType, value: unknown): number {
  if (value instanceof Date && !Number.isNaN(value.getTime())) {
    return Math.floor(value.getTime() / 86_400_000);
  }
  const match = typeof value === 'string' ? DATE_PATTERN.exec(value) : null;
  const days =
    match === null ? undefined : daysOf(Number(match[1]), Number(match[2]), Number(match[3]));
  if (days === undefined) {
    throw invalid(column, type, `expected a date 'YYYY-MM-DD', got ${describe(value)}`);
  }
  return days;
}

function parseTimestamp(column: string, type: ColumnType, value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (value instanceof Date && !Number.isNaN(value.getTime())) {
    return BigInt(value.getTime()) * 1000n;
  }
  const match = typeof value === 'string' ? TIMESTAMP_PATTERN.exec(value.trim()) : null;
  const days =
    match === null ? undefined : daysOf(Number(match[1]), Number(match[2]), Number(match[3]));
  if (match === null || days === undefined) {
    throw invalid(column, type, `expected a timestamp (RFC 3339 or Date), got ${describe(value)}`);
  }
  const [hour, minute, second] = [Number(match[4]), Number(match[5]), Number(match[6])];
  if (hour > 23 || minute > 59 || second > 59) {
    throw invalid(column, type, `time of day out of range in ${describe(value)}`);
  }
  const fraction = (match[7] ?? '').padEnd(9, '0');
  if (fraction.slice(6) !== '000') {
    throw invalid(column, type, `timestamps hold microseconds; ${describe(value)} has more`);
  }
  let offsetMinutes = 0;
  const zone = match[8];
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const digits = zone.replace(':', '');
    offsetMinutes =
      (digits[0] === '-' ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
  }
  const seconds = hour * 3600 + minute * 60 + second - offsetMinutes * 60;
  return (
    BigInt(days) * MICROS_PER_DAY + BigInt(seconds) * 1_000_000n + BigInt(fraction.slice(0, 6))
  );
}

function parseDecimal(
  column: string,
  type: Extract<ColumnType, { kind: 'decimal' }>,
  value: unknown,
): SqlValue {
  const text =
    typeof value === 'bigint'
      ? value.toString()
      : typeof value === 'number' && Number.isSafeInteger(value)
        ? String(value)
        : value;
  const match = typeof text === 'string' ? DECIMAL_PATTERN.exec(text.trim()) : null;
  if (match === null) {
    throw invalid(
      column,
      type,
      `expected a decimal as a string such as '12.50', got ${describe(value)}`,
    );
  }
  const fraction = match[3] ?? '';
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > type.scale) {
    throw invalid(column, type, `${text} has more than ${type.scale} digits after the point`);
  }
  const unscaled = BigInt(`${match[2]}${fraction.padEnd(type.scale, '0').slice(0, type.scale)}`);
  return { kind: 'decimal', unscaled: match[1] === '-' ? -unscaled : unscaled, scale: type.scale };
}

function parseUuid(column: string, type: ColumnType, value: unknown): Uint8Array {
  if (typeof value !== 'string' || !UUID_PATTERN.test(value)) {
    throw invalid(
      column,
      type,
      `expected a UUID such as 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', got ${describe(value)}`,
    );
  }
  const hex = value.replaceAll('-', '');
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** JSON text with object keys sorted, so equal documents are equal values. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`${String(value)} is not JSON`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The SQL value of `value` in a column of `type`; throws INVALID_ROW naming `column` when it
 * does not convert exactly. Range checks (smallint bounds, varchar length) are the kernel's.
 *
 * @example
 * toSqlValue('price', { kind: 'decimal', precision: 10, scale: 2 }, '19.99');
 * // { kind: 'decimal', unscaled: 1999n, scale: 2 }
 */
export function toSqlValue(column: string, type: ColumnType, value: unknown): SqlValue {
  if (value === null || value === undefined) return SQL_NULL;
  switch (type.kind) {
    case 'smallint':
    case 'integer':
    case 'bigint':
      return { kind: 'integer', value: toInteger(column, type, value) };
    case 'real':
    case 'double':
      if (typeof value !== 'number') {
        throw invalid(column, type, `expected a number, got ${describe(value)}`);
      }
      return { kind: 'float', value };
    case 'decimal':
      return parseDecimal(column, type, value);
    case 'text':
    case 'varchar':
      if (typeof value !== 'string') {
        throw invalid(column, type, `expected a string, got ${describe(value)}`);
      }
      return { kind: 'text', value };
    case 'boolean':
      if (typeof value !== 'boolean') {
        throw invalid(column, type, `expected a boolean, got ${describe(value)}`);
      }
      return { kind: 'boolean', value };
    case 'date':
      return { kind: 'date', value: parseDate(column, type, value) };
    case 'timestamp':
      return { kind: 'timestamp', value: parseTimestamp(column, type, value) };
    case 'uuid':
      return { kind: 'uuid', value: parseUuid(column, type, value) };
    case 'json':
      try {
        return { kind: 'json', value: canonicalJson(value) };
      } catch (error) {
        throw invalid(column, type, `not JSON-serializable: ${(error as Error).message}`);
      }
    case 'bytea':
      if (!(value instanceof Uint8Array)) {
        throw invalid(column, type, `expected a Uint8Array, got ${describe(value)}`);
      }
      return { kind: 'bytes', value: value.slice() };
    default:
      return unreachable(type);
  }
}

function pad(value: number | bigint, width: number): string {
  return String(value).padStart(width, '0');
}

/** 'YYYY-MM-DD' of days since 1970-01-01. */
export function formatDate(days: number): string {
  const date = new Date(days * 86_400_000);
  const [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** RFC 3339 in UTC with microseconds: '2026-01-15T10:30:00.000000Z'. */
export function formatTimestamp(micros: bigint): string {
  let days = micros / MICROS_PER_DAY;
  let rest = micros % MICROS_PER_DAY;
  if (rest < 0n) {
    rest += MICROS_PER_DAY;
    days -= 1n;
  }
  const seconds = Number(rest / 1_000_000n);
  const fraction = rest % 1_000_000n;
  const [hours, minutes] = [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60];
  const time = `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds % 60, 2)}`;
  return `${formatDate(Number(days))}T${time}.${pad(fraction, 6)}Z`;
}

function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const body = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${body}` : body;
}

function formatUuid(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  const parts = [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20)];
  return `${parts.join('-')}-${hex.slice(20)}`;
}

/** The JavaScript value applications receive for `value` in a column of `type`. */
export function fromSqlValue(type: ColumnType, value: SqlValue): unknown {
  switch (value.kind) {
    case 'null':
      return null;
    case 'boolean':
    case 'float':
    case 'text':
      return value.value;
    case 'integer':
      return type.kind === 'bigint' ? value.value : Number(value.value);
    case 'decimal':
      return formatDecimal(value.unscaled, value.scale);
    case 'date':
      return formatDate(value.value);
    case 'timestamp':
      return formatTimestamp(value.value);
    case 'uuid':
      return formatUuid(value.value);
    case 'json':
      return JSON.parse(value.value) as unknown;
    case 'bytes':
      return value.value.slice();
    default:
      return unreachable(value);
  }
}
