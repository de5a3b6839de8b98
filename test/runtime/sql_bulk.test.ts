/**
 * The SQL write path with many parameters (ts/runtime/sql_session.ts, the bulk INSERT parse):
 * a 1,000-row parameterized INSERT, the plan cache keyed by the parameters' types, and the
 * per-parameter conversions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Kimberlite, Tenant } from '../../ts/runtime/index.js';
import { dataDirectory, openDatabase, removeDirectory } from './fixture.js';

const opened: { db: Kimberlite; dir: string }[] = [];

async function patients(): Promise<Tenant> {
  const dir = dataDirectory('sql-bulk');
  const db = await openDatabase(dir);
  opened.push({ db, dir });
  const tenant = await db.createTenant(1, { name: 'bulk' });
  await tenant.execute(
    'CREATE TABLE patients (id BIGINT PRIMARY KEY, name TEXT NOT NULL, ward VARCHAR(3), ' +
      'age INTEGER)',
  );
  await tenant.execute('CREATE INDEX patients_by_age ON patients (age)');
  return tenant;
}

afterEach(async () => {
  for (const { db, dir } of opened.splice(0)) {
    await db.close();
    removeDirectory(dir);
  }
});

function placeholders(rows: number, columns: number): string {
  let n = 1;
  return Array.from(
    { length: rows },
    () => `(${Array.from({ length: columns }, () => `$${n++}`).join(', ')})`,
  ).join(', ');
}

describe('bulk parameterized INSERT', () => {
  it('inserts 1,000 rows per statement, twice with the same text', async () => {
    const tenant = await patients();
    const sql = `INSERT INTO patients VALUES ${placeholders(1000, 4)}`;
    for (const first of [0, 1000]) {
      const params = Array.from({ length: 1000 }, (_, i) => {
        const id = first + i;
        return [id, `P${id}`, id % 7 === 0 ? null : 'A', id % 90];
      }).flat();
      const done = await tenant.execute(sql, params);
      expect(done.rowsAffected).toBe(1000);
    }
    const count = await tenant.query('SELECT count(*), sum(age) FROM patients');
    expect(count.rows).toEqual([[2000n, 88_300n]]);
    const row = await tenant.query('SELECT * FROM patients WHERE id = $1', [1234]);
    expect(row.rows).toEqual([[1234n, 'P1234', 'A', 64]]);
    const nulls = await tenant.query('SELECT count(*) FROM patients WHERE ward IS NULL');
    expect(nulls.rows).toEqual([[286n]]);
  });

  it('plans again when the same text comes with other parameter types', async () => {
    const tenant = await patients();
    const sql = `INSERT INTO patients VALUES ${placeholders(10, 4)}`;
    const numbers = Array.from({ length: 10 }, (_, i) => [i, `n${i}`, 'B', i]).flat();
    await tenant.execute(sql, numbers);
    // Text for the integers now (untyped, parsed by the column), and bigints.
    const texts = Array.from({ length: 10 }, (_, i) => [`${100 + i}`, `t${i}`, 'C', `${i}`]).flat();
    await tenant.execute(sql, texts);
    const bigints = Array.from({ length: 10 }, (_, i) => [BigInt(200 + i), 'b', 'D', 5n]).flat();
    await tenant.execute(sql, bigints);
    const result = await tenant.query(
      'SELECT ward, count(*), sum(id) FROM patients GROUP BY ward ORDER BY ward',
    );
    // sum(bigint) is NUMERIC, returned as its exact text.
    expect(result.rows).toEqual([
      ['B', 10n, '45'],
      ['C', 10n, '1045'],
      ['D', 10n, '2045'],
    ]);
  });

  it('refuses a bad row of a bulk statement as a whole, naming the column', async () => {
    const tenant = await patients();
    const sql = `INSERT INTO patients VALUES ${placeholders(10, 4)}`;
    const params = Array.from({ length: 10 }, (_, i) => [i, 'x', 'A', i]).flat();
    params[4 * 7 + 3] = 2 ** 40; // age of the 8th row: past INTEGER
    await expect(tenant.execute(sql, params)).rejects.toThrow(/integer out of range in column age/);
    params[4 * 7 + 3] = 1;
    params[4 * 2 + 2] = 'ABCD'; // ward of the 3rd row: past VARCHAR(3)
    await expect(tenant.execute(sql, params)).rejects.toThrow(/VARCHAR\(3\) in column ward/);
    params[4 * 2 + 2] = 'A';
    await expect(tenant.execute(sql, params.slice(1))).rejects.toThrow(/40 parameter\(s\)/);
    const count = await tenant.query('SELECT count(*) FROM patients');
    expect(count.rows).toEqual([[0n]]);
  });
});
