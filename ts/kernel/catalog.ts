/**
 * Catalog lookups for the kernel, the runtime and the SQL engine: tables, columns, indexes and
 * streams by name, as of the newest state or as of a past log position (time travel), and the
 * store keys of rows, index entries and events.
 *
 * Visibility: an object created at position c and dropped at d (or never) is visible at `at`
 * when c <= at < d, as MVCC reads see versions; with no `at`, the newest state (not dropped).
 * Names are case-insensitive identifiers: stored as given, compared lowercased.
 *
 * Invariants:
 * - At most one table (and one stream) of a tenant is visible under a name at any position;
 *   the kernel refuses a create while a same-named object is live.
 * - `TableDef`s are immutable and replaced whole on a schema change, so derived data (the
 *   `TablePlan`) is cached per `TableDef` object; name maps are cached per tables/streams map
 *   and updated by `noteTable` / `noteStream` whenever the kernel changes that map in place.
 */
import {
  assert,
  type ColumnType,
  type SqlValue,
  type SqlValueKind,
  valueKindOf,
} from '../types/index.js';
import { encodeKey, encodeKeyAt, INTEGER_RANGES } from './key_codec.js';
import type { ColumnDef, IndexDef, RowImage, StreamDef, TableDef, TenantState } from './types.js';

/** What the write and read paths need of a table at one position, computed once. */
export interface TablePlan {
  readonly table: TableDef;
  /** `liveColumns(table, at)`. */
  readonly live: readonly ColumnDef[];
  /** Column id -> its position in `live`, or -1 when not live (dropped, or not added yet). */
  readonly livePositionById: Int32Array;
  /** Column id -> its definition, for every column ever added (`undefined` at unused ids). */
  readonly columnById: readonly (ColumnDef | undefined)[];
  /** Positions in `live` of the primary key columns, in key order. */
  readonly keyPositions: readonly number[];
  readonly keyTypes: readonly ColumnType[];
  readonly indexes: readonly IndexPlan[];
  /** Per live column, what row validation checks first (aligned with `live`). */
  readonly checks: readonly ColumnCheck[];
}

/**
 * A live column's common-case check, resolved once per plan so that validating a row does not
 * switch on its type per value: the value kind it holds, and for integer columns the range,
 * for text columns the most UTF-16 units a value may have without counting code points.
 * Values the fast check does not settle go through the full check (`valueProblem`).
 */
export interface ColumnCheck {
  readonly column: ColumnDef;
  /** `valueKindOf(column.type)`. */
  readonly kind: SqlValueKind;
  /** Whether `min`..`max` settles an integer value, `textUnitsMax` a text value. */
  readonly fast: 'integer' | 'text' | 'none';
  readonly min: bigint;
  readonly max: bigint;
  readonly textUnitsMax: number;
}

export interface IndexPlan {
  readonly index: IndexDef;
  /** Positions in `live` of the index columns then the primary key columns. */
  readonly positions: readonly number[];
  readonly types: readonly ColumnType[];
}

/** The identifier comparison key: names compare case-insensitively. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

function visible(createdAt: bigint, droppedAt: bigint | undefined, at?: bigint): boolean {
  if (at === undefined) return droppedAt === undefined;
  return createdAt <= at && (droppedAt === undefined || droppedAt > at);
}

const tableNames = new WeakMap<ReadonlyMap<number, TableDef>, Map<string, TableDef>>();
const streamNames = new WeakMap<ReadonlyMap<number, StreamDef>, Map<string, StreamDef>>();
/** The newest plan of a table, and the position from which it holds (see `planOf`). */
const plans = new WeakMap<TableDef, { plan: TablePlan; settledAt: bigint }>();

/** Keeps a tenant's cached table names right after the kernel put `table` in its map. */
export function noteTable(tenant: TenantState, table: TableDef): void {
  const names = tableNames.get(tenant.tables);
  if (names === undefined) return;
  const key = nameKey(table.name);
  if (table.droppedAt === undefined) names.set(key, table);
  else if (names.get(key)?.id === table.id) names.delete(key);
}

/** Keeps a tenant's cached stream names right after the kernel put `stream` in its map. */
export function noteStream(tenant: TenantState, stream: StreamDef): void {
  streamNames.get(tenant.streams)?.set(nameKey(stream.name), stream);
}

/**
 * The table named `name` (case-insensitive) visible at position `at` (default: newest).
 *
 * @example
 * const patients = tableByName(tenant, 'Patients');
 */
