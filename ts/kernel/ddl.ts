/**
 * Schema changes: create / drop table, add / drop column, create index. Each validates the
 * whole operation first and then changes the tenant in place (a failure changes nothing).
 *
 * Invariants:
 * - Object ids (tables, indexes, streams) come from the tenant's `nextObjectId`, are never
 *   reused, and at most `LIMITS.objectsPerTenantMax` objects are live at once.
 * - Column ids are the column's 1-based place in `TableDef.columns`, never reused, <= 65535.
 * - Primary key columns are NOT NULL, are never dropped; indexed columns are never dropped.
 * - `TableDef`s are replaced whole (catalog caches key on the object).
 */
import { type ColumnType, ErrorCode, LIMITS, unreachable } from '../types/index.js';
import { indexByName, nameKey, tableByName } from './catalog.js';
import { type Failure, fail } from './errors.js';
import { mutable, putTable } from './state.js';
import type {
  ColumnDef,
  ColumnSpec,
  CommandResult,
  Effect,
  Operation,
  TableDef,
  TenantState,
} from './types.js';

type Op<K extends Operation['kind']> = Extract<Operation, { kind: K }>;

/** What a successful operation did. */
export interface Done {
  readonly result: CommandResult;
  readonly effects: Effect[];
}

const DONE: CommandResult = Object.freeze({ kind: 'done' });
/** Column ids are u16 in the row codec. */
const COLUMN_ID_MAX = 0xffff;
const VARCHAR_LENGTH_MAX = 10_485_760;
const DECIMAL_PRECISION_MAX = 1000;

function utf8Length(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      index++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Why `name` is not a valid identifier, or `undefined`.
 *
 * @example
 * identifierProblem(''); // 'is empty'
 */
export function identifierProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'is empty';
  const bytes = utf8Length(name);
  if (bytes > LIMITS.identifierBytesMax) {
    return `is ${bytes} bytes; the limit is ${LIMITS.identifierBytesMax} (identifierBytesMax)`;
  }
  return undefined;
}

function checkName(what: string, name: string): Failure | undefined {
  const problem = identifierProblem(name);
  if (problem === undefined) return undefined;
  return fail(ErrorCode.InvalidSchema, `The ${what} name ${JSON.stringify(name)} ${problem}`);
}

/** Why a column type's parameters are invalid, or `undefined`. */
export function columnTypeProblem(type: ColumnType): string | undefined {
  switch (type.kind) {
    case 'varchar':
      if (!Number.isInteger(type.length) || type.length < 1 || type.length > VARCHAR_LENGTH_MAX) {
        return `varchar length must be 1..${VARCHAR_LENGTH_MAX}, got ${type.length}`;
      }
      return undefined;
    case 'decimal': {
      const { precision, scale } = type;
      if (!Number.isInteger(precision) || precision < 1 || precision > DECIMAL_PRECISION_MAX) {
        return `decimal precision must be 1..${DECIMAL_PRECISION_MAX}, got ${precision}`;
      }
      if (!Number.isInteger(scale) || scale < 0 || scale > precision) {
        return `decimal scale must be 0..${precision}, got ${scale}`;
      }
      return undefined;
    }
    case 'smallint':
    case 'integer':
    case 'bigint':
    case 'real':
    case 'double':
    case 'text':
    case 'boolean':
    case 'date':
    case 'timestamp':
    case 'uuid':
    case 'json':
    case 'bytea':
      return undefined;
    default:
      return unreachable(type);
  }
}

function checkColumnSpec(table: string, column: ColumnSpec): Failure | undefined {
  const badName = checkName('column', column.name);
  if (badName !== undefined) return badName;
  const problem = columnTypeProblem(column.type);
  if (problem !== undefined) {
    return fail(ErrorCode.InvalidSchema, `Column ${column.name} of ${table}: ${problem}`);
  }
  return undefined;
}

function liveObjectCount(tenant: TenantState): number {
  let count = tenant.streams.size;
  for (const table of tenant.tables.values()) {
    if (table.droppedAt === undefined) count += 1 + table.indexes.length;
  }
  return count;
}

