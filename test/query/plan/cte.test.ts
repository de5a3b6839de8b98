import { describe, expect, test } from 'vitest';
import { LIMITS } from '../../../ts/types/index.js';
import { clinic } from './fixtures.js';
import { explain, rows } from './harness.js';

const s = clinic();

describe('WITH', () => {
  test('a WITH query can be referenced several times and renamed', () => {
    const sql = `WITH old(pid, years) AS (SELECT id, age FROM patients WHERE age > 30)
      SELECT a.pid, b.pid FROM old a JOIN old b ON a.years < b.years`;
    expect(rows(s, sql)).toEqual([[1, 3]]);
  });

  test('later WITH queries see earlier ones', () => {
    const sql = `WITH a AS (SELECT id FROM doctors WHERE id > 101), b AS (SELECT id * 2 AS d FROM a)
      SELECT d FROM b ORDER BY d`;
    expect(rows(s, sql)).toEqual([[204], [206]]);
  });

  test('a WITH query is computed once per run', () => {
    const snapshot = clinic();
    const sql = `WITH d AS (SELECT id FROM doctors) SELECT count(*) FROM d a, d b`;
    expect(rows(snapshot, sql)).toEqual([[16]]);
    expect(snapshot.scans).toBe(1);
  });

  test('WITH RECURSIVE with UNION ALL iterates to a fixpoint', () => {
    const sql = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5)
      SELECT i FROM n`;
    expect(rows(s, sql)).toEqual([[1], [2], [3], [4], [5]]);
    expect(explain(s, sql)).toEqual([
      'CteScan n',
      '  RecursiveUnion n All',
      '    Result',
      '    Filter (i < 5)',
      '      WorkTableScan n',
    ]);
  });

  test('WITH RECURSIVE with UNION stops when no new rows appear', () => {
    const sql = `WITH RECURSIVE m(x) AS (SELECT 0 UNION SELECT (x + 1) % 3 FROM m)
      SELECT x FROM m ORDER BY x`;
    expect(rows(s, sql)).toEqual([[0], [1], [2]]);
  });

  test('runaway recursion stops at recursiveCteRowsMax', () => {
    const sql = 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n';
    expect(() => rows(s, sql)).toThrow(
      `recursive query n exceeds recursiveCteRowsMax (${LIMITS.recursiveCteRowsMax} rows)`,
    );
  });
});

describe('recursive references', () => {
  test('a recursive reference inside a subquery is refused', () => {
    const sql = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL
      SELECT i + 1 FROM n WHERE i < (SELECT max(i) FROM n) + 3) SELECT i FROM n`;
    expect(() => rows(s, sql)).toThrow('Not supported: recursive reference to n inside a subquery');
  });
});
