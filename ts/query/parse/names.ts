/**
 * Identifiers and type names from node-sql-parser's tree. The pre-lexer folded every unquoted
 * word to lower case, so a name is taken as the parser reports it: capitals can only come
 * from a quoted identifier, which PostgreSQL keeps as written.
 */
import type { ColumnType } from '../../types/index.js';
import {
  ErrorCode,
  formatColumnType,
  KimberliteError,
  parseColumnType,
} from '../../types/index.js';
import { checkFields, isNode, type Node, notSupported, present, text } from './node.js';

/** A name: a plain string, or `{ type: 'default' | 'double_quote_string', value }`. */
export function identifier(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  if (isNode(value)) {
    if (value.type === 'default' || value.type === 'double_quote_string') {
      return text(value.value, what);
    }
    if (isNode(value.expr)) return identifier(value.expr, what);
  }
  throw notSupported(what);
}

/** The table named by `{ db, table }`; `information_schema.tables` keeps its schema. */
export function tableName(item: Node): string {
  const name = identifier(item.table, 'this table reference');
  if (!present(item.db)) return name;
  const schema = identifier(item.db, 'this schema name');
  if (schema === 'public') return name;
  if (schema === 'information_schema') return `${schema}.${name}`;
  throw notSupported(`schema-qualified table ${schema}.${name} (tables live in one schema)`);
}

/** The name of a column reference `{ type: 'column_ref', column }`, unqualified. */
export function columnRefName(value: unknown, what: string): string {
  if (isNode(value) && value.type === 'column_ref') return identifier(value.column, what);
  return identifier(value, what);
}

const TYPE_FIELDS = new Set(['dataType', 'length', 'scale', 'parentheses', 'array', 'suffix']);

function invalidType(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.InvalidSchema, message);
}

/** The column type of a data type node `{ dataType, length?, scale? }`, range-checked. An
 * unknown type is INVALID_SCHEMA in a column definition, NOT_SUPPORTED in a cast. */
export function columnType(definition: Node, use: 'column' | 'cast' = 'column'): ColumnType {
  const name = text(definition.dataType, 'this data type').toLowerCase();
  checkFields(definition, TYPE_FIELDS, `type ${name.toUpperCase()}`);
  if (present(definition.array)) throw notSupported(`array type ${name}[]`);
  checkSuffix(name, definition.suffix);
  const alias = aliasType(name, definition);
  if (alias !== undefined) return alias;
  const length = definition.length;
  const scale = definition.scale;
  const params = present(length) ? `(${length}${present(scale) ? `,${scale}` : ''})` : '';
  if ((name === 'numeric' || name === 'decimal') && params === '') {
    throw notSupported(
      `${name.toUpperCase()} without precision; declare ${name.toUpperCase()}(p, s)`,
    );
  }
  const type = parseColumnType(`${name}${params}`);
  if (type === undefined && use === 'cast') {
    throw notSupported(`type ${name.toUpperCase()}${params}`);
  }
  if (type === undefined) {
    throw invalidType(
      `unknown type ${name.toUpperCase()}${params}: use SMALLINT, INTEGER, BIGINT, REAL, ` +
        'DOUBLE PRECISION, DECIMAL(p,s), TEXT, VARCHAR(n), BOOLEAN, DATE, TIMESTAMP, UUID, JSON ' +
        'or BYTEA',
    );
  }
  checkTypeParameters(type);
  return type;
}

/** `TIMESTAMP WITHOUT TIME ZONE` is TIMESTAMP; every other suffix is refused. */
function checkSuffix(name: string, suffix: unknown): void {
  const words = Array.isArray(suffix) ? suffix.map((w) => String(w).toLowerCase()).join(' ') : '';
  if (words === '' || (name === 'timestamp' && words === 'without time zone')) return;
  if (name === 'timestamp' && words === 'with time zone') {
    throw notSupported('TIMESTAMP WITH TIME ZONE (TIMESTAMP values are UTC)');
  }
  throw notSupported(`type ${name.toUpperCase()} ${words.toUpperCase()}`);
}

/**
 * Spellings node-sql-parser reports as a type with a length: `int2`/`int4`/`int8` come as
 * INT with length 2/4/8 and `float4`/`float8` as FLOAT with length 4/8 (no parentheses);
 * `FLOAT(p)` is REAL up to 24 bits of precision, DOUBLE PRECISION above, as in PostgreSQL; a
 * VARCHAR without a length is unbounded, which is TEXT.
 */
function aliasType(name: string, definition: Node): ColumnType | undefined {
  const length = typeof definition.length === 'number' ? definition.length : undefined;
  const written = definition.parentheses === true;
  if (name === 'int' && !written && length !== undefined) {
    const sized: Record<number, ColumnType> = {
      2: { kind: 'smallint' },
      4: { kind: 'integer' },
      8: { kind: 'bigint' },
    };
    return sized[length] ?? undefined;
  }
  if (name === 'float') {
    if (length === undefined) return { kind: 'double' };
    if (!written) return length === 4 ? { kind: 'real' } : { kind: 'double' };
    if (length < 1 || length > 53)
      throw invalidType(`FLOAT(${length}): the precision must be between 1 and 53`);
    return length <= 24 ? { kind: 'real' } : { kind: 'double' };
  }
  if ((name === 'varchar' || name === 'character varying') && length === undefined) {
    return { kind: 'text' };
  }
  return undefined;
}

function checkTypeParameters(type: ColumnType): void {
  if (type.kind === 'varchar' && !(type.length >= 1 && type.length <= 10_485_760)) {
    throw invalidType(`${formatColumnType(type)}: the length must be between 1 and 10485760`);
  }
  if (type.kind === 'decimal') {
    if (!(type.precision >= 1 && type.precision <= 1000)) {
      throw invalidType(`${formatColumnType(type)}: the precision must be between 1 and 1000`);
    }
    if (type.scale > type.precision) {
      throw invalidType(`${formatColumnType(type)}: the scale cannot exceed the precision`);
    }
  }
}
