import { describe, expect, test } from 'vitest';
import { clinic } from './fixtures.js';
import { rows } from './harness.js';

describe('subqueries', () => {
  const s = clinic();

  test('a scalar subquery gives its one value, or NULL for no rows', () => {
    expect(
      rows(s, 'SELECT (SELECT max(age) FROM patients), (SELECT id FROM doctors WHERE id > 999)'),
    ).toEqual([[41, null]]);
  });

  test('a scalar subquery with more than one row is a cardinality violation', () => {
    expect(() => rows(s, 'SELECT (SELECT id FROM doctors)')).toThrow(
      'more than one row returned by a subquery used as an expression',
    );
  });

  test('IN and NOT IN follow three-valued logic with NULLs in the subquery', () => {
    expect(
      rows(s, 'SELECT id FROM patients WHERE id IN (SELECT patient_id FROM visits) ORDER BY id'),
    ).toEqual([[1], [2], [3]]);
    // visits.patient_id holds a NULL, so NOT IN is never true.
    expect(
      rows(s, 'SELECT id FROM patients WHERE id NOT IN (SELECT patient_id FROM visits)'),
    ).toEqual([]);
    expect(
      rows(
        s,
        `SELECT id FROM patients WHERE id NOT IN
          (SELECT patient_id FROM visits WHERE patient_id IS NOT NULL) ORDER BY id`,
      ),
    ).toEqual([[4], [5]]);
  });

  test('correlated EXISTS reads the outer row', () => {
    const sql = `SELECT d.name FROM doctors d WHERE NOT EXISTS
      (SELECT 1 FROM visits v WHERE v.doctor_id = d.id) ORDER BY d.name`;
    expect(rows(s, sql)).toEqual([['Strange']]);
  });

  test('correlated scalar subqueries in the select list', () => {
    const sql = `SELECT p.id, (SELECT count(*) FROM visits v WHERE v.patient_id = p.id) AS n
      FROM patients p ORDER BY p.id`;
    expect(rows(s, sql)).toEqual([
      [1, 2],
      [2, 1],
      [3, 1],
      [4, 0],
      [5, 0],
    ]);
  });

  test('a reference two levels out resolves through both scopes', () => {
    const sql = `SELECT d.id FROM doctors d WHERE EXISTS (SELECT 1 FROM visits v WHERE
      v.doctor_id = d.id AND EXISTS (SELECT 1 FROM patients p WHERE p.id = v.patient_id
      AND p.city = 'London' AND d.id > 100)) ORDER BY d.id`;
    expect(rows(s, sql)).toEqual([[101], [102]]);
  });

  test('an uncorrelated subquery runs once per run, not once per row', () => {
    const snapshot = clinic();
    const sql = 'SELECT id FROM patients WHERE age > (SELECT min(age) FROM patients) ORDER BY id';
    expect(rows(snapshot, sql)).toEqual([[1], [3]]);
    expect(snapshot.scans).toBe(2);
  });

  test('a subquery in FROM with column aliases', () => {
    const sql = `SELECT t.c, t.n FROM (SELECT city, count(*) FROM patients GROUP BY city) AS t(c, n)
      WHERE t.n > 1`;
    expect(rows(s, sql)).toEqual([['London', 2]]);
  });

  test('an uncorrelated subquery bound to a key uses the key', () => {
    const snapshot = clinic();
    const sql = `SELECT name FROM patients
      WHERE id = (SELECT max(patient_id) FROM visits WHERE doctor_id = 102)`;
    expect(rows(snapshot, sql)).toEqual([['Cy']]);
    expect(snapshot.gets).toBe(1);
  });

  test('EXISTS in the select list is evaluated per row', () => {
    const sql = `SELECT id, EXISTS (SELECT 1 FROM visits v WHERE v.patient_id = p.id) AS has
      FROM patients p ORDER BY id`;
    expect(rows(s, sql)).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [4, false],
      [5, false],
    ]);
  });

  test('a correlated comparison with a NULL outer value matches nothing', () => {
    const sql = `SELECT p.name FROM patients p
      WHERE p.age = (SELECT max(age) FROM patients q WHERE q.city = p.city) ORDER BY p.name`;
    expect(rows(s, sql)).toEqual([['Bo'], ['Cy'], ['Ed']]);
  });

  test('a subquery may read a WITH query of the enclosing statement', () => {
    const sql = `WITH x AS (SELECT id FROM patients)
      SELECT id FROM x WHERE id >= (SELECT count(*) FROM x)`;
    expect(rows(s, sql)).toEqual([[5]]);
  });
});
