/**
 * SQL for one tenant: `execute` and `query` of the embedded API (ts/runtime/database.ts), on
 * the SQL engine (ts/query/). Owns what the pure engine cannot: parameters from JavaScript
 * values, the clock for `NOW()`, time travel to a log position, the plan cache, and the write
 * path (DML resolves at sequencing against the sequenced state, then commits like any write).
 *
 * Plan cache: a plan is valid while every table it looked up is still the same schema object
 * (`TenantSnapshot` keeps one per table layout), so a DDL or a read at a position with another
 * layout plans again, and nothing is ever invalidated by hand.
 */
import type { Command } from '../kernel/index.js';
import {
  type Catalog,
  type EvalContext,
  type ParsedStatement,
  type PreparedStatement,
  parseStatement,
  prepareStatement,
  type ResultColumn,
  type Row,
  type SqlType,
  type TableSchema,
} from '../query/index.js';
import type { KeyRange, ProjectionStore } from '../store/index.js';
import {
  type ColumnType,
  canonicalJson,
  ErrorCode,
  formatColumnType,
  fromSqlValue,
  KimberliteError,
  LIMITS,
  SQL_NULL,
  type SqlValue,
  toSqlValue,
} from '../types/index.js';
import type { WriteOptions } from './database.js';
import type { Engine, SequencedView } from './engine.js';
import { readPoint, toPosition } from './read_point.js';
import { type SpaceReader, TenantSnapshot } from './sql_snapshot.js';

/** A column of a result: its name and SQL type (`BIGINT`, `TEXT`, ...). */
export interface SqlColumn {
  readonly name: string;
  readonly type: string;
}

export interface QueryResult {
  readonly columns: SqlColumn[];
  /** One array per row, values in column order (the mapping of ts/types/js_value.ts). */
  readonly rows: unknown[][];
  /** The log position the query read. */
  readonly position: bigint;
}

export interface ExecuteResult extends QueryResult {
  /** Rows inserted, updated or deleted (0 for reads and schema changes). */
  readonly rowsAffected: number;
}

interface CachedPlan {
  readonly prepared: PreparedStatement;
  /** The schema each looked-up name resolved to when planned. */
  readonly tables: readonly (readonly [string, TableSchema | undefined])[];
  /** A read's result columns as returned, and the type each value converts by. */
  readonly shape: ResultShape | undefined;
  /** The parameter types it was planned for (the cache key holds only their hash). */
  readonly paramTypes: readonly SqlType[];
}

interface ResultShape {
  readonly columns: readonly SqlColumn[];
  readonly types: readonly ColumnType[];
}

/**
 * Plans by parsed statement (the statement cache returns one object per text), then by tenant
 * and parameter types; least recently used out past `LIMITS.statementCacheEntriesMax`
 * statements. Keyed by object, a hit hashes no statement text.
 */
export class PlanCache {
  readonly #plans = new Map<ParsedStatement, Map<string, CachedPlan>>();

  prepare(
    key: string,
    parsed: ParsedStatement,
    catalog: Catalog,
    paramTypes: readonly SqlType[],
  ): CachedPlan {
    let plans = this.#plans.get(parsed);
    const cached = plans?.get(key);
    if (
      cached !== undefined &&
      sameTypes(cached.paramTypes, paramTypes) &&
      stillValid(cached, catalog)
    ) {
      return cached;
    }
    const tables: [string, TableSchema | undefined][] = [];
    let listed = false;
    const recording: Catalog = {
      table: (name) => {
        const found = catalog.table(name);
        tables.push([name, found]);
        return found;
      },
      tables: () => {
        listed = true;
        return catalog.tables();
      },
    };
    const prepared = prepareStatement(parsed.statement, recording, paramTypes);
    const shape = prepared.kind === 'read' ? shapeOf(prepared.query.columns) : undefined;
    const plan: CachedPlan = { prepared, tables, shape, paramTypes };
    // A plan over the whole catalog (information_schema) is cheap to make and hard to check.
    if (listed) return plan;
    if (plans === undefined) {
      if (this.#plans.size >= LIMITS.statementCacheEntriesMax) {
        this.#plans.delete(this.#plans.keys().next().value as ParsedStatement);
      }
      plans = new Map();
      this.#plans.set(parsed, plans);
    } else {
      this.#plans.delete(parsed);
      this.#plans.set(parsed, plans);
    }
    plans.set(key, plan);
    return plan;
  }
}

