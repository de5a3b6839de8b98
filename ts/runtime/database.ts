/**
 * The embedded database: `Kimberlite.open(dir)` and one `Tenant` handle per tenant, with a
 * typed row API (`insert`, `update`, `upsert`, `delete`, `get`, `scan`, `history`), the schema
 * (`createTable`, `addColumn`, `createIndex`, ...), event streams (`createStream`, `append`,
 * `read`) and time travel (`{ at: position }` on every read). See docs/embedded.md.
 *
 * Every write goes through the same path: resolved against the sequenced state, applied by
 * the kernel, committed to the hash-chained log with group commit, applied to the tenant's
 * projection store; the promise resolves once it is durable, with its log position.
 * Reads see what is durable, as of the newest position or the `at` given.
 *
 * Isolation: a `Tenant` handle stamps its tenant as the origin of every command and reads
 * only its own catalog and store; there is no API that names another tenant's objects.
 */

import { type BackendChoice, parseBackendChoice } from '../crypto/index.js';
import {
  type AuditMeta,
  type ColumnDef,
  type ColumnSpec,
  type Command,
  decodeRow,
  encodeKey,
  keyPrefixEnd,
  keySuffix,
  liveColumns,
  type Operation,
  primaryKeyOf,
  type RequestId,
  type RowChange,
  type RowImage,
  streamByName,
  type TableDef,
  type TenantState,
  tableByName,
} from '../kernel/index.js';
import {
  type Backends,
  loadBackends,
  type VerifyProgress,
  type VerifyReport,
} from '../storage/index.js';
import {
  assert,
  type ColumnType,
  ErrorCode,
  fromSqlValue,
  KimberliteError,
  LIMITS,
  parseColumnType,
  SQL_NULL,
  type SqlValue,
  toSqlValue,
} from '../types/index.js';
import { Engine, type SequencedView, type WriteResult } from './engine.js';
import type { MasterKeySource } from './key_store.js';
import { readPoint, toPosition } from './read_point.js';
import { type ExecuteResult, PlanCache, type QueryResult, SqlSession } from './sql_session.js';

export interface OpenOptions extends MasterKeySource {
  /** Backends for hashing, CRC, AES-GCM, segment IO; default `KIMBERLITE_BACKEND` or auto. */
  readonly backend?: BackendChoice;
  /** Log segments roll at this size (a multiple of 4 KiB; default 256 MiB). */
  readonly segmentSizeBytes?: number;
  /** Pages each tenant's projection store keeps decoded in memory. */
  readonly cachePagesMax?: number;
  /** A tenant's store checkpoints after this many batches touching it (default 1,000). */
  readonly storeCheckpointEveryBatches?: number;
  /** Delete every projection store and rebuild it from the log. */
  readonly rebuild?: boolean;
}

/** Idempotency and audit for one write: a retry with the same request id writes nothing. */
export interface WriteOptions {
  readonly request?: RequestId;
  readonly audit?: AuditMeta;
}

/** A read as of a past log position (default: the newest durable one). */
export interface ReadOptions {
  readonly at?: bigint | number;
}

/** A row as applications see it: column name to value (see ts/types/js_value.ts). */
export type Row = Record<string, unknown>;

export interface RowsWritten {
  readonly rowsAffected: number;
  /** The log position of the write's batch: a read-your-writes token and time travel point. */
  readonly position: bigint;
}

export interface Created {
  /** The new object's id (tables, streams, indexes share one counter per tenant). */
  readonly id: number;
  readonly position: bigint;
}

/** A column as `createTable` and `addColumn` take it; `type` may be a SQL name. */
export interface ColumnInput {
  readonly name: string;
  readonly type: ColumnType | string;
  readonly notNull?: boolean;
}

export interface ColumnInfo {
  readonly name: string;
  readonly type: ColumnType;
  readonly notNull: boolean;
  readonly primaryKey: boolean;
}

export interface TableInfo {
  readonly name: string;
  readonly id: number;
  readonly columns: readonly ColumnInfo[];
  readonly primaryKey: readonly string[];
  readonly indexes: readonly { readonly name: string; readonly columns: readonly string[] }[];
  readonly createdAt: bigint;
}

