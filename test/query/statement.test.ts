/**
 * SQL statements end to end through the embedded API (`execute` / `query`): DDL, DML with
 * RETURNING and ON CONFLICT, the write path's resolution against the sequenced state, plan
 * cache invalidation by schema changes, time travel and the errors users meet.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Kimberlite, Tenant } from '../../ts/runtime/index.js';
import { dataDirectory, openDatabase, removeDirectory } from '../runtime/fixture.js';

let directory: string;
let db: Kimberlite;
let clinic: Tenant;

beforeEach(async () => {
  directory = dataDirectory('sql');
  db = await openDatabase(directory);
  clinic = await db.createTenant(1, { name: 'clinic' });
  await clinic.execute(
    'CREATE TABLE patients ' +
      '(id BIGINT PRIMARY KEY, name TEXT NOT NULL, ward VARCHAR(5), visits INTEGER)',
  );
});

afterEach(async () => {
  await db.close();
  removeDirectory(directory);
});

async function rows(sql: string, params: unknown[] = []): Promise<unknown[][]> {
  return (await clinic.query(sql, params)).rows;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code: string }).code;
  }
  return 'no error';
}

describe('execute and query', () => {
  it('runs the README example: insert with parameters, read now and as of a position', async () => {
    const w = await clinic.execute('INSERT INTO patients VALUES ($1, $2, $3, $4)', [
      1n,
      'Jane Doe',
      'A',
      2,
    ]);
    expect(w.rowsAffected).toBe(1);
    expect(w.position).toBe(db.position);
    await clinic.execute("INSERT INTO patients (id, name) VALUES (2, 'John Roe')");
    const now = await clinic.query('SELECT * FROM patients ORDER BY id');
    expect(now.columns).toEqual([
      { name: 'id', type: 'BIGINT' },
      { name: 'name', type: 'TEXT' },
      { name: 'ward', type: 'VARCHAR(5)' },
      { name: 'visits', type: 'INTEGER' },
    ]);
    expect(now.rows).toEqual([
      [1n, 'Jane Doe', 'A', 2],
      [2n, 'John Roe', null, null],
    ]);
    const then = await clinic.query('SELECT id FROM patients', [], { at: w.position });
    expect(then.rows).toEqual([[1n]]);
    expect(then.position).toBe(w.position);
    const clause = await clinic.query(`SELECT id FROM patients AT OFFSET ${w.position}`);
    expect(clause.rows).toEqual([[1n]]);
  });

  it('writes a multi-row INSERT as one atomic entry: a duplicate key fails it all', async () => {
    await clinic.execute("INSERT INTO patients VALUES (1, 'a', 'A', 0)");
    const before = db.position;
    expect(
      await codeOf(
        clinic.execute("INSERT INTO patients VALUES (2, 'b', 'A', 0), (1, 'c', 'A', 0)"),
      ),
    ).toBe('DUPLICATE_PRIMARY_KEY');
    expect(db.position).toBe(before);
    expect(await rows('SELECT id FROM patients')).toEqual([[1n]]);
    const both = await clinic.execute(
      "INSERT INTO patients VALUES (2, 'b', 'A', 0), (3, 'c', 'B', 1)",
    );
    expect(both.rowsAffected).toBe(2);
    expect(both.position).toBe(before + 1n);
  });

  it('inserts from a SELECT, upserts with ON CONFLICT and returns RETURNING rows', async () => {
    await clinic.execute("INSERT INTO patients VALUES (1, 'a', 'A', 1), (2, 'b', 'B', 2)");
    await clinic.execute('CREATE TABLE archive (id BIGINT PRIMARY KEY, name TEXT)');
    const copied = await clinic.execute(
      'INSERT INTO archive SELECT id, name FROM patients WHERE visits > 1',
    );
    expect(copied.rowsAffected).toBe(1);
    expect(await rows('SELECT * FROM archive')).toEqual([[2n, 'b']]);

    const upsert = await clinic.execute(
      "INSERT INTO patients VALUES (2, 'B2', 'B', 0), (3, 'c', 'C', 0) " +
        'ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, visits = patients.visits + 10 ' +
        'RETURNING id, name, visits',
    );
    expect(upsert.rowsAffected).toBe(2);
    expect(upsert.columns.map((c) => c.name)).toEqual(['id', 'name', 'visits']);
    expect(upsert.rows).toEqual([
      [2n, 'B2', 12],
      [3n, 'c', 0],
    ]);
    const nothing = await clinic.execute(
      "INSERT INTO patients VALUES (1, 'x', 'X', 0) ON CONFLICT (id) DO NOTHING",
    );
    expect(nothing.rowsAffected).toBe(0);
    expect(await rows('SELECT name FROM patients WHERE id = 1')).toEqual([['a']]);
  });

  it('fills missing trailing columns with NULL; DO NOTHING needs no target', async () => {
    await clinic.execute("INSERT INTO patients VALUES (1, 'a')");
    expect(await rows('SELECT * FROM patients')).toEqual([[1n, 'a', null, null]]);
    const skipped = await clinic.execute(
      "INSERT INTO patients VALUES (1, 'b') ON CONFLICT DO NOTHING",
    );
    expect(skipped.rowsAffected).toBe(0);
    const failure = await clinic
      .execute("INSERT INTO patients VALUES (1, 'b') ON CONFLICT DO UPDATE SET name = 'c'")
      .catch((error: { code: string; message: string }) => `${error.code}: ${error.message}`);
    expect(failure).toBe(
      'INVALID_ARGUMENT: ON CONFLICT DO UPDATE needs a conflict target: ON CONFLICT (id)',
    );
    const twice = await clinic
      .execute(
        "INSERT INTO patients VALUES (7, 'x'), (7, 'y') ON CONFLICT (id) DO UPDATE SET name = 'z'",
      )
      .catch((error: { code: string; message: string }) => `${error.code}: ${error.message}`);
    expect(twice).toBe(
      'CARDINALITY_VIOLATION: ON CONFLICT DO UPDATE would change the row with key (7) of ' +
        'patients a second time: the inserted rows repeat a key',
    );
  });

  it('updates and deletes by WHERE with expressions and RETURNING', async () => {
    await clinic.execute(
      "INSERT INTO patients VALUES (1, 'a', 'A', 1), (2, 'b', 'B', 2), (3, 'c', 'A', 3)",
    );
    const updated = await clinic.execute(
      'UPDATE patients SET visits = visits * 2, name = upper(name) WHERE ward = $1 ' +
        'RETURNING id, visits',
      ['A'],
    );
    expect(updated.rowsAffected).toBe(2);
    expect(updated.rows).toEqual([
      [1n, 2],
      [3n, 6],
    ]);
    const deleted = await clinic.execute('DELETE FROM patients WHERE visits > 5 RETURNING *');
    expect(deleted.rows).toEqual([[3n, 'C', 'A', 6]]);
    expect(await rows('SELECT id, name, visits FROM patients ORDER BY id')).toEqual([
      [1n, 'A', 2],
      [2n, 'b', 2],
    ]);
  });

  it('writes nothing for an UPDATE matching no row or CREATE TABLE IF NOT EXISTS', async () => {
    const before = db.position;
    const none = await clinic.execute('UPDATE patients SET visits = 1 WHERE id = 99');
    expect(none.rowsAffected).toBe(0);
    expect(none.position).toBe(before);
    await clinic.execute('CREATE TABLE IF NOT EXISTS patients (id BIGINT PRIMARY KEY)');
    await clinic.execute('DROP TABLE IF EXISTS nothing_here');
    expect(db.position).toBe(before);
    expect(await codeOf(clinic.execute('CREATE TABLE patients (id BIGINT PRIMARY KEY)'))).toBe(
      'TABLE_EXISTS',
    );
  });

  it('settles a write that changes nothing right after a write that failed', async () => {
    await clinic.execute("INSERT INTO patients VALUES (1, 'a', 'A', 0)");
    expect(await codeOf(clinic.execute("INSERT INTO patients VALUES (1, 'b', 'B', 0)"))).toBe(
      'DUPLICATE_PRIMARY_KEY',
    );
    const none = await clinic.execute('UPDATE patients SET visits = 2 WHERE id = 99');
    expect(none).toMatchObject({ rowsAffected: 0, position: db.position });
  });

  it('resolves each write against everything sequenced before it', async () => {
    await clinic.execute("INSERT INTO patients VALUES (1, 'a', 'A', 0)");
    const increments = Array.from({ length: 20 }, () =>
      clinic.execute('UPDATE patients SET visits = visits + 1 WHERE id = 1'),
    );
    await Promise.all(increments);
    expect(await rows('SELECT visits FROM patients')).toEqual([[20]]);
    const inserts = Array.from({ length: 10 }, (_, i) =>
      clinic.execute('INSERT INTO patients VALUES ($1, $2, $3, $4)', [i + 10, `p${i}`, 'B', i]),
    );
    const counted = clinic.execute("UPDATE patients SET ward = 'C' WHERE ward = 'B'");
    await Promise.all(inserts);
    expect((await counted).rowsAffected).toBe(10);
  });

  it('plans again after a schema change: SELECT * sees added columns, not dropped', async () => {
    await clinic.execute("INSERT INTO patients VALUES (1, 'a', 'A', 1)");
    expect(await rows('SELECT * FROM patients')).toEqual([[1n, 'a', 'A', 1]]);
    await clinic.execute('ALTER TABLE patients ADD COLUMN note TEXT');
    expect(await rows('SELECT * FROM patients')).toEqual([[1n, 'a', 'A', 1, null]]);
    const dropped = await clinic.execute('ALTER TABLE patients DROP COLUMN ward');
    expect(await rows('SELECT * FROM patients')).toEqual([[1n, 'a', 1, null]]);
    const earlier = await clinic.query('SELECT * FROM patients', [], { at: dropped.position - 1n });
    expect(earlier.rows).toEqual([[1n, 'a', 'A', 1, null]]);
    expect(await codeOf(clinic.execute('ALTER TABLE patients DROP COLUMN id'))).toBe(
      'INVALID_SCHEMA',
    );
  });

  it('creates indexes, uses them in EXPLAIN, and lists tables and columns', async () => {
    await clinic.execute('CREATE INDEX patients_by_ward ON patients (ward)');
    await clinic.execute('CREATE INDEX IF NOT EXISTS patients_by_ward ON patients (ward)');
    await clinic.execute("INSERT INTO patients VALUES (1, 'a', 'A', 1), (2, 'b', 'B', 2)");
    expect(await rows("SELECT id FROM patients WHERE ward = 'B'")).toEqual([[2n]]);
    const plan = (
      await clinic.query("EXPLAIN SELECT id FROM patients WHERE ward = 'B'")
    ).rows.flat();
    expect(plan.join('\n')).toContain('patients_by_ward');
    expect(await rows('SHOW TABLES')).toEqual([['patients']]);
    expect(await rows('SHOW COLUMNS FROM patients')).toEqual([
      ['id', 'BIGINT', 'NO'],
      ['name', 'TEXT', 'NO'],
      ['ward', 'VARCHAR(5)', 'YES'],
      ['visits', 'INTEGER', 'YES'],
    ]);
  });

  it('reports bad input with a code and a message that says what is wrong', async () => {
    const failure = async (promise: Promise<unknown>) => {
      try {
        await promise;
      } catch (error) {
        const { code, message } = error as { code: string; message: string };
        return `${code}: ${message}`;
      }
      return 'no error';
    };
    expect(await failure(clinic.execute('CREATE TABLE t (a INTEGER)'))).toMatch(
      /^INVALID_SCHEMA: .*primary key/,
    );
    expect(await failure(clinic.execute('INSERT INTO patients (id) VALUES (1)'))).toBe(
      'NOT_NULL_VIOLATION: NULL value in NOT NULL column name',
    );
    expect(
      await failure(clinic.execute("INSERT INTO patients VALUES (1, 'a', 'toolong', 1)")),
    ).toMatch(/^INVALID_VALUE: .*VARCHAR\(5\).*ward/);
    expect(await failure(clinic.query('SELECT pateint_id FROM patients'))).toMatch(
      /^UNKNOWN_COLUMN: /,
    );
    expect(await failure(clinic.query('SELECT * FROM patients WHERE id = $1'))).toMatch(
      /^INVALID_PARAMETER: /,
    );
    expect(await failure(clinic.query("INSERT INTO patients VALUES (1, 'a', 'A', 1)"))).toMatch(
      /^INVALID_ARGUMENT: query\(\) runs SELECT/,
    );
    expect(await failure(clinic.query('SELEC 1'))).toMatch(/^SYNTAX_ERROR: /);
    expect(
      await failure(clinic.query(`SELECT * FROM patients AT OFFSET ${db.position + 5n}`)),
    ).toMatch(/^POSITION_OUT_OF_RANGE: /);
    expect(
      await failure(
        clinic.execute('INSERT INTO patients VALUES (1, $1, NULL, 1) AT OFFSET 1', ['a']),
      ),
    ).toMatch(/^NOT_SUPPORTED: /);
  });

  it('reads as of a timestamp: the last position committed at or before it', async () => {
    const first = await clinic.execute("INSERT INTO patients VALUES (1, 'a', 'A', 1)");
    await new Promise((resolve) => setTimeout(resolve, 20));
    const between = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await clinic.execute("INSERT INTO patients VALUES (2, 'b', 'A', 1)");
    const result = await clinic.query(`SELECT id FROM patients AS OF TIMESTAMP '${between}'`);
    expect(result.position).toBe(first.position);
    expect(result.rows).toEqual([[1n]]);
    expect(
      await codeOf(clinic.query("SELECT id FROM patients AS OF TIMESTAMP '2001-01-01 00:00:00'")),
    ).toBe('POSITION_OUT_OF_RANGE');
  });

  it('keeps SQL writes across a reopen', async () => {
    await clinic.execute("INSERT INTO patients VALUES (1, 'a', 'A', 1)");
    await db.close();
    db = await openDatabase(directory);
    clinic = db.tenant(1);
    expect(await rows('SELECT name FROM patients WHERE id = $1', [1])).toEqual([['a']]);
  });
});
