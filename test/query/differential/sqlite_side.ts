/**
 * SQLite as the reference engine (better-sqlite3, in memory), with case-sensitive LIKE as in
 * PostgreSQL. Answers are `Outcome`s with normalised rows (compare.ts).
 */
import Database from 'better-sqlite3';
import { errorOutcome, normaliseRows, type Outcome } from './compare.js';

export class SqliteSide {
  readonly #db: Database.Database;

  constructor(statements: readonly string[]) {
    this.#db = new Database(':memory:');
    // SQLite's LIKE ignores ASCII case by default; PostgreSQL's does not.
    this.#db.pragma('case_sensitive_like = ON');
    for (const sql of statements) this.#db.exec(sql);
  }

  query(sql: string): Outcome {
    try {
      const rows = this.#db.prepare(sql).raw().all() as unknown[][];
      return { kind: 'rows', rows: normaliseRows(rows) };
    } catch (error) {
      return errorOutcome(error);
    }
  }

  /** Runs a write; SQLite rolls a failing statement back whole, as PostgreSQL does. */
  execute(sql: string): Outcome {
    try {
      return { kind: 'changed', count: this.#db.prepare(sql).run().changes };
    } catch (error) {
      return errorOutcome(error);
    }
  }

  close(): void {
    this.#db.close();
  }
}
