/**
 * The SQL engine's view of one tenant at one log position (`Snapshot`, ts/query/types.ts),
 * over either the projection store as of a committed position (reads) or the sequenced state,
 * overlay over store (the resolution of DML at sequencing, ARCHITECTURE.md 5).
 *
 * Table schemas are cached per `TablePlan`: a plan is the same object for as long as a table's
 * columns and indexes do not change, so a cached query plan that bound a schema object stays
 * valid exactly as long as `table(name)` returns that same object.
 */
import {
  decodeRow,
  encodeKey,
  keyPrefixEnd,
  keySuffix,
  planOf,
  type TableDef,
  type TablePlan,
  type TenantState,
  tableByName,
} from '../kernel/index.js';
import type { KeyBound, Row, ScanRange, Snapshot, TableSchema } from '../query/index.js';
import type { KeyRange } from '../store/index.js';
import { assert, ErrorCode, KimberliteError, type SqlValue } from '../types/index.js';

/** Key-value reads of one tenant's spaces, all at the snapshot's position. */
export interface SpaceReader {
  get(space: number, key: Uint8Array): Uint8Array | undefined;
  scan(
    space: number,
    range: KeyRange,
  ): Iterable<{ readonly key: Uint8Array; readonly value: Uint8Array }>;
}

interface Bound {
  readonly def: TableDef;
  readonly plan: TablePlan;
}

const schemas = new WeakMap<TablePlan, TableSchema>();
const bindings = new WeakMap<TableSchema, Bound>();

function schemaOf(def: TableDef, plan: TablePlan): TableSchema {
  let schema = schemas.get(plan);
  if (schema === undefined) {
    const position = new Map(plan.live.map((column, i) => [column.id, i]));
    const at = (id: number) => position.get(id) as number;
    schema = Object.freeze({
      name: def.name,
      columns: plan.live.map((c) => ({ name: c.name, type: c.type, notNull: c.notNull })),
      primaryKey: def.primaryKey.map(at),
      indexes: plan.indexes.map((i) => ({ name: i.index.name, columns: i.index.columns.map(at) })),
    });
    schemas.set(plan, schema);
    bindings.set(schema, { def, plan });
  }
  return schema;
}

function boundOf(schema: TableSchema): Bound {
  const bound = bindings.get(schema);
  assert(bound !== undefined, `table ${schema.name} comes from a snapshot`);
  return bound;
}

/** The store range of keys between two key-prefix bounds (see `KeyBound`). */
function keyRange(types: readonly TablePlan['keyTypes'][number][], range: ScanRange): KeyRange {
  const encode = (bound: KeyBound, after: boolean): Uint8Array => {
    const prefix = encodeKey(types.slice(0, bound.values.length), bound.values);
    return after ? keyPrefixEnd(prefix) : prefix;
  };
  const { lower, upper } = range;
  return {
    ...(lower === undefined ? {} : { lower: encode(lower, !lower.inclusive) }),
    ...(upper === undefined
      ? {}
      : { upper: encode(upper, upper.inclusive), upperInclusive: false }),
    reverse: range.reverse === true,
  };
}

export class TenantSnapshot implements Snapshot {
  readonly position: bigint;
  readonly #tenant: TenantState;
  readonly #reader: SpaceReader;
  /** `undefined`: the newest state (sequenced reads); otherwise the position read. */
  readonly #at: bigint | undefined;

  constructor(
    tenant: TenantState,
    reader: SpaceReader,
    options: { position: bigint; newest: boolean },
  ) {
    this.#tenant = tenant;
    this.#reader = reader;
    this.position = options.position;
    this.#at = options.newest ? undefined : options.position;
  }

  table(name: string): TableSchema | undefined {
    const def = tableByName(this.#tenant, name, this.#at);
    return def === undefined ? undefined : schemaOf(def, planOf(def, this.#at));
  }

  tables(): readonly TableSchema[] {
    const found: TableSchema[] = [];
    for (const def of this.#tenant.tables.values()) {
      if (tableByName(this.#tenant, def.name, this.#at)?.id !== def.id) continue;
      found.push(schemaOf(def, planOf(def, this.#at)));
    }
    return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(table: TableSchema, key: readonly SqlValue[]): Row | undefined {
    const { def, plan } = boundOf(table);
    const bytes = this.#reader.get(def.id, encodeKey(plan.keyTypes, key));
    return bytes === undefined ? undefined : decodeRow(def, bytes, this.#at);
  }

  *scan(table: TableSchema, range: ScanRange): Iterable<Row> {
    const { def, plan } = boundOf(table);
    if (range.index === undefined) {
      for (const { value } of this.#reader.scan(def.id, keyRange(plan.keyTypes, range))) {
        yield decodeRow(def, value, this.#at);
      }
      return;
    }
    const wanted = range.index.toLowerCase();
    const index = plan.indexes.find((i) => i.index.name.toLowerCase() === wanted);
    if (index === undefined) {
      throw new KimberliteError(
        ErrorCode.UnknownIndex,
        `Unknown index: ${range.index} on ${def.name}`,
      );
    }
    const indexTypes = index.types.slice(0, index.index.columns.length);
    for (const { key } of this.#reader.scan(index.index.id, keyRange(index.types, range))) {
      // An index entry's key is the index columns then the primary key columns.
      const bytes = this.#reader.get(def.id, keySuffix(indexTypes, key));
      assert(bytes !== undefined, `index ${index.index.name} points at a live row`);
      yield decodeRow(def, bytes, this.#at);
    }
  }
}