export interface ScanOptions extends ReadOptions {
  /** Scan this secondary index instead of the primary key. */
  readonly index?: string;
  /** Values of the first key columns (of the index, or of the primary key): a prefix match. */
  readonly prefix?: readonly unknown[];
  /** Descending key order. */
  readonly reverse?: boolean;
  /** At most this many rows; without it, more than `LIMITS.scanRowsMax` is an error. */
  readonly limit?: number;
}

export interface RowVersion {
  /** `undefined` for a deletion. */
  readonly row: Row | undefined;
  readonly createdAt: bigint;
  readonly endedAt: bigint | undefined;
}

export interface StreamEvent {
  readonly offset: bigint;
  readonly data: Uint8Array;
}

/** What `Tenant.streamInfo` returns. */
export interface StreamInfo {
  readonly name: string;
  readonly streamId: number;
  /** The offset the next appended event gets (= the number of events). */
  readonly nextOffset: bigint;
  readonly createdAt: bigint;
}

function invalid(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.InvalidArgument, message);
}

function columnSpec(input: ColumnInput): ColumnSpec {
  const type = typeof input.type === 'string' ? parseColumnType(input.type) : input.type;
  if (type === undefined) {
    throw new KimberliteError(
      ErrorCode.InvalidSchema,
      `column ${input.name}: unknown type ${String(input.type)}`,
    );
  }
  return { name: input.name, type, notNull: input.notNull ?? false };
}

function keyValues(key: unknown, count: number, columns: readonly string[]): readonly unknown[] {
  if (Array.isArray(key)) return key;
  if (
    key !== null &&
    typeof key === 'object' &&
    !(key instanceof Uint8Array) &&
    !(key instanceof Date)
  ) {
    const object = key as Row;
    return columns.map((name) => object[name]);
  }
  if (count !== 1) {
    throw invalid(`the key has ${count} columns (${columns.join(', ')}): pass an array or object`);
  }
  return [key];
}

/**
 * An embedded Kimberlite database in one data directory.
 *
 * @example
 * const db = await Kimberlite.open('./data');
 * const clinic = await db.createTenant(1, { name: 'clinic' });
 * await clinic.createTable('patients', [
 *   { name: 'id', type: 'BIGINT' },
 *   { name: 'name', type: 'TEXT', notNull: true },
 * ], { primaryKey: ['id'] });
 * const w = await clinic.insert('patients', { id: 1n, name: 'Jane Doe' });
 * await clinic.get('patients', 1n, { at: w.position }); // { id: 1n, name: 'Jane Doe' }
 * await db.close();
 */
export class Kimberlite {
  readonly #engine: Engine;
  /** SQL plans of every tenant's handles (bounded, least recently used out). */
  readonly #plans = new PlanCache();

  private constructor(engine: Engine) {
    this.#engine = engine;
  }

  /** Opens (creating when missing) the data directory and recovers it from its log. */
  static async open(directory: string, options: OpenOptions = {}): Promise<Kimberlite> {
    const backend = options.backend ?? parseBackendChoice(process.env.KIMBERLITE_BACKEND);
    const backends = await loadBackends({ choice: backend });
    const engine = await Engine.open({ ...options, directory, backends });
    return new Kimberlite(engine);
  }

  /** The backends every hot path runs on. */
  get backends(): Backends {
    return this.#engine.backends;
  }

  /** The log position of the newest durable batch (-1n for an empty database). */
  get position(): bigint {
    return this.#engine.committedPosition;
  }

  /**
   * What open did: `truncated` torn tails and `replayed` journal entries (the log's recovery),
   * then `records` / `rows` replayed from the partitions into the projection stores in
   * `milliseconds`, and `rebuiltStores`: tenants whose store was missing or damaged.
   */
  get recovery() {
    return this.#engine.recovery;
  }