export function tableByName(tenant: TenantState, name: string, at?: bigint): TableDef | undefined {
  let names = tableNames.get(tenant.tables);
  if (names === undefined) {
    names = new Map();
    for (const table of tenant.tables.values()) {
      if (table.droppedAt === undefined) names.set(nameKey(table.name), table);
    }
    tableNames.set(tenant.tables, names);
  }
  // Keys are lowercased names, so a hit on the name as given is the answer: every write
  // looks its table up here, mostly by a name that is lowercase already.
  const live = names.get(name) ?? names.get(nameKey(name));
  if (at === undefined) return live;
  // At most one table is visible under a name at any position: when the live one is visible
  // at `at` it is the answer (every read at the newest position), else the history is searched.
  if (live !== undefined && visible(live.createdAt, live.droppedAt, at)) return live;
  const key = nameKey(name);
  for (const table of tenant.tables.values()) {
    if (visible(table.createdAt, table.droppedAt, at) && nameKey(table.name) === key) return table;
  }
  return undefined;
}

/**
 * The stream named `name` (case-insensitive) existing at position `at` (default: newest).
 *
 * @example
 * const audit = streamByName(tenant, 'audit_events');
 */
export function streamByName(
  tenant: TenantState,
  name: string,
  at?: bigint,
): StreamDef | undefined {
  const key = nameKey(name);
  if (at === undefined) {
    let names = streamNames.get(tenant.streams);
    if (names === undefined) {
      names = new Map();
      for (const stream of tenant.streams.values()) names.set(nameKey(stream.name), stream);
      streamNames.set(tenant.streams, names);
    }
    return names.get(key);
  }
  for (const stream of tenant.streams.values()) {
    if (stream.createdAt <= at && nameKey(stream.name) === key) return stream;
  }
  return undefined;
}

/**
 * The index named `name` (case-insensitive) of a table visible at `at`, with its table.
 *
 * @example
 * const found = indexByName(tenant, 'patients_by_name');
 * if (found !== undefined) indexKeyOf(found.table, found.index, row);
 */
export function indexByName(
  tenant: TenantState,
  name: string,
  at?: bigint,
): { readonly table: TableDef; readonly index: IndexDef } | undefined {
  const key = nameKey(name);
  for (const table of tenant.tables.values()) {
    if (!visible(table.createdAt, table.droppedAt, at)) continue;
    for (const index of table.indexes) {
      if (at !== undefined && index.createdAt > at) continue;
      if (nameKey(index.name) === key) return { table, index };
    }
  }
  return undefined;
}

/**
 * The columns of `table` visible at `at` (default: newest), in the order added: the order
 * of a `RowImage`.
 *
 * @example
 * const names = liveColumns(patients).map((column) => column.name);
 */
export function liveColumns(table: TableDef, at?: bigint): ColumnDef[] {
  return [...planOf(table, at).live];
}

/**
 * The table's plan at `at` (cached for the newest state).
 *
 * @example
 * const plan = planOf(patients);
 * plan.keyPositions; // where the key columns sit in a RowImage
 */
export function planOf(table: TableDef, at?: bigint): TablePlan {
  let cached = plans.get(table);
  if (cached === undefined) {
    cached = { plan: buildPlan(table, undefined), settledAt: settledAt(table) };
    plans.set(table, cached);
  }
  // Reads ask at a position (the newest durable one, mostly): at or after the table's last
  // column or index change the plan is the newest one, so it is not built again per row.
  if (at === undefined || at >= cached.settledAt) return cached.plan;
  return buildPlan(table, at);
}

/** The last position at which the table's live columns or indexes changed. */
function settledAt(table: TableDef): bigint {
  let last = table.createdAt;
  for (const column of table.columns) {
    if (column.addedAt > last) last = column.addedAt;
    if (column.droppedAt !== undefined && column.droppedAt > last) last = column.droppedAt;
  }
  for (const index of table.indexes) if (index.createdAt > last) last = index.createdAt;
  return last;
}

