/**
 * The write half of the differential test: seeded INSERT (fresh keys, NULLs, one or more
 * rows), UPDATE and DELETE statements (with an alias, expressions over the row, and WHERE
 * predicates) run on SQLite and on our engine, which must
 * change the same number of rows and leave the same table behind. Unlike queries, writes
 * change what later statements see, so write i is re-run by replaying writes 0..i.
 *
 * What keeps the two engines comparable, beyond the expression rules of expressions.ts:
 * - no subqueries: during an UPDATE, SQLite's subqueries over the table being written may see
 *   rows this statement already changed; PostgreSQL's read the statement's snapshot;
 * - key columns are never assigned (uniqueness is checked row by row in both engines, so a
 *   key shift could fail or not depending on row order);
 * - an INTEGER column only gets int4 values, a REAL column only REAL expressions: PostgreSQL
 *   casts on assignment (and raises when out of range), SQLite stores what it is given.
 * A NULL assigned to a NOT NULL column fails the whole statement in both.
 */
import type { Outcome } from './compare.js';
import { showOutcome } from './compare.js';
import { type Ex, ExprGen, ID_BOUND, type Scope } from './expressions.js';
import { deriveSeed, Prng } from './prng.js';
import { type GenColumn, type GenTable, valueLiteral } from './schema.js';

export interface GenWrite {
  readonly sql: string;
  readonly table: GenTable;
}

/** An engine that runs writes and reads. */
export interface Writer {
  execute(sql: string): Outcome | Promise<Outcome>;
  query(sql: string): Outcome | Promise<Outcome>;
  /** Reads an answer in the light of SQLite's (see differential.ts `Engine`). */
  align?(actual: Outcome, expected: Outcome): Outcome;
}

export interface WriteFailure {
  readonly seed: number;
  readonly index: number;
  readonly sql: string;
  readonly reason: string;
  readonly expected: Outcome;
  readonly actual: Outcome;
}

/** Writes draw from their own seed stream, apart from the queries of the same seed. */
const WRITE_STREAM = 0x5eed_0001;
/** Inserted rows get ids from here up, `index * 3 + j`: never a duplicate key, and below
 * ID_BOUND (the generator's bound for ids) for the first INSERTS_INDEX_MAX writes. */
const INSERTED_ID_MIN = 1000;
const INSERTS_INDEX_MAX = Math.floor((ID_BOUND - INSERTED_ID_MIN) / 3) - 1;

function value(x: ExprGen, column: GenColumn, scope: Scope): string {
  const pick = (cls: Ex['cls'], fits: (e: Ex) => boolean): string => {
    for (let attempt = 0; attempt < 4; attempt++) {
      const e = x.flat(() => x.expr(cls, scope, 2));
      if (fits(e)) return e.sql;
    }
    return x.literal(cls).sql;
  };
  switch (column.kind) {
    case 'integer':
      return pick('int', (e) => !e.wide && e.numeric !== true);
    case 'bigint':
      return pick('int', () => true);
    case 'real':
      return pick('real', () => true);
    case 'text':
      return pick('text', () => true);
    case 'boolean':
      return x.flat(() => x.predicate(scope, 2)).sql;
  }
}

/** 1-3 new rows of `table` with fresh ids (NULL in a NOT NULL column fails in both). */
function insert(prng: Prng, table: GenTable, index: number): GenWrite {
  const rows = Array.from({ length: prng.int(1, 3) }, (_, j) => {
    const values = table.columns.map((column) => {
      if (column.name === 'id') return `${INSERTED_ID_MIN + index * 3 + j}`;
      if (column.name === 'k') return `${prng.int(0, 6)}`;
      return valueLiteral(prng, { ...column, notNull: column.notNull || prng.chance(0.9) });
    });
    return `(${values.join(', ')})`;
  });
  const names = table.columns.map((c) => c.name).join(', ');
  return { sql: `INSERT INTO ${table.name} (${names}) VALUES ${rows.join(', ')}`, table };
}

export function writeAt(tables: readonly GenTable[], seed: number, index: number): GenWrite {
  const prng = new Prng(deriveSeed(seed ^ WRITE_STREAM, index));
  const x = new ExprGen(prng, tables);
  const table = prng.pick(tables);
  if (index <= INSERTS_INDEX_MAX && prng.chance(0.3)) return insert(prng, table, index);
  const rel = x.baseRel(table);
  const scope: Scope = { cols: rel.cols, outer: [] };
  const where = ` WHERE ${x.flat(() => x.predicate(scope, 2)).sql}`;
  const settable = table.columns.filter(
    (c) => c.name !== 'id' && !table.primaryKey.includes(c.name),
  );
  if (settable.length === 0 || prng.chance(0.2)) {
    return { sql: `DELETE FROM ${rel.sql}${where}`, table };
  }
  const sets = prng.some(settable, 2).map((c) => `${c.name} = ${value(x, c, scope)}`);
  return { sql: `UPDATE ${rel.sql} SET ${sets.join(', ')}${where}`, table };
}

/** Runs writes 0..count-1 on both engines; stops at the first disagreement. */
export async function runWrites(options: {
  readonly seed: number;
  readonly tables: readonly GenTable[];
  readonly count: number;
  readonly sqlite: Writer;
  readonly ours: Writer;
  readonly compare: (expected: Outcome, actual: Outcome, ordered: boolean) => string | undefined;
}): Promise<WriteFailure | undefined> {
  const { seed, sqlite, ours, compare } = options;
  for (let index = 0; index < options.count; index++) {
    const write = writeAt(options.tables, seed, index);
    const expected = await sqlite.execute(write.sql);
    const actual = await ours.execute(write.sql);
    const reason = compare(expected, actual, false);
    if (reason !== undefined) return { seed, index, sql: write.sql, reason, expected, actual };
    const read = `SELECT * FROM ${write.table.name} ORDER BY id`;
    const table = await sqlite.query(read);
    const answer = await ours.query(read);
    const after = ours.align === undefined ? answer : ours.align(answer, table);
    const differs = compare(table, after, true);
    if (differs !== undefined) {
      const reason = `afterwards ${write.table.name} differs: ${differs}`;
      return { seed, index, sql: write.sql, reason, expected: table, actual: after };
    }
  }
  return undefined;
}

export function describeWriteFailure(failure: WriteFailure): string {
  const count = failure.index + 1;
  return [
    `Differential write mismatch, seed ${failure.seed}, write ${failure.index}: ${failure.reason}`,
    `SQL: ${failure.sql}`,
    `SQLite: ${showOutcome(failure.expected)}`,
    `Kimberlite: ${showOutcome(failure.actual)}`,
    `Re-run: npx tsx test/query/differential/run.ts --seed ${failure.seed} --writes ${count}`,
  ].join('\n');
}
