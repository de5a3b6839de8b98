/**
 * The kernel's operating errors as values: `apply` never throws for a bad command, it returns
 * a failed outcome built here. Messages name the object and the value at fault so a person can
 * act on them (`Duplicate primary key in patients: (1)`).
 */
import { type ErrorCode, type SqlValue, unreachable } from '../types/index.js';
import type { KernelError } from './types.js';

/** A failed check inside the kernel: carried up as a value, turned into a failed outcome. */
export interface Failure {
  readonly failure: KernelError;
}

/**
 * Builds a failure value.
 *
 * @example
 * return fail(ErrorCode.UnknownTable, `Unknown table: ${name}`);
 */
export function fail(code: ErrorCode, message: string): Failure {
  return { failure: { code, message } };
}

/** True for a `Failure` (every other value a check returns is an object without `failure`). */
export function isFailure(value: unknown): value is Failure {
  return typeof value === 'object' && value !== null && 'failure' in value;
}

const VALUE_TEXT_MAX = 64;

/**
 * A short SQL-like rendering of a value for error messages: `1`, `'Jane'`, `NULL`.
 *
 * @example
 * formatValue({ kind: 'text', value: 'Jane' }); // "'Jane'"
 */
export function formatValue(value: SqlValue): string {
  switch (value.kind) {
    case 'null':
      return 'NULL';
    case 'boolean':
      return value.value ? 'TRUE' : 'FALSE';
    case 'integer':
    case 'timestamp':
    case 'date':
      return String(value.value);
    case 'float':
      return String(value.value);
    case 'decimal':
      return formatDecimal(value.unscaled, value.scale);
    case 'text':
    case 'json':
      return `'${clip(String(value.value))}'`;
    case 'uuid':
    case 'bytes':
      return `'\\x${clip(hex(value.value))}'`;
    default:
      return unreachable(value);
  }
}

/** A tuple of values: `(1, 'Jane')`. */
export function formatTuple(values: readonly SqlValue[]): string {
  return `(${values.map(formatValue).join(', ')})`;
}

function clip(text: string): string {
  return text.length > VALUE_TEXT_MAX ? `${text.slice(0, VALUE_TEXT_MAX)}...` : text;
}

function hex(bytes: Uint8Array): string {
  let out = '';
  const shown = Math.min(bytes.length, VALUE_TEXT_MAX);
  for (let index = 0; index < shown; index++) {
    out += (bytes[index] ?? 0).toString(16).padStart(2, '0');
  }
  return out;
}

function formatDecimal(unscaled: bigint, scale: number): string {
  if (typeof unscaled !== 'bigint' || !Number.isInteger(scale) || scale <= 0) {
    return String(unscaled);
  }
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const point = digits.length - scale;
  return `${negative ? '-' : ''}${digits.slice(0, point)}.${digits.slice(point)}`;
}
