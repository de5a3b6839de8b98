import { describe, expect, test } from 'vitest';
import type { Query } from '../../../ts/query/ast.js';
import { parseStatement } from '../../../ts/query/parse/index.js';
import { planQuery } from '../../../ts/query/plan/index.js';
import { clinic } from './fixtures.js';
import { rows } from './harness.js';

const s = clinic();

describe('window functions', () => {
  test('row_number, rank and dense_rank over an ordering with ties', () => {
    const sql = `SELECT id, row_number() OVER (ORDER BY age, id), rank() OVER (ORDER BY age),
      dense_rank() OVER (ORDER BY age) FROM patients ORDER BY id`;
    expect(rows(s, sql)).toEqual([
      [1, 3, 3, 2],
      [2, 1, 1, 1],
      [3, 4, 4, 3],
      [4, 5, 5, 4],
      [5, 2, 1, 1],
    ]);
  });

  test('partitions restart numbering', () => {
    const sql = `SELECT device, seq, row_number() OVER (PARTITION BY device ORDER BY seq DESC)
      FROM readings ORDER BY device, seq`;
    expect(rows(s, sql)).toEqual([
      ['a', 1, 3],
      ['a', 2, 2],
      ['a', 3, 1],
      ['b', 1, 2],
      ['b', 2, 1],
    ]);
  });

  test('lag and lead with offsets and defaults', () => {
    const sql = `SELECT seq, lag(value) OVER (ORDER BY seq),
      lead(value, 2, -1.0) OVER (ORDER BY seq) FROM readings WHERE device = 'a' ORDER BY seq`;
    expect(rows(s, sql)).toEqual([
      [1, null, 3.5],
      [2, 1.5, -1],
      [3, 2.5, -1],
    ]);
  });

  test('aggregates over the default frame are running totals with peers together', () => {
    const sql = `SELECT id, sum(age) OVER (ORDER BY age), count(*) OVER () FROM patients
      ORDER BY id`;
    expect(rows(s, sql)).toEqual([
      [1, 86, 5],
      [2, 50, 5],
      [3, 127, 5],
      [4, 127, 5],
      [5, 50, 5],
    ]);
  });

  test('ROWS BETWEEN frames, first_value and last_value', () => {
    const sql = `SELECT seq, sum(seq) OVER (PARTITION BY device ORDER BY seq
        ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING),
      first_value(seq) OVER (PARTITION BY device ORDER BY seq),
      last_value(seq) OVER (PARTITION BY device ORDER BY seq),
      last_value(seq) OVER (PARTITION BY device ORDER BY seq
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
      FROM readings WHERE device = 'a' ORDER BY seq`;
    expect(rows(s, sql)).toEqual([
      [1, 3, 1, 1, 3],
      [2, 6, 1, 2, 3],
      [3, 5, 1, 3, 3],
    ]);
  });

  test('window functions over grouped rows', () => {
    const sql = `SELECT city, count(*), rank() OVER (ORDER BY count(*) DESC) FROM patients
      WHERE city IS NOT NULL GROUP BY city ORDER BY city`;
    expect(rows(s, sql)).toEqual([
      ['London', 2, 1],
      ['Paris', 1, 2],
      ['Rome', 1, 2],
    ]);
  });
});

describe('window frames', () => {
  test('RANGE frames with offsets are not supported', () => {
    // The parser only knows ROWS frames, so the RANGE frame is written into the tree.
    const sql = `SELECT sum(seq) OVER (ORDER BY seq ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
      FROM readings`;
    const { statement } = parseStatement(sql);
    if (statement.kind !== 'query') throw new Error('query expected');
    const query = structuredClone(statement.query) as unknown as { body: { columns: unknown[] } };
    const item = query.body.columns[0] as { expr: { over: { frame: { units: string } } } };
    item.expr.over.frame.units = 'range';
    expect(() => planQuery(query as unknown as Query, s, { paramTypes: [] })).toThrow(
      'Not supported: RANGE frames with an offset',
    );
  });

  test('DISTINCT in a window aggregate is refused, as PostgreSQL refuses it', () => {
    const { statement } = parseStatement('SELECT count(DISTINCT seq) OVER () FROM readings');
    if (statement.kind !== 'query') throw new Error('query expected');
    expect(() => planQuery(statement.query, s, { paramTypes: [] })).toThrow(
      'Not supported: DISTINCT in the window aggregate count(DISTINCT ...) OVER',
    );
  });
});
