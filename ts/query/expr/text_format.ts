/**
 * Values as text and text as values, in PostgreSQL's input and output formats: what
 * `CAST(x AS TEXT)`, `||` and `CAST('...' AS type)` produce and accept.
 *
 * Floats print in the shortest form that reads back exactly, switching to exponent notation
 * below 1e-4 and from 1e15 on (`1e+15`, `1e-05`), as PostgreSQL 12+ does; a `real` prints the
 * shortest form that reads back as the same single-precision number.
 */
import type { SqlValue } from '../../types/index.js';
import { canonicalJson, ErrorCode, KimberliteError } from '../../types/index.js';
import { formatDateText, formatTimestampText } from './datetime.js';
import { formatDecimal } from './decimal.js';

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Lays out a digit string with exponent `exponent` (of its first digit) as PostgreSQL does. */
function layoutFloat(negative: boolean, digits: string, exponent: number): string {
  let body: string;
  if (exponent < -4 || exponent >= 15) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const power = String(Math.abs(exponent)).padStart(2, '0');
    body = `${mantissa}e${exponent < 0 ? '-' : '+'}${power}`;
  } else if (exponent < 0) {
    body = `0.${'0'.repeat(-exponent - 1)}${digits}`;
  } else if (digits.length <= exponent + 1) {
    body = digits.padEnd(exponent + 1, '0');
  } else {
    body = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  }
  return negative ? `-${body}` : body;
}

/** The shortest digits of `value` that read back as it (as a double, or as a float32). */
function shortestDigits(value: number, single: boolean): { digits: string; exponent: number } {
  let text = value.toExponential();
  if (single) {
    for (let precision = 1; precision <= 9; precision++) {
      const candidate = value.toExponential(precision - 1);
      if (Math.fround(Number(candidate)) === value) {
        text = candidate;
        break;
      }
    }
  }
  const [mantissa = '', exponent = '0'] = text.split('e');
  const digits = mantissa.replace('-', '').replace('.', '').replace(/0+$/, '') || '0';
  return { digits, exponent: Number(exponent) };
}

/**
 * A float as PostgreSQL prints it: `0.1`, `1e+20`, `-Infinity`, `NaN`.
 *
 * @example
 * formatFloat(1e20, false); // '1e+20'
 */
export function formatFloat(value: number, single: boolean): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const { digits, exponent } = shortestDigits(Math.abs(value), single);
  return layoutFloat(value < 0, digits, exponent);
}

/** A UUID's canonical text: lower-case 8-4-4-4-12. */
export function formatUuid(bytes: Uint8Array): string {
  const text = hex(bytes);
  const groups = [text.slice(0, 8), text.slice(8, 12), text.slice(12, 16), text.slice(16, 20)];
  return `${groups.join('-')}-${text.slice(20)}`;
}

/** `value` as text; `single` says a float is a `real`. NULL is not text: callers handle it. */
export function valueToText(value: SqlValue, single = false): string {
  switch (value.kind) {
    case 'null':
      throw new KimberliteError(ErrorCode.InvalidValue, 'NULL has no text form');
    case 'boolean':
      return value.value ? 'true' : 'false';
    case 'integer':
      return value.value.toString();
    case 'float':
      return formatFloat(value.value, single);
    case 'decimal':
      return formatDecimal(value);
    case 'text':
    case 'json':
      return value.value;
    case 'date':
      return formatDateText(value.value);
    case 'timestamp':
      return formatTimestampText(value.value);
    case 'uuid':
      return formatUuid(value.value);
    case 'bytes':
      return `\\x${hex(value.value)}`;
  }
}

function invalidInput(typeLabel: string, text: string): KimberliteError {
  const shown = text.length > 60 ? `${text.slice(0, 60)}...` : text;
  return new KimberliteError(
    ErrorCode.InvalidValue,
    `invalid input syntax for type ${typeLabel}: "${shown}"`,
  );
}

export { invalidInput };

const INTEGER_TEXT = /^[+-]?\d+$/;

