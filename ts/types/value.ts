/**
 * SQL column types and SQL values as plain data, tagged by `kind`. The catalog stores
 * `ColumnType`s, rows hold `SqlValue`s, and every layer that touches a value (key codec, row
 * codec, executor) switches on `kind` and ends in `unreachable`.
 *
 * Invariants:
 * - Each column type admits exactly one non-null value kind (`valueKindOf`), plus `null`.
 * - Values are exact where SQL is exact: integers, decimals and timestamps are `bigint`, never a
 *   rounded `number`; only `real` / `double precision` use `number`.
 * - Ranges (smallint bounds, varchar length, decimal precision) are not encoded in the type
 *   system; the codecs check them and reject a value that does not fit its column.
 */
import { unreachable } from './assert.js';

/** A column's declared SQL type. Parameters (precision, length) are checked by the catalog. */
export type ColumnType =
  | { readonly kind: 'smallint' }
  | { readonly kind: 'integer' }
  | { readonly kind: 'bigint' }
  | { readonly kind: 'real' }
  | { readonly kind: 'double' }
  /** Exact decimal: at most `precision` digits in all, `scale` of them after the point. */
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'text' }
  /** Text of at most `length` characters (Unicode code points, as PostgreSQL counts them). */
  | { readonly kind: 'varchar'; readonly length: number }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'date' }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'uuid' }
  | { readonly kind: 'json' }
  | { readonly kind: 'bytea' };

/**
 * One SQL value. `null` is its own kind so that a row is a plain array of `SqlValue`.
 *
 * @example
 * const price: SqlValue = { kind: 'decimal', unscaled: 1999n, scale: 2 }; // 19.99
 */
export type SqlValue =
  | { readonly kind: 'null' }
  | { readonly kind: 'boolean'; readonly value: boolean }
  /** smallint, integer and bigint; the column type bounds the range. */
  | { readonly kind: 'integer'; readonly value: bigint }
  /** real and double precision (IEEE 754 binary64; a real holds a binary32-exact number). */
  | { readonly kind: 'float'; readonly value: number }
  /** The exact number `unscaled / 10^scale`; `scale` equals the column's scale. */
  | { readonly kind: 'decimal'; readonly unscaled: bigint; readonly scale: number }
  /** text and varchar. */
  | { readonly kind: 'text'; readonly value: string }
  /** Days since 1970-01-01 (negative before), an integer. */
  | { readonly kind: 'date'; readonly value: number }
  /** Microseconds since 1970-01-01T00:00:00Z, UTC, as PostgreSQL keeps timestamps. */
  | { readonly kind: 'timestamp'; readonly value: bigint }
  /** The 16 bytes of the UUID in RFC 9562 (network) order. */
  | { readonly kind: 'uuid'; readonly value: Uint8Array }
  /** Canonical JSON text: whoever builds the value canonicalizes it, so equal JSON is equal. */
  | { readonly kind: 'json'; readonly value: string }
  | { readonly kind: 'bytes'; readonly value: Uint8Array };

export type SqlValueKind = SqlValue['kind'];

/** The one non-null value kind that a column of `type` holds. */
export function valueKindOf(type: ColumnType): Exclude<SqlValueKind, 'null'> {
  switch (type.kind) {
    case 'smallint':
    case 'integer':
    case 'bigint':
      return 'integer';
    case 'real':
    case 'double':
      return 'float';
    case 'decimal':
      return 'decimal';
    case 'text':
    case 'varchar':
      return 'text';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'timestamp':
      return 'timestamp';
    case 'uuid':
      return 'uuid';
    case 'json':
      return 'json';
    case 'bytea':
      return 'bytes';
    default:
      return unreachable(type);
  }
}

/** The SQL NULL value; one shared frozen object since it carries no data. */
export const SQL_NULL: SqlValue = Object.freeze({ kind: 'null' });

const TYPE_NAMES: Record<string, ColumnType> = {
  smallint: { kind: 'smallint' },
  int2: { kind: 'smallint' },
  integer: { kind: 'integer' },
  int: { kind: 'integer' },
  int4: { kind: 'integer' },
  bigint: { kind: 'bigint' },
  int8: { kind: 'bigint' },
  real: { kind: 'real' },
  float4: { kind: 'real' },
  double: { kind: 'double' },
  'double precision': { kind: 'double' },
  float8: { kind: 'double' },
  text: { kind: 'text' },
  boolean: { kind: 'boolean' },
  bool: { kind: 'boolean' },
  date: { kind: 'date' },
  timestamp: { kind: 'timestamp' },
  uuid: { kind: 'uuid' },
  json: { kind: 'json' },
  bytea: { kind: 'bytea' },
};

/**
 * The column type a SQL type name denotes (`BIGINT`, `VARCHAR(20)`, `DECIMAL(10, 2)`, ...),
 * or `undefined` when it names none. Parameters are parsed, not range-checked (the catalog
 * checks them).
 *
 * @example
 * parseColumnType('numeric(10,2)'); // { kind: 'decimal', precision: 10, scale: 2 }
 */
export function parseColumnType(text: string): ColumnType | undefined {
  const name = text.trim().toLowerCase().replace(/\s+/g, ' ');
  const known = TYPE_NAMES[name];
  if (known !== undefined) return known;
  const match = /^([a-z ]+?)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$/.exec(name);
  if (match === null) return undefined;
  const [, base, first, second] = match;
  const a = Number(first);
  if (base === 'varchar' || base === 'character varying') {
    return second === undefined ? { kind: 'varchar', length: a } : undefined;
  }
  if (base === 'decimal' || base === 'numeric') {
    return { kind: 'decimal', precision: a, scale: second === undefined ? 0 : Number(second) };
  }
  return undefined;
}

/** The SQL spelling of a column type: `VARCHAR(20)`, `DECIMAL(10,2)`, `DOUBLE PRECISION`. */
export function formatColumnType(type: ColumnType): string {
  switch (type.kind) {
    case 'varchar':
      return `VARCHAR(${type.length})`;
    case 'decimal':
      return `DECIMAL(${type.precision},${type.scale})`;
    case 'double':
      return 'DOUBLE PRECISION';
    default:
      return type.kind.toUpperCase();
  }
}