/** Checks that one more object may be created; returns its id. */
export function nextObjectId(tenant: TenantState): number | Failure {
  if (liveObjectCount(tenant) >= LIMITS.objectsPerTenantMax) {
    return fail(
      ErrorCode.LimitExceeded,
      `Tenant ${tenant.id} has ${LIMITS.objectsPerTenantMax} tables, indexes and streams; ` +
        'that is the limit (objectsPerTenantMax)',
    );
  }
  if (tenant.nextObjectId > LIMITS.idMax) {
    return fail(ErrorCode.LimitExceeded, `Tenant ${tenant.id} has used every object id`);
  }
  return tenant.nextObjectId;
}

function liveTable(tenant: TenantState, name: string): TableDef | Failure {
  return tableByName(tenant, name) ?? fail(ErrorCode.UnknownTable, `Unknown table: ${name}`);
}

function isTable(value: TableDef | Failure): value is TableDef {
  return !('failure' in value);
}

/** `create_table`. */
export function createTable(
  tenant: TenantState,
  operation: Op<'create_table'>,
  position: bigint,
): Failure | Done {
  const { name, columns, primaryKey } = operation;
  const badName = checkName('table', name);
  if (badName !== undefined) return badName;
  if (tableByName(tenant, name) !== undefined) {
    return fail(ErrorCode.TableExists, `Table already exists: ${name}`);
  }
  if (columns.length === 0) {
    return fail(ErrorCode.InvalidSchema, `Table ${name} needs at least one column`);
  }
  if (columns.length > LIMITS.columnsPerTableMax) {
    return fail(
      ErrorCode.InvalidSchema,
      `Table ${name} has ${columns.length} columns; the limit is ` +
        `${LIMITS.columnsPerTableMax} (columnsPerTableMax)`,
    );
  }
  const byName = new Map<string, number>();
  for (const [index, column] of columns.entries()) {
    const bad = checkColumnSpec(name, column);
    if (bad !== undefined) return bad;
    if (byName.has(nameKey(column.name))) {
      return fail(ErrorCode.InvalidSchema, `Duplicate column name in ${name}: ${column.name}`);
    }
    byName.set(nameKey(column.name), index + 1);
  }
  const keyIds = columnIds(name, 'primary key', primaryKey, byName);
  if (!Array.isArray(keyIds)) return keyIds as Failure;
  const id = nextObjectId(tenant);
  if (typeof id !== 'number') return id;

  const keySet = new Set(keyIds);
  const defs: ColumnDef[] = columns.map((column, index) => ({
    id: index + 1,
    name: column.name,
    type: column.type,
    notNull: column.notNull || keySet.has(index + 1),
    addedAt: position,
    droppedAt: undefined,
  }));
  mutable(tenant).nextObjectId = id + 1;
  putTable(tenant, {
    id,
    name,
    columns: defs,
    primaryKey: keyIds,
    indexes: [],
    createdAt: position,
    droppedAt: undefined,
  });
  return { result: { kind: 'created', id }, effects: [] };
}

/** Resolves key or index column names to ids: non-empty, <= keyColumnsMax, no repeats. */
function columnIds(
  table: string,
  what: string,
  names: readonly string[],
  byName: ReadonlyMap<string, number>,
): number[] | Failure {
  if (names.length === 0) {
    return fail(ErrorCode.InvalidSchema, `The ${what} of ${table} needs at least one column`);
  }
  if (names.length > LIMITS.keyColumnsMax) {
    return fail(
      ErrorCode.InvalidSchema,
      `The ${what} of ${table} has ${names.length} columns; the limit is ` +
        `${LIMITS.keyColumnsMax} (keyColumnsMax)`,
    );
  }
  const ids: number[] = [];
  for (const column of names) {
    const id = byName.get(nameKey(column));
    if (id === undefined) {
      return fail(ErrorCode.UnknownColumn, `Unknown column in the ${what} of ${table}: ${column}`);
    }
    if (ids.includes(id)) {
      return fail(ErrorCode.InvalidSchema, `Column ${column} appears twice in the ${what}`);
    }
    ids.push(id);
  }
  return ids;
}

/** `drop_table`: the definition and rows stay for time travel; the name becomes free. */
export function dropTable(
  tenant: TenantState,
  operation: Op<'drop_table'>,
  position: bigint,
): Failure | Done {
  const table = liveTable(tenant, operation.table);
  if (!isTable(table)) return table;
  putTable(tenant, { ...table, droppedAt: position });
  return { result: DONE, effects: [] };
}

function liveColumnIds(table: TableDef): Map<string, number> {
  const byName = new Map<string, number>();
  for (const column of table.columns) {
    if (column.droppedAt === undefined) byName.set(nameKey(column.name), column.id);
  }
  return byName;
}