  /** Creates a tenant with its own partition and data key. */
  async createTenant(id: number, options: { name: string } & WriteOptions): Promise<Tenant> {
    if (!Number.isInteger(id) || id < 1 || id > LIMITS.idMax) {
      throw invalid(`a tenant id is an integer from 1 to ${LIMITS.idMax}, got ${id}`);
    }
    if (this.#engine.kernel.tenants.has(id)) {
      throw new KimberliteError(ErrorCode.TenantExists, `Tenant ${id} already exists`);
    }
    const key = this.#engine.keys.create(id);
    await this.#engine.write(() => ({
      tenant: id,
      ...writeMeta(options),
      operation: { kind: 'create_tenant', name: options.name, keyId: key.keyId },
    }));
    return new Tenant(this.#engine, id, this.#plans);
  }

  /** The handle of an existing tenant (UNKNOWN_TENANT when there is none). */
  tenant(id: number): Tenant {
    const state = this.#engine.kernel.tenants.get(id);
    if (state === undefined || state.createdAt > this.#engine.committedPosition) {
      throw new KimberliteError(ErrorCode.UnknownTenant, `Unknown tenant: ${id}`);
    }
    return new Tenant(this.#engine, id, this.#plans);
  }

  /** Every live tenant. */
  tenants(): { id: number; name: string; sealed: boolean; createdAt: bigint }[] {
    const committed = this.#engine.committedPosition;
    return [...this.#engine.kernel.tenants.values()]
      .filter((tenant) => tenant.createdAt <= committed)
      .sort((a, b) => a.id - b.id)
      .map(({ id, name, sealed, createdAt }) => ({ id, name, sealed, createdAt }));
  }

  /**
   * Deletes a tenant by crypto-shredding: its data key is destroyed, so its records and pages
   * can never be decrypted again, while every hash chain still verifies.
   */
  async deleteTenant(id: number, options: WriteOptions = {}): Promise<{ position: bigint }> {
    const { position } = await this.#engine.write(() => ({
      tenant: id,
      ...writeMeta(options),
      operation: { kind: 'delete_tenant' },
    }));
    return { position };
  }

  /** Verifies every hash chain and Merkle root of the log; needs no key. */
  verify(options?: { onProgress?: VerifyProgress }): Promise<VerifyReport> {
    return this.#engine.verify(options);
  }

  /** SHA-256 over the kernel state and every projection: equal for equal histories. */
  stateHash(): Promise<Uint8Array> {
    return this.#engine.stateHash();
  }

  /** Waits for pending writes, checkpoints the projections and closes the directory. */
  close(): Promise<void> {
    return this.#engine.close();
  }
}

function writeMeta(options: WriteOptions): Pick<Command, 'request' | 'audit'> {
  return {
    ...(options.request === undefined ? {} : { request: options.request }),
    ...(options.audit === undefined ? {} : { audit: options.audit }),
  };
}

/** One tenant's data. Obtain it from `Kimberlite.createTenant` or `Kimberlite.tenant`. */
export class Tenant {
  readonly id: number;
  readonly #engine: Engine;
  readonly #sql: SqlSession;

  /** @internal */
  constructor(engine: Engine, id: number, plans: PlanCache) {
    this.#engine = engine;
    this.id = id;
    this.#sql = new SqlSession(engine, id, plans);
  }

  // ---- SQL (docs/sql.md) -------------------------------------------------------------------

  /**
   * Runs one SQL statement with parameters `$1..$n`. A write resolves once durable, with its
   * log position and `rowsAffected` (and `RETURNING`'s rows); a read returns its rows.
   *
   * @example
   * const w = await clinic.execute('INSERT INTO patients VALUES ($1, $2)', [1, 'Jane Doe']);
   */
  execute(
    sql: string,
    params: readonly unknown[] = [],
    options: WriteOptions & ReadOptions = {},
  ): Promise<ExecuteResult> {
    return this.#sql.execute(sql, params, options);
  }

  /**
   * Runs a read (`SELECT`, `EXPLAIN`, `SHOW`) as of `options.at`, the statement's own
   * `AT OFFSET` / `AS OF` clause, or the newest durable position.
   *
   * @example
   * const then = await clinic.query('SELECT * FROM patients', [], { at: w.position });
   */
  query(
    sql: string,
    params: readonly unknown[] = [],
    options: ReadOptions = {},
  ): Promise<QueryResult> {
    return this.#sql.query(sql, params, options);
  }

  // ---- writes ----------------------------------------------------------------------------

