import { describe, expect, test } from 'vitest';
import { clinic } from './fixtures.js';
import { columns, explain, rows } from './harness.js';

const s = clinic();

describe('joins', () => {
  test('inner join with ON uses a hash join and drops NULL keys', () => {
    const sql = `SELECT v.id, p.name FROM visits v JOIN patients p ON v.patient_id = p.id
      ORDER BY v.id`;
    expect(rows(s, sql)).toEqual([
      [10, 'Ada'],
      [11, 'Ada'],
      [12, 'Bo'],
      [13, 'Cy'],
    ]);
    expect(explain(s, sql)).toEqual([
      'Sort v.id',
      '  HashJoin inner on v.patient_id = p.id',
      '    SeqScan visits v',
      '    SeqScan patients p',
    ]);
  });

  test('left join keeps unmatched left rows with NULLs', () => {
    const sql = `SELECT p.id, v.id FROM patients p LEFT JOIN visits v ON v.patient_id = p.id
      ORDER BY p.id, v.id`;
    expect(rows(s, sql)).toEqual([
      [1, 10],
      [1, 11],
      [2, 12],
      [3, 13],
      [4, null],
      [5, null],
    ]);
  });

  test('right join keeps unmatched right rows, including those with NULL keys', () => {
    const sql = `SELECT p.id, v.id FROM patients p RIGHT JOIN visits v ON v.patient_id = p.id
      ORDER BY v.id`;
    expect(rows(s, sql)).toEqual([
      [1, 10],
      [1, 11],
      [2, 12],
      [3, 13],
      [null, 14],
      [null, 15],
    ]);
  });

  test('full outer join keeps both sides', () => {
    const sql = `SELECT p.id, v.id FROM patients p FULL OUTER JOIN visits v ON v.patient_id = p.id
      ORDER BY p.id, v.id`;
    expect(rows(s, sql)).toEqual([
      [1, 10],
      [1, 11],
      [2, 12],
      [3, 13],
      [4, null],
      [5, null],
      [null, 14],
      [null, 15],
    ]);
  });

  test('non-equi conditions use a nested loop', () => {
    const sql = `SELECT a.id, b.id FROM patients a JOIN patients b ON a.age < b.age AND b.id < 3
      ORDER BY a.id, b.id`;
    expect(rows(s, sql)).toEqual([
      [2, 1],
      [5, 1],
    ]);
    expect(explain(s, sql)).toEqual([
      'Sort a.id, b.id',
      '  NestedLoop inner on a.age < b.age',
      '    SeqScan patients a',
      '    PrimaryKeyRange patients b [b.id < 3] filter (b.id < 3)',
    ]);
  });

  test('left join with a non-equi condition null-extends unmatched rows', () => {
    const sql = `SELECT a.id, b.id FROM patients a LEFT JOIN doctors b ON b.id > 101 + a.id
      WHERE a.id <= 2 ORDER BY a.id, b.id`;
    expect(rows(s, sql)).toEqual([
      [1, 103],
      [2, null],
    ]);
  });

  test('comma joins with a WHERE equality become a hash join with pushed filters', () => {
    const sql = `SELECT p.name, d.name FROM patients p, visits v, doctors d
      WHERE v.patient_id = p.id AND v.doctor_id = d.id AND p.city = 'London' ORDER BY v.id`;
    expect(rows(s, sql)).toEqual([
      ['Ada', 'House'],
      ['Ada', 'Grey'],
      ['Cy', 'Who'],
    ]);
    expect(explain(s, sql)).toEqual([
      'Sort v.id',
      '  HashJoin inner on v.doctor_id = d.id',
      '    HashJoin inner on v.patient_id = p.id',
      "      SeqScan patients p filter (p.city = 'London')",
      '      SeqScan visits v',
      '    SeqScan doctors d',
    ]);
  });

  test('cross join pairs every row', () => {
    expect(
      rows(s, 'SELECT p.id, d.id FROM patients p CROSS JOIN doctors d WHERE p.id = 1 ORDER BY 2'),
    ).toEqual([
      [1, 100],
      [1, 101],
      [1, 102],
      [1, 103],
    ]);
  });

  test('WHERE on the nullable side of a left join filters after the join', () => {
    const sql = `SELECT p.id FROM patients p LEFT JOIN visits v ON v.patient_id = p.id
      WHERE v.id IS NULL ORDER BY p.id`;
    expect(rows(s, sql)).toEqual([[4], [5]]);
  });

  test('ON conditions on the nullable side are applied before the left join', () => {
    const sql = `SELECT p.id, v.id FROM patients p LEFT JOIN visits v
      ON v.patient_id = p.id AND v.cost > 30 WHERE p.id <= 2 ORDER BY p.id`;
    expect(rows(s, sql)).toEqual([
      [1, 10],
      [2, 12],
    ]);
  });

  test('USING merges the join columns once for star, as PostgreSQL does', () => {
    const snapshot = clinic();
    const sql = `SELECT * FROM (SELECT id, name FROM patients) a
      FULL JOIN (SELECT patient_id AS id, cost FROM visits) b USING (id) ORDER BY id, cost`;
    expect(columns(snapshot, sql)).toEqual(['id', 'name', 'cost']);
    expect(rows(snapshot, sql)).toEqual([
      [1, 'Ada', '20.50'],
      [1, 'Ada', '50.00'],
      [2, 'Bo', '75.25'],
      [3, 'Cy', '10.00'],
      [4, 'Di', null],
      [5, 'Ed', null],
      [9, null, '5.00'],
      [null, null, '1.00'],
    ]);
  });

  test('qualified USING columns still name each side', () => {
    const sql = `SELECT a.id, b.id FROM doctors a LEFT JOIN (SELECT 100 AS id) b USING (id)
      ORDER BY a.id LIMIT 2`;
    expect(rows(s, sql)).toEqual([
      [100, 100],
      [101, null],
    ]);
  });
});

