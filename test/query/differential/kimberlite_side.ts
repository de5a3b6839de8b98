/**
 * Our engine under comparison: a Kimberlite tenant in a temporary directory, answering with
 * `Outcome`s whose rows are normalised as SQLite's are (compare.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kimberlite, type Tenant } from '../../../ts/index.js';
import { errorOutcome, normaliseRows, type Outcome } from './compare.js';

/** A statement not settled by then is reported as a failure (with its SQL) instead of
 * leaving the test to time out. */
const STATEMENT_SETTLE_MS_MAX = 10_000;

/** `promise`, or a rejection once it has not settled for `STATEMENT_SETTLE_MS_MAX`. */
async function settling<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`did not settle within ${STATEMENT_SETTLE_MS_MAX} ms`)),
      STATEMENT_SETTLE_MS_MAX,
    );
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A column our engine answers with exact decimals (as strings). */
const DECIMAL_TYPE = /^(decimal|numeric)/i;

export class KimberliteSide {
  readonly #tenant: Tenant;

  private constructor(tenant: Tenant) {
    this.#tenant = tenant;
  }

  /** A fresh tenant of `db` holding the schema and rows of `statements`. */
  static async create(
    db: Kimberlite,
    tenantId: number,
    statements: readonly string[],
  ): Promise<KimberliteSide> {
    const tenant = await db.createTenant(tenantId, { name: `differential-${tenantId}` });
    for (const sql of statements) {
      try {
        await tenant.execute(sql);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`setting up the schema failed (${message}) at: ${sql}`, { cause: error });
      }
    }
    return new KimberliteSide(tenant);
  }

  async execute(sql: string): Promise<Outcome> {
    try {
      return { kind: 'changed', count: (await settling(this.#tenant.execute(sql))).rowsAffected };
    } catch (error) {
      return errorOutcome(error);
    }
  }

  async query(sql: string): Promise<Outcome> {
    try {
      const answer = await settling(this.#tenant.query(sql));
      const decimal = answer.columns.map((c) => DECIMAL_TYPE.test(c.type));
      return { kind: 'rows', rows: normaliseRows(answer.rows, decimal) };
    } catch (error) {
      return errorOutcome(error);
    }
  }
}

/** A database in a fresh temporary directory, and how to close and remove it. */
export async function temporaryDatabase(
  label: string,
): Promise<{ db: Kimberlite; dispose: () => Promise<void> }> {
  const directory = mkdtempSync(join(tmpdir(), `kimberlite-${label}-`));
  const db = await Kimberlite.open(directory, { segmentSizeBytes: 1024 * 1024 });
  const dispose = async (): Promise<void> => {
    await db.close();
    rmSync(directory, { recursive: true, force: true });
  };
  return { db, dispose };
}