  #write(operation: Operation | ((view: SequencedView) => Operation), options: WriteOptions) {
    return this.#engine.write((view) => ({
      tenant: this.id,
      origin: this.id,
      ...writeMeta(options),
      operation: typeof operation === 'function' ? operation(view) : operation,
    }));
  }

  async #created(promise: Promise<WriteResult>): Promise<Created> {
    const { result, position } = await promise;
    return { id: result.kind === 'created' ? result.id : 0, position };
  }

  async #rows(promise: Promise<WriteResult>): Promise<RowsWritten> {
    const { result, position } = await promise;
    return { rowsAffected: result.kind === 'rows' ? result.rowsAffected : 0, position };
  }

  createTable(
    name: string,
    columns: readonly ColumnInput[],
    options: { primaryKey: readonly string[] | string } & WriteOptions,
  ): Promise<Created> {
    const primaryKey =
      typeof options.primaryKey === 'string' ? [options.primaryKey] : options.primaryKey;
    return this.#created(
      this.#write(
        () => ({ kind: 'create_table', name, columns: columns.map(columnSpec), primaryKey }),
        options,
      ),
    );
  }

  async dropTable(name: string, options: WriteOptions = {}): Promise<{ position: bigint }> {
    const { position } = await this.#write({ kind: 'drop_table', table: name }, options);
    return { position };
  }

  async addColumn(
    table: string,
    column: ColumnInput,
    options: WriteOptions = {},
  ): Promise<{ position: bigint }> {
    const { position } = await this.#write(
      () => ({ kind: 'add_column', table, column: columnSpec(column) }),
      options,
    );
    return { position };
  }

  async dropColumn(
    table: string,
    column: string,
    options: WriteOptions = {},
  ): Promise<{ position: bigint }> {
    const { position } = await this.#write({ kind: 'drop_column', table, column }, options);
    return { position };
  }

  createIndex(
    table: string,
    name: string,
    columns: readonly string[],
    options: WriteOptions = {},
  ): Promise<Created> {
    return this.#created(this.#write({ kind: 'create_index', table, name, columns }, options));
  }

  /** Inserts rows (one atomic command); DUPLICATE_PRIMARY_KEY when a key exists. */
  insert(table: string, rows: Row | readonly Row[], options: WriteOptions = {}) {
    const list = Array.isArray(rows) ? (rows as readonly Row[]) : [rows as Row];
    return this.#rows(
      this.#write((view) => {
        const def = this.#liveTable(view.kernel, table);
        const changes: RowChange[] = list.map((row) => ({
          kind: 'insert',
          row: rowImage(def, row),
        }));
        return { kind: 'write_rows', table, changes };
      }, options),
    );
  }

  /** Inserts rows, or replaces the row with the same primary key. */
  upsert(table: string, rows: Row | readonly Row[], options: WriteOptions = {}) {
    const list = Array.isArray(rows) ? (rows as readonly Row[]) : [rows as Row];
    return this.#rows(
      this.#write((view) => {
        const def = this.#liveTable(view.kernel, table);
        const changes: RowChange[] = list.map((row) => {
          const after = rowImage(def, row);
          return { kind: 'upsert', before: this.#currentRow(view, def, after), after };
        });
        return { kind: 'write_rows', table, changes };
      }, options),
    );
  }

  /** Changes columns of the row with primary key `key`; `rowsAffected` 0 when there is none. */
  update(table: string, key: unknown, changes: Row, options: WriteOptions = {}) {
    return this.#rows(
      this.#write((view) => {
        const def = this.#liveTable(view.kernel, table);
        const before = this.#rowAt(view, def, key);
        if (before === null) return { kind: 'write_rows', table, changes: [] };
        const lookup = columnLookup(def);
        const after = [...before];
        for (const name in changes) {
          const index = columnIndex(def, lookup, name);
          const column = lookup.columns[index];
          assert(column !== undefined, 'an index from the lookup');
          after[index] = toSqlValue(column.name, column.type, changes[name]);
        }
        return { kind: 'write_rows', table, changes: [{ kind: 'update', before, after }] };
      }, options),
    );
  }

  /** Deletes the row with primary key `key`; `rowsAffected` 0 when there is none. */
  delete(table: string, key: unknown, options: WriteOptions = {}) {
    return this.#rows(
      this.#write((view) => {
        const def = this.#liveTable(view.kernel, table);
        const before = this.#rowAt(view, def, key);
        const changes: RowChange[] = before === null ? [] : [{ kind: 'delete', before }];
        return { kind: 'write_rows', table, changes };
      }, options),
    );
  }

  createStream(name: string, options: WriteOptions = {}): Promise<Created> {
    return this.#created(this.#write({ kind: 'create_stream', name }, options));
  }

  /** Appends events; with `expectedOffset`, OFFSET_MISMATCH unless the stream is there. */
  async append(
    stream: string,
    events: readonly (Uint8Array | string)[],
    options: { expectedOffset?: bigint | number } & WriteOptions = {},
  ): Promise<{ firstOffset: bigint; count: number; position: bigint }> {
    const encoder = new TextEncoder();
    // Copies: the store keeps event bytes as given, so the caller's arrays must not be them.
    const data = events.map((event) =>
      typeof event === 'string' ? encoder.encode(event) : event.slice(),
    );
    const expected = toPosition(options.expectedOffset);
    const { result, position } = await this.#write(
      {
        kind: 'append_events',
        stream,
        events: data,
        ...(expected === undefined ? {} : { expectedOffset: expected }),
      },
      options,
    );
    if (result.kind !== 'appended') return { firstOffset: 0n, count: 0, position };
    return { firstOffset: result.firstOffset, count: result.count, position };
  }

  async seal(options: WriteOptions = {}): Promise<{ position: bigint }> {
    const { position } = await this.#write({ kind: 'seal_tenant' }, options);
    return { position };
  }

  async unseal(options: WriteOptions = {}): Promise<{ position: bigint }> {
    const { position } = await this.#write({ kind: 'unseal_tenant' }, options);
    return { position };
  }

  // ---- resolution helpers (run synchronously at sequencing) ---------------------------------

  #liveTable(kernel: SequencedView['kernel'], name: string): TableDef {
    const tenant = kernel.tenants.get(this.id);
    if (tenant === undefined) {
      throw new KimberliteError(ErrorCode.UnknownTenant, `Unknown tenant: ${this.id}`);
    }
    const table = tableByName(tenant, name);
    if (table === undefined)
      throw new KimberliteError(ErrorCode.UnknownTable, `Unknown table: ${name}`);
    return table;
  }

  /** The row at `key` in the sequenced state, `null` when none. */
  #rowAt(view: SequencedView, table: TableDef, key: unknown): RowImage | null {
    const bytes = view.rows.get(this.id, table.id, primaryKeyBytes(table, key));
    return bytes === undefined ? null : decodeRow(table, bytes);
  }

  /** The row in the sequenced state with the primary key of `row`, `null` when none. */
  #currentRow(view: SequencedView, table: TableDef, row: RowImage): RowImage | null {
    const bytes = view.rows.get(this.id, table.id, primaryKeyOf(table, row));
    return bytes === undefined ? null : decodeRow(table, bytes);
  }

  // ---- reads -----------------------------------------------------------------------------

  /** The tenant state and the position to read at, checked against what is durable. */
  #readAt(options: ReadOptions): { tenant: TenantState; at: bigint } {
    return readPoint(this.#engine, this.id, toPosition(options.at));
  }

  #tableAt(tenant: TenantState, name: string, at: bigint): TableDef {
    const table = tableByName(tenant, name, at);
    if (table === undefined) {
      throw new KimberliteError(
        ErrorCode.UnknownTable,
        `Unknown table: ${name} (at position ${at})`,
      );
    }
    return table;
  }

  #store() {
    const store = this.#engine.store(this.id)?.store;
    if (store === undefined)
      throw new KimberliteError(ErrorCode.UnknownTenant, `Unknown tenant: ${this.id}`);
    return store;
  }

  /** The row with primary key `key` (a value, an array for composite keys, or an object). */
  async get(table: string, key: unknown, options: ReadOptions = {}): Promise<Row | undefined> {
    const { tenant, at } = this.#readAt(options);
    const def = this.#tableAt(tenant, table, at);
    const bytes = this.#store().get(def.id, primaryKeyBytes(def, key, at), at);
    return bytes === undefined ? undefined : rowObject(def, decodeRow(def, bytes, at), at);
  }

  /** Rows in key order (of the primary key or of `options.index`), as of `options.at`. */
  async scan(table: string, options: ScanOptions = {}): Promise<Row[]> {
    const { tenant, at } = this.#readAt(options);
    const def = this.#tableAt(tenant, table, at);
    const store = this.#store();
    const limit = options.limit ?? LIMITS.scanRowsMax + 1;
    const rows: Row[] = [];
    const index =
      options.index === undefined
        ? undefined
        : def.indexes.find(
            (i) => i.name.toLowerCase() === options.index?.toLowerCase() && i.createdAt <= at,
          );
    if (options.index !== undefined && index === undefined) {
      throw new KimberliteError(
        ErrorCode.UnknownIndex,
        `Unknown index: ${options.index} on ${table}`,
      );
    }
    const columns = index === undefined ? def.primaryKey : index.columns;
    const types = keyColumnTypes(def, columns, at);
    const range = prefixRange(def, types, options.prefix ?? [], columns);
    const space = index === undefined ? def.id : index.id;
    for (const { key, value } of store.scan(
      space,
      { ...range, reverse: options.reverse ?? false },
      at,
    )) {
      if (rows.length >= limit) break;
      let bytes: Uint8Array | undefined = value;
      if (index !== undefined) {
        // An index entry's key is the index columns then the primary key, encoded as such.
        bytes = store.get(def.id, keySuffix(types, key), at);
        if (bytes === undefined) continue;
      }
      rows.push(rowObject(def, decodeRow(def, bytes, at), at));
    }
    if (options.limit === undefined && rows.length > LIMITS.scanRowsMax) {
      throw new KimberliteError(
        ErrorCode.LimitExceeded,
        `scan of ${table} returns more than scanRowsMax (${LIMITS.scanRowsMax}) rows: ` +
          'pass a limit, a prefix or an index',
      );
    }
    return rows;
  }

  /** Every version of the row with primary key `key`, newest first (MVCC history). */
  async history(table: string, key: unknown): Promise<RowVersion[]> {
    const { tenant, at } = this.#readAt({});
    const def = this.#tableAt(tenant, table, at);
    return this.#store()
      .versions(def.id, primaryKeyBytes(def, key, at))
      .map((version) => ({
        row:
          version.value === undefined
            ? undefined
            : rowObject(def, decodeRow(def, version.value, version.createdAt), version.createdAt),
        createdAt: version.createdAt,
        endedAt: version.endedAt,
      }));
  }

  /** Events of `stream` from `fromOffset` (default 0), at most `maxEvents` (default 1,000). */
  async read(
    stream: string,
    options: { fromOffset?: bigint | number; maxEvents?: number } & ReadOptions = {},
  ): Promise<StreamEvent[]> {
    const { tenant, at } = this.#readAt(options);
    const def = streamByName(tenant, stream, at);
    if (def === undefined) {
      throw new KimberliteError(ErrorCode.UnknownStream, `Unknown stream: ${stream}`);
    }
    const from = toPosition(options.fromOffset) ?? 0n;
    const max = options.maxEvents ?? 1000;
    const lower = new Uint8Array(8);
    new DataView(lower.buffer).setBigUint64(0, from < 0n ? 0n : from);
    const events: StreamEvent[] = [];
    for (const { key, value } of this.#store().scan(def.id, { lower }, at)) {
      if (events.length >= max) break;
      events.push({
        offset: new DataView(key.buffer, key.byteOffset).getBigUint64(0),
        data: value,
      });
    }
    return events;
  }

  /**
   * A stream's id, the offset its next event gets (= events appended) and its creation
   * position, as of `options.at`; UNKNOWN_STREAM when there is none.
   */
  async streamInfo(stream: string, options: ReadOptions = {}): Promise<StreamInfo> {
    const { tenant, at } = this.#readAt(options);
    const def = streamByName(tenant, stream, at);
    if (def === undefined) {
      throw new KimberliteError(ErrorCode.UnknownStream, `Unknown stream: ${stream}`);
    }
    // The store as of `at`, not the kernel's counter: that one may count sequenced events
    // that are not durable yet.
    let nextOffset = 0n;
    for (const { key } of this.#store().scan(def.id, { reverse: true }, at)) {
      nextOffset = new DataView(key.buffer, key.byteOffset).getBigUint64(0) + 1n;
      break;
    }
    return { name: def.name, streamId: def.id, nextOffset, createdAt: def.createdAt };
  }

  /** Live tables as of `options.at`. */
  async tables(options: ReadOptions = {}): Promise<string[]> {
    const { tenant, at } = this.#readAt(options);
    return [...tenant.tables.values()]
      .filter((t) => tableByName(tenant, t.name, at)?.id === t.id)
      .map((t) => t.name)
      .sort();
  }

  /** A table's columns, key and indexes as of `options.at`. */
  async describe(table: string, options: ReadOptions = {}): Promise<TableInfo> {
    const { tenant, at } = this.#readAt(options);
    const def = this.#tableAt(tenant, table, at);
    const columns = liveColumns(def, at);
    const nameOf = (id: number) => def.columns.find((c) => c.id === id)?.name ?? `#${id}`;
    return {
      name: def.name,
      id: def.id,
      columns: columns.map((c) => ({
        name: c.name,
        type: c.type,
        notNull: c.notNull,
        primaryKey: def.primaryKey.includes(c.id),
      })),
      primaryKey: def.primaryKey.map(nameOf),
      indexes: def.indexes
        .filter((i) => i.createdAt <= at)
        .map((i) => ({ name: i.name, columns: i.columns.map(nameOf) })),
      createdAt: def.createdAt,
    };
  }
}

