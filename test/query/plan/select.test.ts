import { describe, expect, test } from 'vitest';
import { LIMITS } from '../../../ts/types/index.js';
import { clinic } from './fixtures.js';
import { columns, rows } from './harness.js';

const s = clinic();

describe('select list', () => {
  test('star returns every column in table order', () => {
    expect(rows(s, 'SELECT * FROM doctors')).toEqual([
      [100, 'House'],
      [101, 'Grey'],
      [102, 'Who'],
      [103, 'Strange'],
    ]);
  });

  test('output names follow PostgreSQL: column, alias, function name, else ?column?', () => {
    expect(
      columns(s, 'SELECT id, name AS who, count(*), id + 1, upper(name) FROM patients GROUP BY id'),
    ).toEqual(['id', 'who', 'count', '?column?', 'upper']);
  });

  test('table star expands only that table', () => {
    expect(rows(s, 'SELECT d.*, 1 AS one FROM doctors d WHERE d.id = 101')).toEqual([
      [101, 'Grey', 1],
    ]);
  });

  test('select without FROM gives one row', () => {
    expect(rows(s, 'SELECT 1 + 2 AS three, $1 AS p', ['x'])).toEqual([[3, 'x']]);
  });

  test('WHERE uses three-valued logic: NULL ages are neither > nor <=', () => {
    expect(rows(s, 'SELECT id FROM patients WHERE age > 30 OR age <= 30 ORDER BY id')).toEqual([
      [1],
      [2],
      [3],
      [5],
    ]);
  });
});

describe('ORDER BY', () => {
  test('NULLs sort last ascending and first descending by default', () => {
    expect(rows(s, 'SELECT id FROM patients ORDER BY age, id')).toEqual([[2], [5], [1], [3], [4]]);
    expect(rows(s, 'SELECT id FROM patients ORDER BY age DESC, id')).toEqual([
      [4],
      [3],
      [1],
      [2],
      [5],
    ]);
  });

  test('NULLS FIRST and NULLS LAST override the default', () => {
    expect(rows(s, 'SELECT id FROM patients ORDER BY age NULLS FIRST, id DESC')).toEqual([
      [4],
      [5],
      [2],
      [1],
      [3],
    ]);
    expect(rows(s, 'SELECT id FROM patients ORDER BY age DESC NULLS LAST, id')).toEqual([
      [3],
      [1],
      [2],
      [5],
      [4],
    ]);
  });

  test('orders by output alias, ordinal, and input expression not in the list', () => {
    expect(rows(s, 'SELECT name AS n FROM patients ORDER BY n DESC LIMIT 2')).toEqual([
      ['Ed'],
      ['Di'],
    ]);
    expect(rows(s, 'SELECT id, name FROM patients ORDER BY 2 DESC LIMIT 1')).toEqual([[5, 'Ed']]);
    expect(
      rows(s, 'SELECT name FROM patients WHERE age IS NOT NULL ORDER BY age * -1, id'),
    ).toEqual([['Cy'], ['Ada'], ['Bo'], ['Ed']]);
  });

  test('ordinal outside the select list is an error', () => {
    expect(() => rows(s, 'SELECT id FROM patients ORDER BY 3')).toThrow(
      'ORDER BY position 3 is not in the select list',
    );
  });
});

describe('LIMIT and OFFSET', () => {
  test('limit and offset take constants and parameters', () => {
    expect(rows(s, 'SELECT id FROM patients ORDER BY id LIMIT 2 OFFSET 1')).toEqual([[2], [3]]);
    expect(rows(s, 'SELECT id FROM patients ORDER BY id LIMIT $1 OFFSET $2', [1, 3])).toEqual([
      [4],
    ]);
    expect(rows(s, 'SELECT id FROM patients ORDER BY id OFFSET 4')).toEqual([[5]]);
    expect(rows(s, 'SELECT id FROM patients LIMIT 0')).toEqual([]);
  });

  test('a negative limit is an error', () => {
    expect(() => rows(s, 'SELECT id FROM patients LIMIT $1', [-1])).toThrow(
      'LIMIT must not be negative',
    );
    expect(() => rows(s, 'SELECT id FROM patients OFFSET $1', [-2])).toThrow(
      'OFFSET must not be negative',
    );
  });
});