function buildPlan(table: TableDef, at: bigint | undefined): TablePlan {
  const live: ColumnDef[] = [];
  let idMax = 0;
  for (const column of table.columns) idMax = Math.max(idMax, column.id);
  const livePositionById = new Int32Array(idMax + 1).fill(-1);
  const columnById: (ColumnDef | undefined)[] = new Array<ColumnDef | undefined>(idMax + 1);
  for (const column of table.columns) {
    columnById[column.id] = column;
    if (visible(column.addedAt, column.droppedAt, at)) {
      livePositionById[column.id] = live.length;
      live.push(column);
    }
  }
  // Key and index columns are never dropped, so they are live whenever the table is; at a
  // position before the table existed there is no key (and no index) to build.
  const positionsOf = (ids: readonly number[]): number[] | undefined => {
    const positions = ids.map((id) => livePositionById[id] ?? -1);
    if (positions.every((position) => position >= 0)) return positions;
    assert(at !== undefined, `a key or index column of table ${table.name} is not live`);
    return undefined;
  };
  const typesAt = (positions: readonly number[]): ColumnType[] =>
    positions.map((position) => (live[position] as ColumnDef).type);
  const keyPositions = positionsOf(table.primaryKey) ?? [];
  const indexes: IndexPlan[] = [];
  for (const index of table.indexes) {
    if (at !== undefined && index.createdAt > at) continue;
    const columns = positionsOf(index.columns);
    if (columns === undefined) continue;
    const positions = [...columns, ...keyPositions];
    indexes.push({ index, positions, types: typesAt(positions) });
  }
  return {
    table,
    live,
    livePositionById,
    columnById,
    keyPositions,
    keyTypes: typesAt(keyPositions),
    indexes,
    checks: live.map(columnCheck),
  };
}

function columnCheck(column: ColumnDef): ColumnCheck {
  const type = column.type;
  const check = { column, kind: valueKindOf(type), min: 0n, max: 0n, textUnitsMax: 0 };
  switch (type.kind) {
    case 'smallint':
    case 'integer':
    case 'bigint': {
      const [min, max] = INTEGER_RANGES[type.kind];
      return { ...check, fast: 'integer', min, max };
    }
    case 'text':
    case 'json':
      return { ...check, fast: 'text', textUnitsMax: Number.POSITIVE_INFINITY };
    case 'varchar':
      // n UTF-16 units are at most n code points; longer values count code points (slow path).
      return { ...check, fast: 'text', textUnitsMax: type.length };
    default:
      return { ...check, fast: 'none' };
  }
}

function pick(row: RowImage, positions: readonly number[]): SqlValue[] {
  const values: SqlValue[] = new Array<SqlValue>(positions.length);
  for (let index = 0; index < positions.length; index++) {
    values[index] = row[positions[index] as number] as SqlValue;
  }
  return values;
}

/** The primary key values of `row`, in key order. */
export function keyValuesOf(plan: TablePlan, row: RowImage): SqlValue[] {
  return pick(row, plan.keyPositions);
}

/**
 * The store key of `row` in its table's space: `encodeKey` over the primary key columns.
 * Throws `KimberliteError` (INVALID_ARGUMENT, LIMIT_EXCEEDED) for values that do not fit.
 *
 * @example
 * const key = primaryKeyOf(patients, [{ kind: 'integer', value: 1n }, SQL_NULL]);
 */
export function primaryKeyOf(table: TableDef, row: RowImage, at?: bigint): Uint8Array {
  const plan = planOf(table, at);
  assert(row.length === plan.live.length, 'a row image has one value per live column');
  return encodeKey(plan.keyTypes, pick(row, plan.keyPositions));
}

/**
 * The key of `row`'s entry in `index`'s space: the index columns then the primary key
 * columns, so entries are unique and an index range scan yields primary keys in order.
 *
 * @example
 * const entry = indexKeyOf(patients, byName, row); // stored with an empty value
 */
export function indexKeyOf(
  table: TableDef,
  index: IndexDef,
  row: RowImage,
  at?: bigint,
): Uint8Array {
  const plan = planOf(table, at);
  assert(row.length === plan.live.length, 'a row image has one value per live column');
  const found = plan.indexes.find((candidate) => candidate.index.id === index.id);
  assert(found !== undefined, `index ${index.name} does not belong to table ${table.name}`);
  return encodeKey(found.types, pick(row, found.positions));
}

/** The primary key of `row` by a plan (the write path's variant of `primaryKeyOf`). */
export function planKey(plan: TablePlan, row: RowImage): Uint8Array {
  return encodeKeyAt(plan.keyTypes, row, plan.keyPositions);
}

/** The index entry key for a plan's index (the write path's variant of `indexKeyOf`). */
export function indexEntryKey(index: IndexPlan, row: RowImage): Uint8Array {
  return encodeKeyAt(index.types, row, index.positions);
}

/**
 * The store key of the event at `offset` in its stream's space: 8 bytes big-endian, so events
 * sort by offset.
 *
 * @example
 * eventKey(0n); // Uint8Array [0, 0, 0, 0, 0, 0, 0, 0]
 */
export function eventKey(offset: bigint): Uint8Array {
  assert(offset >= 0n && offset < 1n << 64n, 'an offset is a u64');
  const key = new Uint8Array(8);
  new DataView(key.buffer).setBigUint64(0, offset);
  return key;
}