function unknownColumn(table: TableDef, name: string): KimberliteError {
  return new KimberliteError(ErrorCode.UnknownColumn, `Unknown column: ${name} in ${table.name}`);
}

interface ColumnLookup {
  readonly columns: readonly ColumnDef[];
  /** Column name (lower case) to its index among the live columns. */
  readonly byName: ReadonlyMap<string, number>;
}

/** Per table definition (the kernel replaces a definition when its schema changes). */
const lookups = new WeakMap<TableDef, ColumnLookup>();

function columnLookup(table: TableDef): ColumnLookup {
  let lookup = lookups.get(table);
  if (lookup === undefined) {
    const columns = liveColumns(table);
    lookup = { columns, byName: new Map(columns.map((c, i) => [c.name.toLowerCase(), i])) };
    lookups.set(table, lookup);
  }
  return lookup;
}

function columnIndex(table: TableDef, lookup: ColumnLookup, name: string): number {
  const index = lookup.byName.get(name) ?? lookup.byName.get(name.toLowerCase());
  if (index === undefined) throw unknownColumn(table, name);
  return index;
}

/** A row object to the image aligned with the table's live columns (absent: NULL). */
function rowImage(table: TableDef, row: Row): RowImage {
  const lookup = columnLookup(table);
  const image: SqlValue[] = lookup.columns.map(() => SQL_NULL);
  for (const name in row) {
    const index = columnIndex(table, lookup, name);
    const column = lookup.columns[index];
    assert(column !== undefined, 'an index from the lookup');
    image[index] = toSqlValue(column.name, column.type, row[name]);
  }
  return image;
}

