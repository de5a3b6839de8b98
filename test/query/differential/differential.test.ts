/**
 * The SQL engine answers generated queries as SQLite does, and applies generated writes
 * (INSERT, UPDATE, DELETE) as SQLite does (see queries.ts and writes.ts for what is generated
 * and which differences between PostgreSQL and SQLite are kept out). A failure prints the
 * seed, the statement, both answers and the command that re-runs it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kimberlite } from '../../../ts/index.js';
import { database, describeFailure, outcomesReason, runQueries } from './differential.js';
import { KimberliteSide, temporaryDatabase } from './kimberlite_side.js';
import { SqliteSide } from './sqlite_side.js';
import { describeWriteFailure, runWrites } from './writes.js';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const QUERIES_PER_SEED = 600;
const FAILURES_SHOWN_MAX = 5;
const WRITE_SEEDS = [1, 2, 3, 4, 5];
const WRITES_PER_SEED = 200;

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

describe('the SQL engine against SQLite', () => {
  let db: Kimberlite;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ db, dispose } = await temporaryDatabase('differential'));
  });

  afterAll(async () => {
    await dispose();
  });

  for (const [i, seed] of SEEDS.entries()) {
    it(`answers ${QUERIES_PER_SEED} generated queries of seed ${seed} as SQLite does`, async () => {
      const { tables, statements } = database(seed);
      const sqlite = new SqliteSide(statements);
      const ours = await KimberliteSide.create(db, i + 1, statements);
      const indexes = range(QUERIES_PER_SEED);
      const failuresMax = FAILURES_SHOWN_MAX;
      const report = await runQueries({ seed, tables, indexes, sqlite, ours, failuresMax });
      sqlite.close();
      expect(report.failures.map(describeFailure).join('\n\n')).toBe('');
      expect(report.checked).toBe(QUERIES_PER_SEED);
    });
  }

  for (const seed of WRITE_SEEDS) {
    it(`applies ${WRITES_PER_SEED} generated writes of seed ${seed} as SQLite does`, async () => {
      // A database of its own: a write stuck in one must not fail the others.
      const own = await temporaryDatabase('differential-writes');
      try {
        const { tables, statements } = database(seed);
        const sqlite = new SqliteSide(statements);
        const ours = await KimberliteSide.create(own.db, 1, statements);
        const count = WRITES_PER_SEED;
        const compare = outcomesReason;
        const failure = await runWrites({ seed, tables, count, sqlite, ours, compare });
        sqlite.close();
        expect(failure === undefined ? '' : describeWriteFailure(failure)).toBe('');
      } finally {
        await own.dispose();
      }
    });
  }
});