function stillValid(plan: CachedPlan, catalog: Catalog): boolean {
  for (const [name, table] of plan.tables) if (catalog.table(name) !== table) return false;
  return true;
}

/** Parameter types, shared (a type is never mutated): no object per parameter. */
const PARAM_TYPES: readonly SqlType[] = [
  { kind: 'unknown' },
  { kind: 'boolean' },
  { kind: 'bigint' },
  { kind: 'double' },
  { kind: 'timestamp' },
  { kind: 'bytea' },
  { kind: 'json' },
].map((type) => Object.freeze(type as SqlType));
const UNKNOWN = 0;
const BOOLEAN = 1;
const BIGINT = 2;
const DOUBLE = 3;
const TIMESTAMP = 4;
const BYTEA = 5;
const JSON_TYPE = 6;

/** The index in PARAM_TYPES of a parameter's type. */
function typeCodeOf(value: unknown): number {
  if (value === null || value === undefined) return UNKNOWN;
  if (typeof value === 'boolean') return BOOLEAN;
  if (typeof value === 'bigint') return BIGINT;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BIGINT : DOUBLE;
  if (typeof value === 'string') return UNKNOWN;
  if (value instanceof Date) return TIMESTAMP;
  if (value instanceof Uint8Array) return BYTEA;
  return JSON_TYPE;
}

/** Bound parameters: values, their types, and a hash of the types for the plan cache key. */
interface BoundParams {
  readonly values: SqlValue[];
  readonly types: SqlType[];
  /** `<count>:<FNV-1a of the type codes>`; a hit is confirmed by comparing the types. */
  readonly key: string;
}

/** `$1..$n` as SQL values: numbers are BIGINT or DOUBLE PRECISION, strings untyped (they take
 * the type their context asks, as PostgreSQL's untyped parameters do), objects JSON. One pass,
 * and the common kinds (integers, strings, NULL) without a label string or a call each. */
function sqlParams(params: readonly unknown[], parsed: ParsedStatement): BoundParams {
  if (params.length !== parsed.paramCount) {
    throw new KimberliteError(
      ErrorCode.InvalidParameter,
      `the statement uses ${parsed.paramCount} parameter(s) ($1..$${parsed.paramCount}); ` +
        `${params.length} were passed`,
    );
  }
  const count = params.length;
  const values = new Array<SqlValue>(count);
  const types = new Array<SqlType>(count);
  let hash = 0x811c9dc5;
  for (let i = 0; i < count; i++) {
    const value = params[i];
    const code = typeCodeOf(value);
    const type = PARAM_TYPES[code] as SqlType;
    types[i] = type;
    hash = Math.imul(hash ^ code, 0x01000193);
    if (code === UNKNOWN) {
      values[i] =
        value === null || value === undefined ? SQL_NULL : { kind: 'text', value: value as string };
    } else if (code === BIGINT && typeof value === 'number') {
      values[i] = { kind: 'integer', value: BigInt(value) }; // a safe integer (typeCodeOf)
    } else if (code === JSON_TYPE) {
      values[i] = { kind: 'json', value: canonicalJson(value) };
    } else {
      values[i] = toSqlValue(`$${i + 1}`, type as ColumnType, value);
    }
  }
  return { values, types, key: `${count}:${hash >>> 0}` };
}

function sameTypes(a: readonly SqlType[], b: readonly SqlType[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]?.kind !== b[i]?.kind) return false;
  return true;
}

function displayType(type: SqlType): ColumnType {
  return type.kind === 'unknown' ? { kind: 'text' } : type;
}

function shapeOf(columns: readonly ResultColumn[]): ResultShape {
  const types = columns.map((column) => displayType(column.type));
  return {
    columns: columns.map((column, i) => ({
      name: column.name,
      type: typeText(types[i] as ColumnType),
    })),
    types,
  };
}

function jsRows(shape: ResultShape, rows: readonly Row[]): unknown[][] {
  const { types } = shape;
  const out: unknown[][] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as Row;
    const values: unknown[] = new Array(row.length);
    for (let i = 0; i < row.length; i++) {
      values[i] = fromSqlValue(types[i] as ColumnType, row[i] as SqlValue);
    }
    out[r] = values;
  }
  return out;
}