function rowObject(table: TableDef, image: RowImage, at: bigint): Row {
  const row: Row = {};
  liveColumns(table, at).forEach((column, i) => {
    row[column.name] = fromSqlValue(column.type, image[i] ?? SQL_NULL);
  });
  return row;
}

function keyColumnTypes(table: TableDef, ids: readonly number[], at?: bigint): ColumnType[] {
  const columns = at === undefined ? liveColumns(table) : liveColumns(table, at);
  return ids.map((id) => {
    const column = columns.find((c) => c.id === id) ?? table.columns.find((c) => c.id === id);
    if (column === undefined) throw unknownColumn(table, `#${id}`);
    return column.type;
  });
}

function keyColumnNames(table: TableDef, ids: readonly number[]): string[] {
  return ids.map((id) => table.columns.find((c) => c.id === id)?.name ?? `#${id}`);
}

/** The encoded primary key of `key` (one value, an array, or an object of key columns). */
function primaryKeyBytes(table: TableDef, key: unknown, at?: bigint): Uint8Array {
  const names = keyColumnNames(table, table.primaryKey);
  const types = keyColumnTypes(table, table.primaryKey, at);
  const values = keyValues(key, types.length, names);
  if (values.length !== types.length) {
    throw invalid(
      `the key of ${table.name} has ${types.length} columns, got ${values.length} values`,
    );
  }
  return encodeKey(
    types,
    values.map((value, i) => toSqlValue(names[i] ?? '', types[i] ?? { kind: 'text' }, value)),
  );
}

/** The byte range of keys starting with `prefix` (values of the first key columns). */
function prefixRange(
  table: TableDef,
  types: readonly ColumnType[],
  prefix: readonly unknown[],
  ids: readonly number[],
): { lower?: Uint8Array; upper?: Uint8Array } {
  if (prefix.length === 0) return {};
  if (prefix.length > types.length) {
    throw invalid(`the prefix has ${prefix.length} values; the key has ${types.length} columns`);
  }
  const names = keyColumnNames(table, ids);
  const lower = encodeKey(
    types.slice(0, prefix.length),
    prefix.map((value, i) => toSqlValue(names[i] ?? '', types[i] ?? { kind: 'text' }, value)),
  );
  return { lower, upper: keyPrefixEnd(lower) };
}