/** `add_column`: nullable columns only, until columns can have defaults. */
export function addColumn(
  tenant: TenantState,
  operation: Op<'add_column'>,
  position: bigint,
): Failure | Done {
  const table = liveTable(tenant, operation.table);
  if (!isTable(table)) return table;
  const { column } = operation;
  const bad = checkColumnSpec(table.name, column);
  if (bad !== undefined) return bad;
  const live = liveColumnIds(table);
  if (live.has(nameKey(column.name))) {
    return fail(ErrorCode.ColumnExists, `Column already exists in ${table.name}: ${column.name}`);
  }
  if (column.notNull) {
    return fail(
      ErrorCode.InvalidSchema,
      `Cannot add NOT NULL column ${column.name} to ${table.name}: adding a NOT NULL column ` +
        'needs a default, which is not supported yet',
    );
  }
  if (live.size >= LIMITS.columnsPerTableMax) {
    return fail(
      ErrorCode.LimitExceeded,
      `Table ${table.name} has ${live.size} columns; the limit is ` +
        `${LIMITS.columnsPerTableMax} (columnsPerTableMax)`,
    );
  }
  const id = table.columns.length + 1;
  if (id > COLUMN_ID_MAX) {
    return fail(ErrorCode.LimitExceeded, `Table ${table.name} has used every column id`);
  }
  const added: ColumnDef = {
    id,
    name: column.name,
    type: column.type,
    notNull: false,
    addedAt: position,
    droppedAt: undefined,
  };
  putTable(tenant, { ...table, columns: [...table.columns, added] });
  return { result: DONE, effects: [] };
}

/** `drop_column`: rows keep the bytes; reads after `position` no longer see the column. */
export function dropColumn(
  tenant: TenantState,
  operation: Op<'drop_column'>,
  position: bigint,
): Failure | Done {
  const table = liveTable(tenant, operation.table);
  if (!isTable(table)) return table;
  const id = liveColumnIds(table).get(nameKey(operation.column));
  if (id === undefined) {
    return fail(ErrorCode.UnknownColumn, `Unknown column in ${table.name}: ${operation.column}`);
  }
  if (table.primaryKey.includes(id)) {
    return fail(
      ErrorCode.InvalidSchema,
      `Cannot drop column ${operation.column}: it is part of the primary key of ${table.name}`,
    );
  }
  const index = table.indexes.find((candidate) => candidate.columns.includes(id));
  if (index !== undefined) {
    return fail(
      ErrorCode.InvalidSchema,
      `Cannot drop column ${operation.column}: index ${index.name} uses it`,
    );
  }
  const columns = table.columns.map((column) =>
    column.id === id ? { ...column, droppedAt: position } : column,
  );
  putTable(tenant, { ...table, columns });
  return { result: DONE, effects: [] };
}

/** `create_index`: the runtime fills it from the table's rows (effect `build_index`). */
export function createIndex(
  tenant: TenantState,
  operation: Op<'create_index'>,
  position: bigint,
): Failure | Done {
  const table = liveTable(tenant, operation.table);
  if (!isTable(table)) return table;
  const badName = checkName('index', operation.name);
  if (badName !== undefined) return badName;
  if (indexByName(tenant, operation.name) !== undefined) {
    return fail(ErrorCode.IndexExists, `Index already exists: ${operation.name}`);
  }
  if (table.indexes.length >= LIMITS.indexesPerTableMax) {
    return fail(
      ErrorCode.LimitExceeded,
      `Table ${table.name} has ${table.indexes.length} indexes; the limit is ` +
        `${LIMITS.indexesPerTableMax} (indexesPerTableMax)`,
    );
  }
  const ids = columnIds(
    table.name,
    `index ${operation.name}`,
    operation.columns,
    liveColumnIds(table),
  );
  if (!Array.isArray(ids)) return ids as Failure;
  const id = nextObjectId(tenant);
  if (typeof id !== 'number') return id;
  mutable(tenant).nextObjectId = id + 1;
  const index = { id, name: operation.name, columns: ids, createdAt: position };
  putTable(tenant, { ...table, indexes: [...table.indexes, index] });
  const effect: Effect = { kind: 'build_index', tenant: tenant.id, table: table.id, index: id };
  return { result: { kind: 'created', id }, effects: [effect] };
}
