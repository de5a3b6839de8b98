/**
 * The differential test's own parts, which must be right for its verdicts to mean anything:
 * the seeded generator (deterministic, and every query it makes is accepted by SQLite) and
 * the comparison of answers (normalisation, multisets, tolerance).
 */
import { describe, expect, it } from 'vitest';
import { compareRows, multisetOperation, normaliseRows } from './compare.js';
import { database, describeFailure, queryAt, runQueries } from './differential.js';
import { deriveSeed, Prng } from './prng.js';
import { SqliteSide } from './sqlite_side.js';

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

describe('the generator', () => {
  it('is a function of its seed', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    expect(range(8).map(() => a.next())).toEqual(range(8).map(() => b.next()));
    expect(deriveSeed(1, 0)).not.toBe(deriveSeed(1, 1));
    const { tables } = database(9);
    expect(queryAt(tables, 9, 17)).toEqual(queryAt(database(9).tables, 9, 17));
  });

  it('makes queries SQLite accepts, of every shape', async () => {
    const { tables, statements } = database(11);
    const sqlite = new SqliteSide(statements);
    const indexes = range(1000);
    const report = await runQueries({
      seed: 11,
      tables,
      indexes,
      sqlite,
      ours: undefined,
      failuresMax: 5,
    });
    sqlite.close();
    expect(report.failures.map(describeFailure)).toEqual([]);
    const shapes = ['select', 'group by', 'aggregate', 'window', 'cte', 'recursive cte'];
    const probes = ['division', 'overflow', 'select *'];
    for (const shape of [...shapes, ...probes, 'union', 'intersect all', 'except all']) {
      expect(report.shapes.get(shape) ?? 0).toBeGreaterThan(0);
    }
  });
});

describe('answer comparison', () => {
  it('treats booleans as 0/1, bigints and decimal strings as numbers', () => {
    expect(normaliseRows([[true, 3n, '2.50', null, -0]], [false, false, true])).toEqual([
      [1, 3, 2.5, null, 0],
    ]);
  });

  it('compares unordered answers as multisets and ordered ones row by row', () => {
    expect(compareRows([[1], [2]], [[2], [1]], false)).toBeUndefined();
    expect(compareRows([[1], [2]], [[2], [1]], true)).toMatch(/row 0 differs/);
    expect(compareRows([[1], [1]], [[1]], false)).toMatch(/row counts differ/);
    expect(compareRows([[1 / 3]], [[0.3333333333333333]], true)).toBeUndefined();
    expect(compareRows([[0.3333]], [[1 / 3]], true)).toMatch(/differs/);
  });

  it('computes INTERSECT ALL and EXCEPT ALL with duplicates and NULLs', () => {
    const left = [[1], [1], [1], [null], [2]];
    const right = [[1], [1], [null], [3]];
    expect(multisetOperation('intersect', left, right)).toEqual([[1], [1], [null]]);
    expect(multisetOperation('except', left, right)).toEqual([[1], [2]]);
  });
});