function results(shape: ResultShape, rows: readonly Row[]) {
  return { columns: [...shape.columns], rows: jsRows(shape, rows) };
}

/** `DECIMAL` for computed decimals (unconstrained, precision 1000), else the type's name. */
function typeText(type: ColumnType): string {
  return type.kind === 'decimal' && type.precision >= 1000 ? 'DECIMAL' : formatColumnType(type);
}

function isRead(parsed: ParsedStatement): boolean {
  const kind = parsed.statement.kind;
  return (
    kind === 'query' || kind === 'explain' || kind === 'show_tables' || kind === 'show_columns'
  );
}

function outOfRange(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.PositionOutOfRange, message);
}

/** `execute` and `query` for one tenant (see the file comment). */
export class SqlSession {
  readonly #engine: Engine;
  readonly #tenant: number;
  readonly #plans: PlanCache;

  constructor(engine: Engine, tenant: number, plans: PlanCache) {
    this.#engine = engine;
    this.#tenant = tenant;
    this.#plans = plans;
  }

  /** Runs a read (`SELECT`, `EXPLAIN`, `SHOW`) as of `at`, a time-travel clause, or now. */
  async query(
    sql: string,
    params: readonly unknown[] = [],
    options: { at?: bigint | number } = {},
  ): Promise<QueryResult> {
    const parsed = parseStatement(sql);
    if (!isRead(parsed)) {
      throw new KimberliteError(
        ErrorCode.InvalidArgument,
        'query() runs SELECT, EXPLAIN and SHOW; use execute() for ' +
          parsed.statement.kind.toUpperCase().replace('_', ' '),
      );
    }
    return this.#read(parsed, params, options.at);
  }

  /** Runs any statement; a write resolves once durable, with its log position. */
  async execute(
    sql: string,
    params: readonly unknown[] = [],
    options: WriteOptions & { at?: bigint | number } = {},
  ): Promise<ExecuteResult> {
    const parsed = parseStatement(sql);
    if (isRead(parsed)) {
      return { ...this.#read(parsed, params, options.at), rowsAffected: 0 };
    }
    if (parsed.timeTravel !== undefined || options.at !== undefined) {
      throw new KimberliteError(
        ErrorCode.NotSupported,
        'Not supported: time travel in a write; AT OFFSET and AS OF apply to reads',
      );
    }
    return this.#write(sql, parsed, params, options);
  }

  /** The plan cache's key within a statement: tenant and parameter types (`sqlParams`). */
  #key(typesKey: string): string {
    return `${this.#tenant}:${typesKey}`;
  }

