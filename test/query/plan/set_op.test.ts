import { describe, expect, test } from 'vitest';
import { clinic } from './fixtures.js';
import { columns, rows } from './harness.js';

const s = clinic();

describe('set operations', () => {
  test('UNION removes duplicates, UNION ALL keeps them', () => {
    expect(rows(s, 'SELECT age FROM patients UNION SELECT 25 ORDER BY 1')).toEqual([
      [25],
      [36],
      [41],
      [null],
    ]);
    expect(rows(s, 'SELECT age FROM patients WHERE age < 30 UNION ALL SELECT 25')).toEqual([
      [25],
      [25],
      [25],
    ]);
  });

  test('INTERSECT and EXCEPT, with and without ALL', () => {
    const both = (left: string, op: string, right: string) =>
      rows(
        s,
        `SELECT * FROM (VALUES ${left}) a ${op} SELECT * FROM (VALUES ${right}) b ORDER BY 1`,
      );
    expect(both('(1), (1), (2), (3)', 'INTERSECT', '(1), (1), (3), (4)')).toEqual([[1], [3]]);
    expect(both('(1), (1), (1), (2)', 'INTERSECT ALL', '(1), (1)')).toEqual([[1], [1]]);
    expect(both('(1), (1), (2), (3)', 'EXCEPT', '(3)')).toEqual([[1], [2]]);
    expect(both('(1), (1), (1), (2)', 'EXCEPT ALL', '(1)')).toEqual([[1], [1], [2]]);
  });

  test('column types unify across branches and names come from the left', () => {
    expect(columns(s, 'SELECT id AS n FROM doctors UNION SELECT 1.5')).toEqual(['n']);
    expect(rows(s, 'SELECT 1 AS n UNION ALL SELECT 1.5 ORDER BY n')).toEqual([['1.0'], ['1.5']]);
  });

  test('branches with different column counts are an error', () => {
    expect(() => rows(s, 'SELECT 1, 2 UNION SELECT 1')).toThrow(
      'each UNION query must have the same number of columns',
    );
  });

  test('incompatible column types are an error', () => {
    expect(() => rows(s, 'SELECT 1 UNION SELECT name FROM doctors')).toThrow();
  });

  test('ORDER BY and LIMIT apply to the whole set operation', () => {
    expect(
      rows(s, 'SELECT id FROM doctors UNION SELECT id FROM patients ORDER BY id DESC LIMIT 3'),
    ).toEqual([[103], [102], [101]]);
  });

  test('parenthesized branches keep their own ORDER BY and LIMIT', () => {
    const sql = `(SELECT id FROM doctors ORDER BY id DESC LIMIT 1)
      UNION ALL (SELECT id FROM patients ORDER BY id LIMIT 1)`;
    expect(rows(s, sql)).toEqual([[103], [1]]);
  });

  test('an untyped NULL branch takes the other branch type', () => {
    expect(rows(s, 'SELECT NULL AS x UNION ALL SELECT 1 ORDER BY x')).toEqual([[1], [null]]);
  });
});
