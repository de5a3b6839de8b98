import { describe, expect, test } from 'vitest';
import { clinic } from './fixtures.js';
import { explain, prepare, rows, runPrepared } from './harness.js';
import { MemorySnapshot } from './memory_snapshot.js';

describe('access paths', () => {
  test('a full primary-key equality is one get', () => {
    const s = clinic();
    expect(rows(s, 'SELECT name FROM patients WHERE id = $1', [3])).toEqual([['Cy']]);
    expect(s.gets).toBe(1);
    expect(s.scans).toBe(0);
    expect(explain(s, 'SELECT * FROM patients WHERE id = $1', [3])).toEqual([
      'PrimaryKeyLookup patients [id = $1]',
    ]);
  });

  test('the key value is cast to the key column type', () => {
    const s = clinic();
    expect(rows(s, "SELECT name FROM patients WHERE id = '2'")).toEqual([['Bo']]);
    expect(rows(s, 'SELECT name FROM patients WHERE 5 = id')).toEqual([['Ed']]);
    expect(s.gets).toBe(2);
  });

  test('a NULL key matches nothing without reading', () => {
    const s = clinic();
    expect(rows(s, 'SELECT name FROM patients WHERE id = $1', [null])).toEqual([]);
    expect(s.gets).toBe(0);
  });

  test('a key compared with a value of another kind is filtered, not looked up', () => {
    const s = clinic();
    expect(rows(s, 'SELECT name FROM patients WHERE id = 2.5')).toEqual([]);
    expect(explain(s, 'SELECT name FROM patients WHERE id = 2.5')).toEqual([
      'SeqScan patients filter (id = 2.5)',
    ]);
  });

  test('other conditions stay as a filter on the lookup', () => {
    const s = clinic();
    expect(rows(s, 'SELECT name FROM patients WHERE id = 1 AND age > 40')).toEqual([]);
    expect(explain(s, 'SELECT name FROM patients WHERE id = 1 AND age > 40')).toEqual([
      'PrimaryKeyLookup patients [id = 1] filter (age > 40)',
    ]);
  });

  test('range predicates on the key scan only the range', () => {
    const s = clinic();
    expect(rows(s, 'SELECT id FROM patients WHERE id > 2 AND id <= 4')).toEqual([[3], [4]]);
    expect(s.rowsScanned).toBe(2);
    expect(rows(s, 'SELECT id FROM patients WHERE id BETWEEN $1 AND $2', [2, 3])).toEqual([
      [2],
      [3],
    ]);
  });

  test('a condition only partly answered by the key stays as a filter', () => {
    const s = clinic();
    const sql = 'SELECT id FROM patients WHERE id BETWEEN 2 AND age';
    expect(rows(s, sql)).toEqual([[2], [3], [5]]);
    expect(explain(s, sql)).toEqual([
      'PrimaryKeyRange patients [id BETWEEN 2 AND age] filter (id BETWEEN 2 AND age)',
    ]);
  });

  test('a composite key prefix equality plus a range on the next column', () => {
    const s = clinic();
    const sql = "SELECT seq FROM readings WHERE device = 'a' AND seq >= 2";
    expect(rows(s, sql)).toEqual([[2], [3]]);
    expect(s.rowsScanned).toBe(2);
    expect(explain(s, sql)).toEqual([
      "PrimaryKeyRange readings [device = 'a' AND seq >= 2] filter (seq >= 2)",
    ]);
    expect(rows(s, "SELECT value FROM readings WHERE device = 'b' AND seq = 2")).toEqual([[20]]);
    expect(s.gets).toBe(1);
  });

  test('a secondary index serves equality on its columns', () => {
    const s = clinic();
    const sql = 'SELECT id FROM visits WHERE patient_id = $1 ORDER BY id';
    expect(rows(s, sql, [1])).toEqual([[10], [11]]);
    expect(s.rowsScanned).toBe(2);
    expect(explain(s, sql, [1])).toEqual([
      'Sort id',
      '  IndexRange visits.by_patient [patient_id = $1]',
    ]);
  });

  test('conditions are pushed below joins to the table they read', () => {
    const s = clinic();
    const sql = `SELECT v.id, d.name FROM visits v JOIN doctors d ON d.id = v.doctor_id
      WHERE v.patient_id = 1 AND d.id = 100`;
    expect(rows(s, sql)).toEqual([[10, 'House']]);
    expect(explain(s, sql)).toEqual([
      'HashJoin inner on d.id = v.doctor_id',
      '  IndexRange visits.by_patient [v.patient_id = 1]',
      '  PrimaryKeyLookup doctors d [d.id = 100]',
    ]);
  });

  test('a plan runs many times with different parameters', () => {
    const s = clinic();
    const prepared = prepare(s, 'SELECT name FROM patients WHERE id = $1', [1]);
    expect(runPrepared(prepared, s, [1])).toEqual([['Ada']]);
    expect(runPrepared(prepared, s, [4])).toEqual([['Di']]);
    expect(runPrepared(prepared, s, [99])).toEqual([]);
  });

  test('a LIMIT stops the scan early', () => {
    const s = clinic();
    expect(rows(s, 'SELECT id FROM patients LIMIT 2')).toEqual([[1], [2]]);
    expect(s.rowsScanned).toBe(2);
  });
});