/** An integer's text (`' -42 '`), or INVALID_VALUE naming `typeLabel`. */
export function parseIntegerText(text: string, typeLabel: string): bigint {
  const trimmed = text.trim();
  if (!INTEGER_TEXT.test(trimmed)) throw invalidInput(typeLabel, text);
  return BigInt(trimmed);
}

const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const FLOAT_WORDS: Readonly<Record<string, number>> = {
  nan: Number.NaN,
  infinity: Number.POSITIVE_INFINITY,
  '+infinity': Number.POSITIVE_INFINITY,
  '-infinity': Number.NEGATIVE_INFINITY,
  inf: Number.POSITIVE_INFINITY,
  '+inf': Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
};

/** A float's text (`1.5`, `-2e3`, `NaN`, `Infinity`), or INVALID_VALUE. */
export function parseFloatText(text: string, typeLabel: string): number {
  const trimmed = text.trim();
  const word = FLOAT_WORDS[trimmed.toLowerCase()];
  if (word !== undefined) return word;
  if (!FLOAT_TEXT.test(trimmed)) throw invalidInput(typeLabel, text);
  const value = Number(trimmed);
  if (!Number.isFinite(value)) {
    throw new KimberliteError(
      ErrorCode.NumericOverflow,
      `"${trimmed}" is out of range for type ${typeLabel}`,
    );
  }
  return value;
}

const TRUE_WORDS = ['true', 'yes', 'on', '1'];
const FALSE_WORDS = ['false', 'no', 'off', '0'];

function isWordPrefix(words: readonly string[], text: string): boolean {
  // PostgreSQL accepts unique prefixes (`t`, `ye`, `of`), but `o` alone is ambiguous.
  return text !== '' && text !== 'o' && words.some((word) => word.startsWith(text));
}

/** A boolean's text (`true`, `t`, `yes`, `on`, `1`, and their false counterparts). */
export function parseBooleanText(text: string): boolean {
  const word = text.trim().toLowerCase();
  if (isWordPrefix(TRUE_WORDS, word)) return true;
  if (isWordPrefix(FALSE_WORDS, word)) return false;
  throw invalidInput('boolean', text);
}

const UUID_TEXT =
  /^\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

/** A UUID's text, with or without hyphens and braces. */
export function parseUuidText(text: string): Uint8Array {
  const match = UUID_TEXT.exec(text.trim());
  if (match === null) throw invalidInput('uuid', text);
  const digits = match.slice(1).join('');
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** JSON text, canonicalized (keys sorted) so equal documents are equal values. */
export function parseJsonText(text: string): string {
  try {
    return canonicalJson(JSON.parse(text) as unknown);
  } catch {
    throw invalidInput('json', text);
  }
}

/** Three octal digits of a byte value (000..377). */
function isOctalEscape(digits: Uint8Array): boolean {
  return (
    digits.length === 3 &&
    digits.every((b) => b >= 0x30 && b <= 0x37) &&
    (digits[0] as number) <= 0x33
  );
}

/** bytea text: `\x` followed by hex digits, or the UTF-8 bytes of the text with `\\` for a
 * backslash and `\ooo` octal escapes (PostgreSQL's escape format). */
export function parseByteaText(text: string): Uint8Array {
  if (text.startsWith('\\x')) {
    const digits = text.slice(2);
    if (!/^([0-9a-f]{2})*$/i.test(digits)) throw invalidInput('bytea', text);
    const bytes = new Uint8Array(digits.length / 2);
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = Number.parseInt(digits.slice(2 * i, 2 * i + 2), 16);
    }
    return bytes;
  }
  const out: number[] = [];
  const encoded = new TextEncoder().encode(text);
  for (let i = 0; i < encoded.length; i++) {
    const byte = encoded[i] as number;
    if (byte !== 0x5c) {
      out.push(byte);
      continue;
    }
    const next = encoded.slice(i + 1, i + 4);
    if (next[0] === 0x5c) {
      out.push(0x5c);
      i += 1;
    } else if (isOctalEscape(next)) {
      out.push(Number.parseInt(new TextDecoder().decode(next), 8));
      i += 3;
    } else {
      throw invalidInput('bytea', text);
    }
  }
  return new Uint8Array(out);
}
