/** SELECT and the other query forms translated to our AST (ts/query/parse/query.ts). */
import { describe, expect, it } from 'vitest';
import type { FromItem, QueryBody } from '../../../ts/query/ast.js';
import { ErrorCode } from '../../../ts/types/index.js';
import {
  bin,
  bool,
  col,
  errorOf,
  fn,
  int,
  item,
  param,
  query,
  queryOf,
  select,
  star,
  str,
  table,
} from './helpers.js';

const selectA = (from: string): QueryBody =>
  select({ columns: [item(col('a'))], from: [table(from)] });

describe('SELECT', () => {
  it('translates the select list, aliases and qualified stars', () => {
    expect(queryOf('SELECT DISTINCT t.*, T.b AS "X", c d FROM t')).toEqual(
      query(
        select({
          distinct: true,
          columns: [{ kind: 'star', table: 't' }, item(col('b', 't'), 'X'), item(col('c'), 'd')],
          from: [table('t')],
        }),
      ),
    );
  });

  it('translates a select without FROM', () => {
    expect(queryOf('SELECT 1')).toEqual(query(select({ columns: [item(int(1))] })));
  });

  it('translates WHERE, GROUP BY, HAVING, ORDER BY with NULLS, LIMIT and OFFSET', () => {
    const sql =
      'SELECT a, count(*) FROM t WHERE a > 1 GROUP BY a, 2 HAVING count(*) > 1 ' +
      'ORDER BY a DESC, b NULLS FIRST, c ASC NULLS LAST LIMIT 10 OFFSET $1';
    const count = fn('count', [], { star: true });
    expect(queryOf(sql)).toEqual(
      query(
        select({
          columns: [item(col('a')), item(count)],
          from: [table('t')],
          where: bin('>', col('a'), int(1)),
          groupBy: [col('a'), int(2)],
          having: bin('>', count, int(1)),
        }),
        {
          orderBy: [
            { expr: col('a'), descending: true, nulls: undefined },
            { expr: col('b'), descending: false, nulls: 'first' },
            { expr: col('c'), descending: false, nulls: 'last' },
          ],
          limit: int(10),
          offset: param(1),
        },
      ),
    );
  });

  it('translates OFFSET alone and LIMIT ALL', () => {
    expect(queryOf('SELECT * FROM t OFFSET 5')).toEqual(
      query(select({ columns: [star], from: [table('t')] }), { offset: int(5) }),
    );
    expect(queryOf('SELECT * FROM t LIMIT ALL').limit).toBeUndefined();
  });

  it('keeps the schema of information_schema tables and drops public', () => {
    expect(queryOf('SELECT * FROM information_schema.tables, public.t')).toEqual(
      query(select({ columns: [star], from: [table('information_schema.tables'), table('t')] })),
    );
  });
});

describe('FROM', () => {
  const fromOf = (sql: string): readonly FromItem[] => {
    const body = queryOf(sql).body;
    return body.kind === 'select' ? body.from : [];
  };

  it('translates joins left to right, with ON, USING and CROSS', () => {
    const sql =
      'SELECT * FROM t JOIN u ON t.a = u.a LEFT OUTER JOIN v USING (a, b) ' +
      'RIGHT JOIN w ON true FULL JOIN x ON false CROSS JOIN y';
    const tu: FromItem = {
      kind: 'join',
      type: 'inner',
      left: table('t'),
      right: table('u'),
      on: bin('=', col('a', 't'), col('a', 'u')),
      using: undefined,
    };
    const tuv: FromItem = {
      kind: 'join',
      type: 'left',
      left: tu,
      right: table('v'),
      on: undefined,
      using: ['a', 'b'],
    };
    const w: FromItem = {
      kind: 'join',
      type: 'right',
      left: tuv,
      right: table('w'),
      on: bool(true),
      using: undefined,
    };
    const x: FromItem = {
      kind: 'join',
      type: 'full',
      left: w,
      right: table('x'),
      on: bool(false),
      using: undefined,
    };
    expect(fromOf(sql)).toEqual([
      { kind: 'join', type: 'cross', left: x, right: table('y'), on: undefined, using: undefined },
    ]);
  });

  it('keeps comma-separated items apart, a join binding to the item before it', () => {
    expect(fromOf('SELECT * FROM a x, b JOIN c ON true')).toEqual([
      table('a', 'x'),
      {
        kind: 'join',
        type: 'inner',
        left: table('b'),
        right: table('c'),
        on: bool(true),
        using: undefined,
      },
    ]);
  });

  it('translates a subquery and VALUES in FROM with column aliases', () => {
    expect(fromOf('SELECT * FROM (SELECT 1) AS s (q), (VALUES (1, \'a\')) v(x, "Y")')).toEqual([
      {
        kind: 'subquery',
        query: query(select({ columns: [item(int(1))] })),
        alias: 's',
        columnAliases: ['q'],
      },
      {
        kind: 'subquery',
        query: query({ kind: 'values', rows: [[int(1), str('a')]] }),
        alias: 'v',
        columnAliases: ['x', 'Y'],
      },
    ]);
  });

  it('translates a subquery alias without columns', () => {
    expect(fromOf('SELECT * FROM (SELECT 1) s')).toEqual([
      {
        kind: 'subquery',
        query: query(select({ columns: [item(int(1))] })),
        alias: 's',
        columnAliases: undefined,
      },
    ]);
  });

  it('reads CROSS JOIN after a table without an alias as a join, not as its alias', () => {
    for (const sql of ['SELECT * FROM t CROSS JOIN u', 'SELECT * FROM public.t CROSS JOIN u']) {
      expect(fromOf(sql)).toEqual([
        {
          kind: 'join',
          type: 'cross',
          left: { kind: 'table', name: 't', alias: 't' },
          right: { kind: 'table', name: 'u', alias: undefined },
          on: undefined,
          using: undefined,
        },
      ]);
    }
    const aliased = fromOf('SELECT * FROM t x CROSS JOIN u')[0];
    expect(aliased).toMatchObject({ type: 'cross', left: { name: 't', alias: 'x' } });
    const afterOn = fromOf('SELECT * FROM t JOIN u ON t.a = u.a CROSS JOIN v')[0];
    expect(afterOn).toMatchObject({
      type: 'cross',
      left: { type: 'inner', left: { name: 't' }, right: { name: 'u', alias: undefined } },
      right: { name: 'v' },
    });
  });

  it('refuses a subquery in FROM without an alias', () => {
    const error = errorOf(() => queryOf('SELECT * FROM (SELECT 1)'), ErrorCode.SyntaxError);
    expect(error.message).toBe('a subquery in FROM must have an alias');
  });

  it.each([
    ['SELECT * FROM t NATURAL JOIN u', 'NATURAL JOIN (write JOIN ... USING (columns))'],
    ['SELECT * FROM LATERAL (SELECT 1) s', 'LATERAL'],
    ['SELECT * FROM s.t', 'schema-qualified table s.t (tables live in one schema)'],
    ['SELECT DISTINCT ON (a) a FROM t', 'DISTINCT ON'],
    ['SELECT * FROM t TABLESAMPLE SYSTEM (1)', 'a FROM item with TABLESAMPLE'],
    ['SELECT * FROM t AS x (a)', 'column aliases on a table'],
    ['SELECT a FROM t GROUP BY ROLLUP (a)', 'GROUP BY ROLLUP'],
  ])('says %s is not supported', (sql, what) => {
    expect(errorOf(() => queryOf(sql), ErrorCode.NotSupported).message).toBe(
      `Not supported: ${what}`,
    );
  });
});

