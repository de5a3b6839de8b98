/**
 * Long differential runs from the command line (the vitest file runs a few thousand queries):
 *
 *   npx tsx test/query/differential/run.ts --seed 7 --queries 20000
 *   npx tsx test/query/differential/run.ts --seed 1..20 --queries 5000   # several seeds
 *   npx tsx test/query/differential/run.ts --seed 7 --query 1234         # one query, in full
 *   npx tsx test/query/differential/run.ts --seed 7 --writes 500         # UPDATE/DELETE
 *   npx tsx test/query/differential/run.ts --seed 7 --schema             # print the setup SQL
 *   npx tsx test/query/differential/run.ts --seed 7 --sqlite-only        # SQLite accepts all
 *   npx tsx test/query/differential/run.ts --seed 7 --postgres 'host=/tmp/pg user=postgres'
 *
 * `--postgres` compares PostgreSQL (through psql) with SQLite instead of our engine: it checks
 * the generator's claim that its queries are valid PostgreSQL on which the two agree.
 * Exits 1 when any query disagrees.
 */
import { parseArgs } from 'node:util';
import { showOutcome } from './compare.js';
import {
  check,
  database,
  describeFailure,
  type Engine,
  outcomesReason,
  queryAt,
  type RunReport,
  runQueries,
} from './differential.js';
import { PostgresSide } from './postgres_side.js';
import { SqliteSide } from './sqlite_side.js';
import { describeWriteFailure, runWrites } from './writes.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    queries: { type: 'string', default: '2000' },
    query: { type: 'string' },
    schema: { type: 'boolean', default: false },
    'sqlite-only': { type: 'boolean', default: false },
    postgres: { type: 'string' },
    writes: { type: 'string' },
    'failures-max': { type: 'string', default: '20' },
  },
});

function seedsOf(text: string): number[] {
  const [first, last] = text.split('..').map(Number);
  if (first === undefined || !Number.isInteger(first)) throw new Error(`bad --seed ${text}`);
  const end = last ?? first;
  return Array.from({ length: end - first + 1 }, (_, i) => first + i);
}

async function one(seed: number, index: number, sqlite: SqliteSide, ours: Engine | undefined) {
  const { tables } = database(seed);
  const query = queryAt(tables, seed, index);
  const verdict = await check(query, sqlite, ours);
  console.log(`${query.shape}, ordered: ${query.ordered}, oracle: ${query.oracle.kind}`);
  console.log(query.sql);
  if (query.oracle.kind === 'raises') console.log(`must raise when: ${query.oracle.badRows}`);
  console.log(`SQLite: ${showOutcome(verdict.expected, 200)}`);
  if (verdict.actual !== undefined) console.log(`compared: ${showOutcome(verdict.actual, 200)}`);
  console.log(verdict.reason === undefined ? 'agree' : `DISAGREE: ${verdict.reason}`);
  return verdict.reason === undefined ? 0 : 1;
}

function summary(seed: number, report: RunReport, millis: number): string {
  const shapes = [...report.shapes].map(([shape, n]) => `${shape} ${n}`).join(', ');
  const counts = `${report.failures.length} failures, ${report.bothErrored} refused by both`;
  const slow = report.slowest;
  const slowest = slow === undefined ? '' : `; slowest: query ${slow.index}, ${slow.millis} ms`;
  return `seed ${seed}: ${report.checked} queries in ${millis} ms, ${counts} (${shapes})${slowest}`;
}

/** Makes the engine compared with SQLite for each seed, and a way to release it all. */
async function engines(): Promise<{
  make: (
    seed: number,
    ordinal: number,
    statements: readonly string[],
  ) => Promise<Engine | undefined>;
  dispose: () => Promise<void>;
}> {
  const postgres = values.postgres;
  if (values['sqlite-only']) return { make: async () => undefined, dispose: async () => {} };
  if (postgres !== undefined) {
    const make = async (seed: number, _: number, statements: readonly string[]) =>
      new PostgresSide(postgres, `differential_${seed}`, statements);
    return { make, dispose: async () => {} };
  }
  // Loaded only here, so the generator can be checked while the engine does not build.
  const { KimberliteSide, temporaryDatabase } = await import('./kimberlite_side.js');
  const { db, dispose } = await temporaryDatabase('differential');
  const make = (_: number, ordinal: number, statements: readonly string[]) =>
    KimberliteSide.create(db, ordinal + 1, statements);
  return { make, dispose };
}

async function runSeed(seed: number, sqlite: SqliteSide, ours: Engine | undefined) {
  const { tables } = database(seed);
  const started = Date.now();
  const indexes = Array.from({ length: Number(values.queries) }, (_, i) => i);
  const failuresMax = Number(values['failures-max']);
  const report = await runQueries({ seed, tables, indexes, sqlite, ours, failuresMax });
  for (const failure of report.failures) console.log(`\n${describeFailure(failure)}`);
  console.log(summary(seed, report, Date.now() - started));
  return report.failures.length;
}

/** Writes 0..count-1 of `seed`; prints the first disagreement. */
async function writesOf(seed: number, sqlite: SqliteSide, ours: Engine | undefined) {
  if (ours === undefined) throw new Error('--writes needs an engine to compare');
  const { tables } = database(seed);
  const count = Number(values.writes);
  const compare = outcomesReason;
  const failure = await runWrites({ seed, tables, count, sqlite, ours, compare });
  console.log(
    failure === undefined ? `seed ${seed}: ${count} writes agree` : describeWriteFailure(failure),
  );
  return failure === undefined ? 0 : 1;
}

async function main(): Promise<number> {
  const { make, dispose } = await engines();
  let failed = 0;
  try {
    for (const [ordinal, seed] of seedsOf(values.seed).entries()) {
      const { statements } = database(seed);
      if (values.schema) console.log(`${statements.join(';\n')};`);
      const sqlite = new SqliteSide(statements);
      const ours = await make(seed, ordinal, statements);
      const index = values.query;
      if (values.writes !== undefined) failed += await writesOf(seed, sqlite, ours);
      else if (index === undefined) failed += await runSeed(seed, sqlite, ours);
      else failed += await one(seed, Number(index), sqlite, ours);
      sqlite.close();
    }
  } finally {
    await dispose();
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
