import { describe, expect, test } from 'vitest';
import { clinic } from './fixtures.js';
import { explain, rows } from './harness.js';

const s = clinic();

describe('GROUP BY and aggregates', () => {
  test('groups by a column; NULLs form one group', () => {
    expect(
      rows(
        s,
        'SELECT city, count(*), count(age), sum(age) FROM patients GROUP BY city ORDER BY city',
      ),
    ).toEqual([
      ['London', 2, 2, 77],
      ['Paris', 1, 1, 25],
      ['Rome', 1, 1, 25],
      [null, 1, 0, null],
    ]);
  });

  test('aggregates without GROUP BY over no rows still give one row', () => {
    expect(rows(s, 'SELECT count(*), sum(age), max(name) FROM patients WHERE id > 100')).toEqual([
      [0, null, null],
    ]);
  });

  test('GROUP BY over no rows gives no rows', () => {
    expect(rows(s, 'SELECT city, count(*) FROM patients WHERE id > 100 GROUP BY city')).toEqual([]);
  });

  test('groups by ordinal, alias and expression', () => {
    expect(
      rows(s, 'SELECT age / 10 AS decade, count(*) FROM patients GROUP BY 1 ORDER BY 1'),
    ).toEqual([
      [2, 2],
      [3, 1],
      [4, 1],
      [null, 1],
    ]);
    expect(
      rows(s, 'SELECT age / 10 AS decade, count(*) FROM patients GROUP BY decade ORDER BY decade'),
    ).toEqual([
      [2, 2],
      [3, 1],
      [4, 1],
      [null, 1],
    ]);
    expect(
      rows(s, 'SELECT age / 10 + 1, count(*) FROM patients GROUP BY age / 10 ORDER BY 1 DESC'),
    ).toEqual([
      [null, 1],
      [5, 1],
      [4, 1],
      [3, 2],
    ]);
  });

  test('HAVING filters groups, also on aggregates not selected', () => {
    const sql = `SELECT city FROM patients GROUP BY city HAVING count(*) > 1 OR min(age) > 30
      ORDER BY city`;
    expect(rows(s, sql)).toEqual([['London']]);
  });

  test('DISTINCT and FILTER in aggregates', () => {
    const sql = `SELECT count(DISTINCT age), count(*) FILTER (WHERE age > 30),
      sum(DISTINCT age) FROM patients`;
    expect(rows(s, sql)).toEqual([[3, 2, 102]]);
  });

  test('ORDER BY an aggregate', () => {
    const sql = `SELECT v.patient_id, sum(v.cost) AS total FROM visits v
      GROUP BY v.patient_id ORDER BY sum(v.cost) DESC`;
    expect(rows(s, sql)).toEqual([
      [2, '75.25'],
      [1, '70.50'],
      [3, '10.00'],
      [9, '5.00'],
      [null, '1.00'],
    ]);
  });

  test('a column neither grouped nor aggregated is a grouping error', () => {
    expect(() => rows(s, 'SELECT name, count(*) FROM patients GROUP BY city')).toThrow(
      'column name must appear in the GROUP BY clause or be used in an aggregate function',
    );
    expect(() => rows(s, 'SELECT id FROM patients HAVING count(*) > 0')).toThrow(
      'column id must appear in the GROUP BY clause',
    );
  });

  test('a qualified reference matches its unqualified GROUP BY key', () => {
    expect(rows(s, 'SELECT p.city FROM patients p GROUP BY city ORDER BY 1 LIMIT 1')).toEqual([
      ['London'],
    ]);
  });

  test('aggregates in WHERE are refused', () => {
    expect(() => rows(s, 'SELECT id FROM patients WHERE count(*) > 1')).toThrow(/WHERE/);
  });

  test('explain shows the aggregate', () => {
    expect(explain(s, 'SELECT city, count(*) FROM patients GROUP BY city')).toEqual([
      'Aggregate group by (city)',
      '  SeqScan patients',
    ]);
  });
});

describe('functional dependency', () => {
  test('grouping by a primary key allows the other columns of its table', () => {
    const sql = `SELECT p.id, p.name, count(v.id) FROM patients p LEFT JOIN visits v
      ON v.patient_id = p.id GROUP BY p.id ORDER BY p.id`;
    expect(rows(s, sql)).toEqual([
      [1, 'Ada', 2],
      [2, 'Bo', 1],
      [3, 'Cy', 1],
      [4, 'Di', 0],
      [5, 'Ed', 0],
    ]);
  });

  test('columns of a table whose key is not grouped are still errors', () => {
    const sql = `SELECT p.id, v.cost FROM patients p JOIN visits v ON v.patient_id = p.id
      GROUP BY p.id`;
    expect(() => rows(s, sql)).toThrow('column v.cost must appear in the GROUP BY clause');
  });
});

describe('HAVING', () => {
  test('HAVING may be a grouped expression as a whole', () => {
    const sql = `SELECT city, count(*) FROM patients GROUP BY city, (age > 30 AND city <> 'Rome')
      HAVING (age > 30 AND city <> 'Rome') ORDER BY city`;
    expect(rows(s, sql)).toEqual([['London', 2]]);
  });
});