describe('set operations, VALUES and WITH', () => {
  it('lifts a trailing ORDER BY and LIMIT to the whole set operation', () => {
    expect(queryOf('SELECT a FROM t UNION ALL SELECT a FROM u ORDER BY 1 LIMIT 2')).toEqual(
      query(
        { kind: 'set_op', op: 'union', all: true, left: selectA('t'), right: selectA('u') },
        { orderBy: [{ expr: int(1), descending: false, nulls: undefined }], limit: int(2) },
      ),
    );
  });

  it('binds INTERSECT tighter than UNION and EXCEPT', () => {
    const sql =
      'SELECT a FROM t UNION SELECT a FROM u INTERSECT SELECT a FROM v EXCEPT SELECT a FROM w';
    expect(queryOf(sql).body).toEqual({
      kind: 'set_op',
      op: 'except',
      all: false,
      left: {
        kind: 'set_op',
        op: 'union',
        all: false,
        left: selectA('t'),
        right: {
          kind: 'set_op',
          op: 'intersect',
          all: false,
          left: selectA('u'),
          right: selectA('v'),
        },
      },
      right: selectA('w'),
    });
  });

  it('translates EXCEPT ALL and INTERSECT ALL', () => {
    const sql = 'SELECT a FROM t EXCEPT ALL SELECT a FROM u INTERSECT ALL SELECT DISTINCT a FROM v';
    expect(queryOf(sql).body).toEqual({
      kind: 'set_op',
      op: 'except',
      all: true,
      left: selectA('t'),
      right: {
        kind: 'set_op',
        op: 'intersect',
        all: true,
        left: selectA('u'),
        right: select({ distinct: true, columns: [item(col('a'))], from: [table('v')] }),
      },
    });
  });

  it('keeps a parenthesized member with its own ORDER BY and LIMIT nested', () => {
    const sql = '(SELECT a FROM t ORDER BY a LIMIT 1) UNION (SELECT a FROM u)';
    expect(queryOf(sql)).toEqual(
      query({
        kind: 'set_op',
        op: 'union',
        all: false,
        left: {
          kind: 'nested',
          query: query(selectA('t'), {
            orderBy: [{ expr: col('a'), descending: false, nulls: undefined }],
            limit: int(1),
          }),
        },
        right: selectA('u'),
      }),
    );
  });

  it('translates a top-level VALUES', () => {
    expect(queryOf('VALUES (1, 2), (3, $1)')).toEqual(
      query({
        kind: 'values',
        rows: [
          [int(1), int(2)],
          [int(3), param(1)],
        ],
      }),
    );
  });

  it('translates WITH RECURSIVE with column lists', () => {
    const sql =
      'WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3), ' +
      's AS (SELECT 2) SELECT * FROM r';
    const recursive = query({
      kind: 'set_op',
      op: 'union',
      all: true,
      left: select({ columns: [item(int(1))] }),
      right: select({
        columns: [item(bin('+', col('n'), int(1)))],
        from: [table('r')],
        where: bin('<', col('n'), int(3)),
      }),
    });
    expect(queryOf(sql)).toEqual(
      query(select({ columns: [star], from: [table('r')] }), {
        with: {
          recursive: true,
          ctes: [
            { name: 'r', columns: ['n'], query: recursive },
            { name: 's', columns: undefined, query: query(select({ columns: [item(int(2))] })) },
          ],
        },
      }),
    );
  });

  it('translates a plain WITH as not recursive', () => {
    expect(queryOf('WITH s AS (SELECT 1) SELECT * FROM s').with?.recursive).toBe(false);
  });
});