describe('DISTINCT', () => {
  test('removes duplicate rows, NULLs equal', () => {
    expect(rows(s, 'SELECT DISTINCT city FROM patients ORDER BY city')).toEqual([
      ['London'],
      ['Paris'],
      ['Rome'],
      [null],
    ]);
  });

  test('ORDER BY of a DISTINCT query must use selected expressions', () => {
    expect(() => rows(s, 'SELECT DISTINCT city FROM patients ORDER BY age')).toThrow(
      'for SELECT DISTINCT, ORDER BY expressions must appear in the select list',
    );
  });
});

describe('VALUES', () => {
  test('VALUES lists unify their column types and name columns column1..n', () => {
    const sql = 'SELECT * FROM (VALUES (1, $1), (2.5, NULL)) AS v(a, b) ORDER BY a DESC';
    expect(rows(s, sql, ['x'])).toEqual([
      ['2.5', null],
      ['1.0', 'x'],
    ]);
    expect(columns(s, 'VALUES (1, 2)')).toEqual(['column1', 'column2']);
  });
});

describe('information_schema', () => {
  test('tables lists every table as a public base table', () => {
    expect(rows(s, 'SELECT * FROM information_schema.tables ORDER BY table_name')).toEqual([
      ['public', 'doctors', 'BASE TABLE'],
      ['public', 'patients', 'BASE TABLE'],
      ['public', 'readings', 'BASE TABLE'],
      ['public', 'visits', 'BASE TABLE'],
    ]);
  });

  test('columns gives position, formatted type and nullability', () => {
    const sql = `SELECT column_name, ordinal_position, data_type, is_nullable
      FROM information_schema.columns WHERE table_name = 'visits' ORDER BY ordinal_position`;
    expect(rows(s, sql)).toEqual([
      ['id', 1, 'BIGINT', 'NO'],
      ['patient_id', 2, 'BIGINT', 'YES'],
      ['doctor_id', 3, 'BIGINT', 'YES'],
      ['cost', 4, 'DECIMAL(10,2)', 'YES'],
    ]);
  });
});

describe('star over derived tables', () => {
  test('star keeps duplicate output names of a subquery', () => {
    expect(rows(s, 'SELECT * FROM (SELECT 1 AS a, 2 AS a) x')).toEqual([[1, 2]]);
    expect(columns(s, 'SELECT * FROM (SELECT 1 AS a, 2 AS a) x')).toEqual(['a', 'a']);
  });
});

describe('ORDER BY with LIMIT', () => {
  test('a sort under a LIMIT keeps only LIMIT + OFFSET rows, stably', () => {
    const sql = 'SELECT id, age FROM patients ORDER BY age NULLS FIRST LIMIT 3 OFFSET 1';
    expect(rows(s, sql)).toEqual([
      [2, 25],
      [5, 25],
      [1, 36],
    ]);
    expect(rows(s, 'SELECT id FROM patients ORDER BY age LIMIT $1', [null])).toHaveLength(5);
  });

  test('so it does not meet sortRowsMax', () => {
    const limits = LIMITS as unknown as Record<string, number>;
    const saved = limits.sortRowsMax as number;
    limits.sortRowsMax = 2;
    try {
      expect(rows(s, 'SELECT id FROM patients ORDER BY name DESC LIMIT 2')).toEqual([[5], [4]]);
      expect(() => rows(s, 'SELECT id FROM patients ORDER BY name DESC LIMIT 3')).toThrow(
        /sortRowsMax/,
      );
    } finally {
      limits.sortRowsMax = saved;
    }
  });
});
