/**
 * An in-memory `Snapshot` for the query engine's tests: each table is an array of rows kept
 * sorted by primary key, indexes are computed by sorting on the index columns then the key,
 * and `KeyBound` ranges compare key prefixes with `compareValues`, as the store's key codec
 * orders them. Counters record how the engine read (gets, scans, rows scanned).
 */
import { compareValues } from '../../../ts/query/expr/index.js';
import type { KeyBound, Row, ScanRange, Snapshot, TableSchema } from '../../../ts/query/types.js';
import { parseColumnType, type SqlValue, toSqlValue } from '../../../ts/types/index.js';

export interface TableSpec {
  readonly name: string;
  /** `[name, type]` or `[name, type, 'not null']`. */
  readonly columns: readonly (readonly string[])[];
  readonly primaryKey: readonly string[];
  readonly indexes?: readonly { readonly name: string; readonly columns: readonly string[] }[];
  readonly rows: readonly (readonly unknown[])[];
}

function compareKeys(a: readonly SqlValue[], b: readonly SqlValue[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareValues(a[i] as SqlValue, b[i] as SqlValue);
    if (c !== 0) return c;
  }
  return 0;
}

function inRange(key: readonly SqlValue[], range: ScanRange): boolean {
  const check = (bound: KeyBound | undefined, sign: 1 | -1): boolean => {
    if (bound === undefined) return true;
    const c = compareKeys(key.slice(0, bound.values.length), bound.values) * sign;
    return c > 0 || (c === 0 && bound.inclusive);
  };
  return check(range.lower, 1) && check(range.upper, -1);
}

export class MemorySnapshot implements Snapshot {
  readonly position = 1n;
  gets = 0;
  scans = 0;
  rowsScanned = 0;
  readonly #tables = new Map<string, { schema: TableSchema; rows: Row[] }>();

  constructor(specs: readonly TableSpec[]) {
    for (const spec of specs) this.#tables.set(spec.name, build(spec));
  }

  table(name: string): TableSchema | undefined {
    return this.#tables.get(name)?.schema;
  }

  tables(): readonly TableSchema[] {
    return [...this.#tables.values()]
      .map((t) => t.schema)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  get(table: TableSchema, key: readonly SqlValue[]): Row | undefined {
    this.gets++;
    checkKey(table, table.primaryKey, key);
    const rows = this.#tables.get(table.name)?.rows ?? [];
    return rows.find((row) => compareKeys(keyOf(row, table.primaryKey), key) === 0);
  }

  *scan(table: TableSchema, range: ScanRange): Iterable<Row> {
    this.scans++;
    const rows = this.#tables.get(table.name)?.rows ?? [];
    const columns =
      range.index === undefined
        ? table.primaryKey
        : [
            ...(table.indexes.find((i) => i.name === range.index)?.columns ?? []),
            ...table.primaryKey,
          ];
    checkKey(table, columns, range.lower?.values ?? []);
    checkKey(table, columns, range.upper?.values ?? []);
    const ordered = [...rows].sort((a, b) => compareKeys(keyOf(a, columns), keyOf(b, columns)));
    if (range.reverse === true) ordered.reverse();
    for (const row of ordered) {
      if (!inRange(keyOf(row, columns), range)) continue;
      this.rowsScanned++;
      yield row;
    }
  }
}

const INT_RANGES: Record<string, readonly [bigint, bigint]> = {
  smallint: [-(2n ** 15n), 2n ** 15n - 1n],
  integer: [-(2n ** 31n), 2n ** 31n - 1n],
};

/** Refuses key values the store's key codec would refuse, so tests see what it would do. */
function checkKey(table: TableSchema, columns: readonly number[], values: readonly SqlValue[]) {
  values.forEach((value, i) => {
    const type = table.columns[columns[i] as number]?.type;
    const range = type === undefined ? undefined : INT_RANGES[type.kind];
    if (range === undefined) return;
    if (value.kind !== 'integer' || value.value < range[0] || value.value > range[1]) {
      throw new Error(`key value out of range for ${type?.kind}`);
    }
  });
}

function keyOf(row: Row, columns: readonly number[]): SqlValue[] {
  return columns.map((i) => row[i] as SqlValue);
}

function build(spec: TableSpec): { schema: TableSchema; rows: Row[] } {
  const columns = spec.columns.map(([name, type, notNull]) => {
    const parsed = parseColumnType(type as string);
    if (parsed === undefined) throw new Error(`bad type ${type}`);
    return { name: name as string, type: parsed, notNull: notNull === 'not null' };
  });
  const at = (name: string) => columns.findIndex((c) => c.name === name);
  const schema: TableSchema = {
    name: spec.name,
    columns,
    primaryKey: spec.primaryKey.map(at),
    indexes: (spec.indexes ?? []).map((i) => ({ name: i.name, columns: i.columns.map(at) })),
  };
  const rows = spec.rows.map((values) =>
    columns.map((c, i) => toSqlValue(c.name, c.type, values[i] ?? null)),
  );
  rows.sort((a, b) => compareKeys(keyOf(a, schema.primaryKey), keyOf(b, schema.primaryKey)));
  return { schema, rows };
}