describe('index nested-loop joins', () => {
  test('a key range on the left looks its matches up through the right index', () => {
    const s = clinic();
    const sql = `SELECT p.id, v.id FROM patients p JOIN visits v ON v.patient_id = p.id
      WHERE p.id BETWEEN 1 AND 2`;
    expect(rows(s, sql)).toEqual([
      [1, 10],
      [1, 11],
      [2, 12],
    ]);
    expect(explain(s, sql)).toEqual([
      'IndexNestedLoop inner on v.patient_id = p.id',
      '  PrimaryKeyRange patients p [p.id BETWEEN 1 AND 2] filter (p.id BETWEEN 1 AND 2)',
      '  IndexRange visits.by_patient [v.patient_id = p.id]',
    ]);
    // Patients 1 and 2, then their three visits: no visit is read twice or left unkeyed.
    expect(s.rowsScanned).toBe(2 + 3);
  });

  test('a left lookup join keeps left rows without matches and applies other conditions', () => {
    const s = clinic();
    const sql = `SELECT p.id, d.name FROM patients p LEFT JOIN doctors d
      ON d.id = p.id + 99 AND d.name <> 'Grey' WHERE p.id <= 3 ORDER BY p.id`;
    expect(rows(s, sql)).toEqual([
      [1, 'House'],
      [2, null],
      [3, 'Who'],
    ]);
    expect(explain(s, sql)).toEqual([
      'Sort p.id',
      '  IndexNestedLoop left on d.id = (p.id + 99)',
      '    PrimaryKeyRange patients p [p.id <= 3] filter (p.id <= 3)',
      "    PrimaryKeyLookup doctors d [d.id = (p.id + 99)] filter (d.name <> 'Grey')",
    ]);
    expect(s.gets).toBe(3);
  });
});

describe('hash join build side', () => {
  test('a bounded left input is hashed and the scanned right input probes it', () => {
    const s = clinic();
    const sql = `SELECT p.id, v.id FROM patients p JOIN visits v ON v.doctor_id = p.id + 99
      WHERE p.id IN (1, 2) ORDER BY v.id`;
    expect(rows(s, sql)).toEqual([
      [1, 10],
      [2, 11],
      [1, 12],
      [1, 14],
      [2, 15],
    ]);
    expect(explain(s, sql)[1]).toBe('  HashJoin inner on v.doctor_id = (p.id + 99) (build left)');
  });

  test('outer joins keep unmatched rows of either side when the left is hashed', () => {
    const s = clinic();
    const left = `SELECT p.id, v.id FROM patients p LEFT JOIN visits v ON v.doctor_id = p.id + 99
      WHERE p.id IN (1, 2, 4) ORDER BY p.id, v.id`;
    expect(rows(s, left)).toEqual([
      [1, 10],
      [1, 12],
      [1, 14],
      [2, 11],
      [2, 15],
      [4, null],
    ]);
    const right = `SELECT p.id, v.id FROM patients p RIGHT JOIN visits v
      ON v.doctor_id = p.id + 99 AND p.id <= 2 ORDER BY v.id`;
    expect(rows(s, right)).toEqual([
      [1, 10],
      [2, 11],
      [1, 12],
      [null, 13],
      [1, 14],
      [2, 15],
    ]);
    expect(explain(s, right)[1]).toBe('  HashJoin right on v.doctor_id = (p.id + 99) (build left)');
  });
});