describe('ORDER BY served by the key order', () => {
  test('ORDER BY the key descending with LIMIT reads only the rows returned', () => {
    const s = clinic();
    const sql = 'SELECT id FROM patients ORDER BY id DESC LIMIT 2';
    expect(rows(s, sql)).toEqual([[5], [4]]);
    expect(s.rowsScanned).toBe(2);
    expect(explain(s, sql)).toEqual(['Limit 2', '  SeqScan patients reverse']);
  });

  test('ORDER BY the key columns after an equality prefix needs no sort', () => {
    const s = clinic();
    const sql = "SELECT seq FROM readings WHERE device = 'a' ORDER BY seq DESC";
    expect(rows(s, sql)).toEqual([[3], [2], [1]]);
    expect(explain(s, sql)).toEqual(["PrimaryKeyRange readings [device = 'a'] reverse"]);
  });

  test('mixed directions still sort', () => {
    const s = clinic();
    const sql = 'SELECT device, seq FROM readings ORDER BY device, seq DESC';
    expect(rows(s, sql)).toEqual([
      ['a', 3],
      ['a', 2],
      ['a', 1],
      ['b', 2],
      ['b', 1],
    ]);
    expect(explain(s, sql)).toEqual(['Sort device, seq DESC', '  SeqScan readings']);
  });
});

describe('correlated subqueries', () => {
  test('an outer reference can bound an index scan of the inner table', () => {
    const s = clinic();
    const sql = `SELECT p.id, (SELECT sum(v.cost) FROM visits v WHERE v.patient_id = p.id)
      FROM patients p WHERE p.id <= 2`;
    expect(rows(s, sql)).toEqual([
      [1, '70.50'],
      [2, '75.25'],
    ]);
    // One range scan of patients, then one index scan of visits per patient.
    expect(s.scans).toBe(3);
    expect(s.rowsScanned).toBe(2 + 3);
  });
});

describe('IN lists on the primary key', () => {
  test('one get per distinct value, NULLs skipped, rows in key order', () => {
    const s = clinic();
    const sql = 'SELECT name FROM patients WHERE id IN (5, $1, 2, 5, NULL, 42)';
    expect(rows(s, sql, [1])).toEqual([['Ada'], ['Bo'], ['Ed']]);
    expect(s.gets).toBe(4);
    expect(s.scans).toBe(0);
    expect(explain(s, sql, [1])).toEqual([
      'PrimaryKeyLookup patients [id IN (5, $1, 2, 5, NULL, 42)]',
    ]);
  });

  test('other conditions filter the looked-up rows', () => {
    const s = clinic();
    expect(rows(s, 'SELECT id FROM patients WHERE id IN (1, 2, 3) AND age > 30')).toEqual([
      [1],
      [3],
    ]);
  });

  test('NOT IN is not a lookup', () => {
    const s = clinic();
    expect(explain(s, 'SELECT id FROM patients WHERE id NOT IN (1, 2)')).toEqual([
      'SeqScan patients filter (id NOT IN (1, 2))',
    ]);
  });
});

describe('key values outside the key column range', () => {
  test('an integer key compared with a value beyond 32 bits matches or bounds correctly', () => {
    const s = clinic();
    const key = "SELECT seq FROM readings WHERE device = 'a' AND seq";
    expect(rows(s, `${key} = 5000000000`)).toEqual([]);
    expect(rows(s, `${key} > 5000000000`)).toEqual([]);
    expect(rows(s, `${key} < 5000000000`)).toEqual([[1], [2], [3]]);
    expect(rows(s, `${key} >= -5000000000 AND seq < 3`)).toEqual([[1], [2]]);
    expect(rows(s, `${key} < -5000000000`)).toEqual([]);
  });

  test('a lookup join with a wider left key skips values the right key cannot hold', () => {
    const s = new MemorySnapshot([
      {
        name: 'patients',
        columns: [['id', 'bigint', 'not null']],
        primaryKey: ['id'],
        rows: [[1], [2], [3]],
      },
      {
        name: 'small',
        columns: [
          ['id', 'integer', 'not null'],
          ['v', 'text'],
        ],
        primaryKey: ['id'],
        rows: [
          [1000000000, 'x'],
          [2000000000, 'y'],
        ],
      },
    ]);
    const sql = `SELECT p.id, t.v FROM patients p JOIN small t ON t.id = p.id * 1000000000
      WHERE p.id IN (1, 2, 3)`;
    expect(rows(s, sql)).toEqual([
      [1, 'x'],
      [2, 'y'],
    ]);
    expect(explain(s, sql)[0]).toBe('IndexNestedLoop inner on t.id = (p.id * 1000000000)');
  });
});