  #read(
    parsed: ParsedStatement,
    params: readonly unknown[],
    at: bigint | number | undefined,
  ): QueryResult {
    const { values, types, key } = sqlParams(params, parsed);
    const point = readPoint(this.#engine, this.#tenant, this.#askedPosition(parsed, at));
    const { tenant, store, at: position } = point;
    const reader = new StoreReader(store, position);
    const snapshot = new TenantSnapshot(tenant, reader, { position, newest: false });
    const plan = this.#plans.prepare(this.#key(key), parsed, snapshot, types);
    const { prepared, shape } = plan;
    if (prepared.kind !== 'read' || shape === undefined) {
      throw new Error(`a ${parsed.statement.kind} planned as a write`);
    }
    const ctx: EvalContext = { params: values, nowMicros: nowMicros() };
    const rows = prepared.query.run(snapshot, ctx);
    return { ...results(shape, rows), position };
  }

  /** The position a read asks for: `at` or the statement's time-travel clause (they must
   * agree); undefined for the newest. `readPoint` checks it. */
  #askedPosition(parsed: ParsedStatement, at: bigint | number | undefined): bigint | undefined {
    const travel = parsed.timeTravel;
    const asked = toPosition(at);
    if (travel === undefined) return asked;
    const clause =
      travel.kind === 'position'
        ? travel.position
        : this.#positionAtTime(travel.micros, travel.text);
    if (asked !== undefined && asked !== clause) {
      throw new KimberliteError(
        ErrorCode.InvalidArgument,
        `the statement reads as of position ${clause} but options.at asks for ${asked}`,
      );
    }
    return clause;
  }

  /** The last position of this tenant committed at or before `micros` (binary search over
   * its partition, whose records carry their batch's timestamp, never decreasing). */
  #positionAtTime(micros: bigint, text: string): bigint {
    const storage = this.#engine.storage;
    const nowUs = nowMicros();
    if (micros > nowUs) throw outOfRange(`timestamp '${text}' is in the future`);
    const headerAt = (offset: bigint) => {
      const [record] = storage.read(this.#tenant, offset, {
        maxRecords: 1,
        maxBytes: LIMITS.recordSizeBytesMax * 2,
        payloadViews: true,
      });
      if (record === undefined) throw new Error(`partition record ${offset} is missing`);
      return record.header;
    };
    const limitNs = micros * 1000n;
    let low = 0n;
    let high = storage.partitionLength(this.#tenant);
    // Invariant: records below `low` are at or before the limit, records from `high` after it.
    while (low < high) {
      const middle = (low + high) / 2n;
      if (headerAt(middle).timestampNs <= limitNs) low = middle + 1n;
      else high = middle;
    }
    if (low === 0n) {
      throw outOfRange(`timestamp '${text}' is before tenant ${this.#tenant}'s first entry`);
    }
    return headerAt(low - 1n).logPosition;
  }

  async #write(
    sql: string,
    parsed: ParsedStatement,
    params: readonly unknown[],
    options: WriteOptions,
  ): Promise<ExecuteResult> {
    const bound = sqlParams(params, parsed);
    const { values, types } = bound;
    const ctx: EvalContext = { params: values, nowMicros: nowMicros() };
    const key = this.#key(bound.key);
    let resolved: ReturnType<Extract<PreparedStatement, { kind: 'write' }>['resolve']> | undefined;
    const written = await this.#engine.write((view): Command | undefined => {
      const tenant = view.kernel.tenants.get(this.#tenant);
      if (tenant === undefined) {
        throw new KimberliteError(ErrorCode.UnknownTenant, `Unknown tenant: ${this.#tenant}`);
      }
      const snapshot = new TenantSnapshot(tenant, new SequencedReader(view, this.#tenant), {
        position: this.#engine.committedPosition,
        newest: true,
      });
      const { prepared } = this.#plans.prepare(key, parsed, snapshot, types);
      if (prepared.kind !== 'write')
        throw new Error(`a ${parsed.statement.kind} planned as a read`);
      resolved = prepared.resolve(snapshot, ctx);
      if (resolved.operation === undefined) return undefined;
      return {
        tenant: this.#tenant,
        origin: this.#tenant,
        ...(options.request === undefined ? {} : { request: options.request }),
        audit: { ...options.audit, statement: options.audit?.statement ?? sql },
        operation: resolved.operation,
      };
    });
    const outcome = resolved as NonNullable<typeof resolved>;
    const result = written.result;
    return {
      ...results(shapeOf(outcome.columns), outcome.rows),
      rowsAffected: result.kind === 'rows' ? result.rowsAffected : outcome.rowsAffected,
      position: written.position,
    };
  }
}

/** Reads of one tenant's store as of `position` (a class: no closures made per read). */
class StoreReader implements SpaceReader {
  readonly #store: ProjectionStore;
  readonly #position: bigint;

  constructor(store: ProjectionStore, position: bigint) {
    this.#store = store;
    this.#position = position;
  }

  get(space: number, key: Uint8Array): Uint8Array | undefined {
    return this.#store.get(space, key, this.#position);
  }

  scan(space: number, range: KeyRange) {
    return this.#store.scan(space, range, this.#position);
  }
}

/** Reads of one tenant in the sequenced state (a class: no closures made per write). */
class SequencedReader implements SpaceReader {
  readonly #view: SequencedView;
  readonly #tenant: number;

  constructor(view: SequencedView, tenant: number) {
    this.#view = view;
    this.#tenant = tenant;
  }

  get(space: number, key: Uint8Array): Uint8Array | undefined {
    return this.#view.rows.get(this.#tenant, space, key);
  }

  scan(space: number, range: KeyRange) {
    return this.#view.scan(this.#tenant, space, range);
  }
}

function nowMicros(): bigint {
  return BigInt(Date.now()) * 1000n;
}
