/**
 * Static SQL types as the expression compiler reasons about them: their names in messages,
 * the category each belongs to (types of one category convert implicitly, as PostgreSQL's
 * type categories do), and the common type of several (UNION, VALUES, CASE, COALESCE).
 *
 * `unknown` (NULL, string literals, untyped parameters) has no category: it adopts the type
 * of what it meets. Where several unknowns meet only each other, they stay `unknown` for the
 * context to decide: `INSERT INTO t (n) VALUES (NULL), (NULL)` assigns to an integer column,
 * where PostgreSQL also takes the target's type. (PostgreSQL would call a standalone
 * `SELECT NULL UNION SELECT NULL` text; here it stays unknown, holding the same values.)
 * Comparing two unknowns compares them as text.
 */
import type { ColumnType } from '../../types/index.js';
import { ErrorCode, KimberliteError, unreachable } from '../../types/index.js';
import type { SqlType } from '../types.js';
import { DECIMAL_UNCONSTRAINED_PRECISION } from './decimal.js';

export type TypeCategory =
  | 'numeric'
  | 'string'
  | 'boolean'
  | 'datetime'
  | 'uuid'
  | 'json'
  | 'bytes'
  | 'unknown';

export const TEXT: ColumnType = { kind: 'text' };
export const BOOLEAN: ColumnType = { kind: 'boolean' };
export const INTEGER: ColumnType = { kind: 'integer' };
export const BIGINT: ColumnType = { kind: 'bigint' };
export const DOUBLE: ColumnType = { kind: 'double' };
export const DATE: ColumnType = { kind: 'date' };
export const TIMESTAMP: ColumnType = { kind: 'timestamp' };
export const JSON_TYPE: ColumnType = { kind: 'json' };
export const UNKNOWN: SqlType = { kind: 'unknown' };

/** The static type of a computed decimal whose values carry `scale` digits (at least). */
export function numericType(scale: number): ColumnType {
  return { kind: 'decimal', precision: DECIMAL_UNCONSTRAINED_PRECISION, scale };
}

export function isUnconstrainedDecimal(type: SqlType): boolean {
  return type.kind === 'decimal' && type.precision >= DECIMAL_UNCONSTRAINED_PRECISION;
}

/**
 * A type's name as messages show it, PostgreSQL's spelling: `integer`, `numeric(10,2)`,
 * `double precision`, `varchar(20)`, `unknown`.
 *
 * @example
 * typeName({ kind: 'decimal', precision: 1000, scale: 2 }); // 'numeric'
 */
export function typeName(type: SqlType): string {
  switch (type.kind) {
    case 'decimal':
      return isUnconstrainedDecimal(type) ? 'numeric' : `numeric(${type.precision},${type.scale})`;
    case 'varchar':
      return `varchar(${type.length})`;
    case 'double':
      return 'double precision';
    default:
      return type.kind;
  }
}

export function categoryOf(type: SqlType): TypeCategory {
  switch (type.kind) {
    case 'smallint':
    case 'integer':
    case 'bigint':
    case 'real':
    case 'double':
    case 'decimal':
      return 'numeric';
    case 'text':
    case 'varchar':
      return 'string';
    case 'date':
    case 'timestamp':
      return 'datetime';
    case 'bytea':
      return 'bytes';
    case 'boolean':
    case 'uuid':
    case 'json':
    case 'unknown':
      return type.kind;
    default:
      return unreachable(type);
  }
}

export function isIntegerType(type: SqlType): boolean {
  return type.kind === 'smallint' || type.kind === 'integer' || type.kind === 'bigint';
}

export function isFloatType(type: SqlType): boolean {
  return type.kind === 'real' || type.kind === 'double';
}

/** The bits of an integer type: 16, 32 or 64; 0 for other types. */
export function integerBits(type: SqlType): number {
  switch (type.kind) {
    case 'smallint':
      return 16;
    case 'integer':
      return 32;
    case 'bigint':
      return 64;
    default:
      return 0;
  }
}

/** The numeric type two numeric operands compute in: double when either is a float, numeric
 * when either is a decimal, else the wider integer. */
export function numericResultType(left: SqlType, right: SqlType): ColumnType {
  if (isFloatType(left) || isFloatType(right)) return DOUBLE;
  if (left.kind === 'decimal' || right.kind === 'decimal') {
    const scaleOf = (t: SqlType): number => (t.kind === 'decimal' ? t.scale : 0);
    return numericType(Math.max(scaleOf(left), scaleOf(right)));
  }
  return integerBits(left) >= integerBits(right) ? (left as ColumnType) : (right as ColumnType);
}

function mismatch(context: string, a: SqlType, b: SqlType): KimberliteError {
  return new KimberliteError(
    ErrorCode.TypeMismatch,
    `${context} types ${typeName(a)} and ${typeName(b)} cannot be matched`,
  );
}

function sameType(a: SqlType, b: SqlType): boolean {
  if (a.kind === 'decimal' && b.kind === 'decimal') {
    return a.precision === b.precision && a.scale === b.scale;
  }
  if (a.kind === 'varchar' && b.kind === 'varchar') return a.length === b.length;
  return a.kind === b.kind;
}

function commonOfCategory(category: TypeCategory, known: readonly ColumnType[]): ColumnType {
  const first = known[0] as ColumnType;
  if (known.every((t) => sameType(t, first))) return first;
  switch (category) {
    case 'numeric':
      return known.reduce<ColumnType>((a, b) => numericResultType(a, b), first);
    case 'string':
      return TEXT;
    case 'datetime':
      return TIMESTAMP;
    default:
      return first;
  }
}

/**
 * The type several expressions share, as PostgreSQL resolves UNION, VALUES, CASE and
 * COALESCE: unknowns are ignored; the rest must be of one category;
 * numbers widen (integers, then numeric, then double); varchars of different lengths give
 * text; date with timestamp gives timestamp. TYPE_MISMATCH otherwise, naming `context`.
 *
 * @example
 * commonType([{ kind: 'integer' }, { kind: 'double' }], 'CASE'); // { kind: 'double' }
 */
export function commonType(types: readonly SqlType[], context: string): SqlType {
  const known = types.filter((t): t is ColumnType => t.kind !== 'unknown');
  const first = known[0];
  if (first === undefined) return UNKNOWN;
  const category = categoryOf(first);
  for (const type of known) {
    if (categoryOf(type) !== category) throw mismatch(context, first, type);
  }
  return commonOfCategory(category, known);
}
