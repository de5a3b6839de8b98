/** Expressions translated to our AST (ts/query/parse/expr.ts, functions.ts). */
import { describe, expect, it } from 'vitest';
import type { Expr } from '../../../ts/query/ast.js';
import { ErrorCode, LIMITS } from '../../../ts/types/index.js';
import {
  bin,
  bool,
  col,
  errorOf,
  exprOf,
  fn,
  int,
  item,
  param,
  queryOf,
  select,
  str,
} from './helpers.js';

const lit = (value: Extract<Expr, { kind: 'literal' }>['value']): Expr => ({
  kind: 'literal',
  value,
});
/** A CASE arm; ast.ts names its result `then`. */
function arm(when: Expr, result: Expr): { when: Expr; then: Expr } {
  // biome-ignore lint/suspicious/noThenProperty: the AST's field name, not a thenable.
  return { when, then: result };
}
const decimal = (unscaled: bigint, scale: number): Expr =>
  lit({ kind: 'decimal', unscaled, scale });

describe('literals', () => {
  it.each<[string, Expr]>([
    ['42', int(42)],
    ['9223372036854775807', int(9223372036854775807n)],
    ['-9223372036854775808', int(-9223372036854775808n)],
    ['9223372036854775808', decimal(9223372036854775808n, 0)],
    ['1.50', decimal(150n, 2)],
    ['-1.5', decimal(-15n, 1)],
    ['.5', decimal(5n, 1)],
    ['1e3', lit({ kind: 'float', value: 1000 })],
    ['-2.5E-1', lit({ kind: 'float', value: -0.25 })],
    ['TRUE', bool(true)],
    ['false', bool(false)],
    ['NULL', lit({ kind: 'null' })],
    ["'it''s'", str("it's")],
    ["E'tab\\there'", str('tab\there')],
    ["'C:\\dir'", str('C:\\dir')],
    ["$$dollar's$$", str("dollar's")],
    ['$3', param(3)],
  ])('translates %s', (text, expected) => {
    expect(exprOf(text)).toEqual(expected);
  });

  it.each<[string, Expr]>([
    ["DATE '2026-01-01'", { kind: 'cast', operand: str('2026-01-01'), type: { kind: 'date' } }],
    [
      "TIMESTAMP '2026-01-01 10:00:00'",
      { kind: 'cast', operand: str('2026-01-01 10:00:00'), type: { kind: 'timestamp' } },
    ],
  ])('translates the typed literal %s as a cast of a string', (text, expected) => {
    expect(exprOf(text)).toEqual(expected);
  });
});

describe('names', () => {
  it('folds unquoted names and keeps quoted ones', () => {
    expect(exprOf('Tab.Col')).toEqual(col('col', 'tab'));
    expect(exprOf('"Tab"."Col"')).toEqual(col('Col', 'Tab'));
  });
});

describe('operators', () => {
  it.each<[string, Expr]>([
    ['-a', { kind: 'unary', op: '-', operand: col('a') }],
    ['+a', { kind: 'unary', op: '+', operand: col('a') }],
    ['-(3)', { kind: 'unary', op: '-', operand: int(3) }],
    ['NOT a', { kind: 'unary', op: 'not', operand: col('a') }],
    ['1 - 2 - 3', bin('-', bin('-', int(1), int(2)), int(3))],
    ['1-2', bin('-', int(1), int(2))],
    [
      '1 + 2 * 3 % 4 / 5',
      bin('+', int(1), bin('/', bin('%', bin('*', int(2), int(3)), int(4)), int(5))),
    ],
    ["a || 'x'", bin('||', col('a'), str('x'))],
    ['a != b', bin('<>', col('a'), col('b'))],
    ['a <= b', bin('<=', col('a'), col('b'))],
    ["j -> 'k'", bin('->', col('j'), str('k'))],
    ["j ->> 'k'", bin('->>', col('j'), str('k'))],
  ])('translates %s', (text, expected) => {
    expect(exprOf(text)).toEqual(expected);
  });

  it.each<[string, Expr]>([
    ['a OR b AND c', bin('or', col('a'), bin('and', col('b'), col('c')))],
    ['a AND b OR c', bin('or', bin('and', col('a'), col('b')), col('c'))],
    ['a OR b AND c OR d', bin('or', bin('or', col('a'), bin('and', col('b'), col('c'))), col('d'))],
    ['(a OR b) AND c', bin('and', bin('or', col('a'), col('b')), col('c'))],
    ['NOT a AND b', bin('and', { kind: 'unary', op: 'not', operand: col('a') }, col('b'))],
    ['NOT (a) AND b', bin('and', { kind: 'unary', op: 'not', operand: col('a') }, col('b'))],
    ['NOT (a) = b', { kind: 'unary', op: 'not', operand: bin('=', col('a'), col('b')) }],
    [
      'x OR NOT (a OR b)',
      bin('or', col('x'), { kind: 'unary', op: 'not', operand: bin('or', col('a'), col('b')) }),
    ],
  ])('gives AND precedence over OR in %s, in the select list and in WHERE', (text, expected) => {
    expect(exprOf(text)).toEqual(expected);
    const body = queryOf(`SELECT 1 FROM t WHERE ${text}`).body;
    expect(body.kind === 'select' && body.where).toEqual(expected);
  });

  it('balances a long OR chain, keeping its operands in order and its depth logarithmic', () => {
    const count = 300;
    const chain = Array.from({ length: count }, (_, i) => `a = ${i}`).join(' OR ');
    const leaves: Expr[] = [];
    const depthOf = (expr: Expr): number => {
      if (expr.kind === 'binary' && expr.op === 'or') {
        return 1 + Math.max(depthOf(expr.left), depthOf(expr.right));
      }
      leaves.push(expr);
      return 0;
    };
    expect(depthOf(exprOf(chain))).toBe(Math.ceil(Math.log2(count)));
    expect(leaves).toEqual(Array.from({ length: count }, (_, i) => bin('=', col('a'), int(i))));
  });

  it('refuses a + chain longer than statementDepthMax (arithmetic is not re-associated)', () => {
    const chain = Array.from({ length: LIMITS.statementDepthMax + 1 }, () => 'a').join(' + ');
    const error = errorOf(() => exprOf(chain), ErrorCode.LimitExceeded);
    expect(error.message).toContain('statementDepthMax');
  });
});

describe('predicates', () => {
  it.each<[string, Expr]>([
    ['a IS NULL', { kind: 'is_null', operand: col('a'), negated: false }],
    ['a IS NOT NULL', { kind: 'is_null', operand: col('a'), negated: true }],
    ['a IS TRUE', { kind: 'is_bool', operand: col('a'), value: true, negated: false }],
    ['a IS NOT FALSE', { kind: 'is_bool', operand: col('a'), value: false, negated: true }],
    ['a IS UNKNOWN', { kind: 'is_null', operand: col('a'), negated: false }],
    ['a IS NOT UNKNOWN', { kind: 'is_null', operand: col('a'), negated: true }],
    [
      'a IS DISTINCT FROM b',
      { kind: 'is_distinct', left: col('a'), right: col('b'), negated: false },
    ],
    [
      'a + 1 IS NOT DISTINCT FROM b',
      { kind: 'is_distinct', left: bin('+', col('a'), int(1)), right: col('b'), negated: true },
    ],
    [
      'a BETWEEN 1 AND 2',
      { kind: 'between', operand: col('a'), low: int(1), high: int(2), negated: false },
    ],
    [
      'a NOT BETWEEN 1 AND 2',
      { kind: 'between', operand: col('a'), low: int(1), high: int(2), negated: true },
    ],
    ['a IN (1, 2)', { kind: 'in_list', operand: col('a'), list: [int(1), int(2)], negated: false }],
    ['a NOT IN ($1)', { kind: 'in_list', operand: col('a'), list: [param(1)], negated: true }],
    [
      "a LIKE 'x%'",
      {
        kind: 'like',
        operand: col('a'),
        pattern: str('x%'),
        caseInsensitive: false,
        negated: false,
      },
    ],
    [
      "a NOT LIKE 'x'",
      { kind: 'like', operand: col('a'), pattern: str('x'), caseInsensitive: false, negated: true },
    ],
    [
      "a ILIKE 'x'",
      { kind: 'like', operand: col('a'), pattern: str('x'), caseInsensitive: true, negated: false },
    ],
    [
      "a NOT ILIKE 'x'",
      { kind: 'like', operand: col('a'), pattern: str('x'), caseInsensitive: true, negated: true },
    ],
  ])('translates %s', (text, expected) => {
    expect(exprOf(text)).toEqual(expected);
  });

  it('translates subqueries: IN, EXISTS, NOT EXISTS and scalar', () => {
    const sub = queryOf('SELECT b FROM u');
    expect(exprOf('a IN (SELECT b FROM u)')).toEqual({
      kind: 'in_query',
      operand: col('a'),
      query: sub,
      negated: false,
    });
    expect(exprOf('a NOT IN (SELECT b FROM u)')).toEqual({
      kind: 'in_query',
      operand: col('a'),
      query: sub,
      negated: true,
    });
    expect(exprOf('EXISTS (SELECT b FROM u)')).toEqual({
      kind: 'exists',
      query: sub,
      negated: false,
    });
    expect(exprOf('NOT EXISTS (SELECT b FROM u)')).toEqual({
      kind: 'exists',
      query: sub,
      negated: true,
    });
    expect(exprOf('(SELECT b FROM u)')).toEqual({ kind: 'subquery', query: sub });
  });
});

describe('CASE, CAST and EXTRACT', () => {
  it('translates simple and searched CASE', () => {
    expect(exprOf("CASE a WHEN 1 THEN 'x' ELSE 'y' END")).toEqual({
      kind: 'case',
      operand: col('a'),
      whens: [arm(int(1), str('x'))],
      else: str('y'),
    });
    expect(exprOf('CASE WHEN a > 1 THEN 2 END')).toEqual({
      kind: 'case',
      operand: undefined,
      whens: [arm(bin('>', col('a'), int(1)), int(2))],
      else: undefined,
    });
  });

  it('keeps a :: cast that node-sql-parser reports as the select item itself', () => {
    expect(queryOf('SELECT $1::int AS x').body).toEqual(
      select({
        columns: [item({ kind: 'cast', operand: param(1), type: { kind: 'integer' } }, 'x')],
      }),
    );
  });

  it('translates a parenthesized simple-CASE operand (regression: parsed as a call)', () => {
    expect(exprOf('CASE (a - 1) WHEN 2 THEN 3 END')).toEqual({
      kind: 'case',
      operand: bin('-', col('a'), int(1)),
      whens: [arm(int(2), int(3))],
      else: undefined,
    });
    expect(exprOf('CASE (SELECT b FROM u) WHEN 2 THEN 3 END')).toEqual({
      kind: 'case',
      operand: { kind: 'subquery', query: queryOf('SELECT b FROM u') },
      whens: [arm(int(2), int(3))],
      else: undefined,
    });
  });

  it('translates CAST and :: (chained)', () => {
    expect(exprOf('CAST(a AS VARCHAR(10))')).toEqual({
      kind: 'cast',
      operand: col('a'),
      type: { kind: 'varchar', length: 10 },
    });
    expect(exprOf('a::int::text')).toEqual({
      kind: 'cast',
      operand: { kind: 'cast', operand: col('a'), type: { kind: 'integer' } },
      type: { kind: 'text' },
    });
    expect(exprOf("'1.5'::decimal(4, 1)")).toEqual({
      kind: 'cast',
      operand: str('1.5'),
      type: { kind: 'decimal', precision: 4, scale: 1 },
    });
  });

  it.each<[string, object]>([
    ['int2', { kind: 'smallint' }],
    ['int4', { kind: 'integer' }],
    ['int8', { kind: 'bigint' }],
    ['float4', { kind: 'real' }],
    ['float8', { kind: 'double' }],
    ['float', { kind: 'double' }],
    ['float(24)', { kind: 'real' }],
    ['float(25)', { kind: 'double' }],
    ['double', { kind: 'double' }],
    ['bool', { kind: 'boolean' }],
    ['varchar', { kind: 'text' }],
    ['character varying(3)', { kind: 'varchar', length: 3 }],
    ['timestamp without time zone', { kind: 'timestamp' }],
  ])('casts to the type alias %s', (name, type) => {
    expect(exprOf(`a::${name}`)).toEqual({ kind: 'cast', operand: col('a'), type });
  });

  it.each([
    ['a::timestamp with time zone', 'TIMESTAMP WITH TIME ZONE (TIMESTAMP values are UTC)'],
    ['a::char(3)', 'type CHAR(3)'],
    ['a::numeric', 'NUMERIC without precision; declare NUMERIC(p, s)'],
    ['$1::int * 2 + 3', 'an operator after a select item starting with $n::type (write CAST)'],
  ])('says the cast %s is not supported', (text, what) => {
    expect(errorOf(() => exprOf(text), ErrorCode.NotSupported).message).toBe(
      `Not supported: ${what}`,
    );
  });

  it('translates EXTRACT with a lower-case field', () => {
    expect(exprOf('EXTRACT(YEAR FROM a)')).toEqual({
      kind: 'extract',
      field: 'year',
      operand: col('a'),
    });
  });

  it('keeps the type of a typed literal EXTRACT reads from', () => {
    expect(exprOf("EXTRACT(HOUR FROM DATE '2026-01-15')")).toEqual({
      kind: 'extract',
      field: 'hour',
      operand: {
        kind: 'cast',
        operand: { kind: 'string', value: '2026-01-15' },
        type: { kind: 'date' },
      },
    });
  });
});

describe('function calls', () => {
  it.each<[string, Expr]>([
    ['count(*)', fn('count', [], { star: true })],
    ['COUNT(DISTINCT a)', fn('count', [col('a')], { distinct: true })],
    ['sum(DISTINCT a)', fn('sum', [col('a')], { distinct: true })],
    ['SUM(a) FILTER (WHERE a > 0)', fn('sum', [col('a')], { filter: bin('>', col('a'), int(0)) })],
    ["string_agg(a, ',')", fn('string_agg', [col('a'), str(',')])],
    ['Lower(a)', fn('lower', [col('a')])],
    ['coalesce(a, 1)', fn('coalesce', [col('a'), int(1)])],
    ['substring(a FROM 2 FOR 3)', fn('substring', [col('a'), int(2), int(3)])],
    ['substring(a FROM 2)', fn('substring', [col('a'), int(2)])],
    ['substring(a FOR 3)', fn('substring', [col('a'), int(1), int(3)])],
    ["trim(BOTH 'x' FROM a)", fn('btrim', [col('a'), str('x')])],
    ["trim(LEADING 'x' FROM a)", fn('ltrim', [col('a'), str('x')])],
    ['trim(TRAILING FROM a)', fn('rtrim', [col('a')])],
    ["trim('x' FROM a)", fn('btrim', [col('a'), str('x')])],
    ['trim(a)', fn('trim', [col('a')])],
    ['now()', fn('now', [])],
    ['CURRENT_TIMESTAMP', fn('now', [])],
    ['current_date', fn('current_date', [])],
  ])('translates %s', (text, expected) => {
    expect(exprOf(text)).toEqual(expected);
  });

  it('translates OVER with PARTITION BY, ORDER BY and a ROWS frame', () => {
    const sql =
      'rank() OVER (PARTITION BY a ORDER BY b DESC NULLS LAST ' +
      'ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)';
    expect(exprOf(sql)).toEqual(
      fn('rank', [], {
        over: {
          partitionBy: [col('a')],
          orderBy: [{ expr: col('b'), descending: true, nulls: 'last' }],
          frame: {
            units: 'rows',
            start: { kind: 'preceding', offset: 2 },
            end: { kind: 'current_row' },
          },
        },
      }),
    );
  });

  it('translates frames with UNBOUNDED and FOLLOWING bounds, and the short form', () => {
    const frameOf = (text: string) => {
      const expr = exprOf(text);
      return expr.kind === 'function' ? expr.over?.frame : undefined;
    };
    expect(
      frameOf('sum(a) OVER (ORDER BY a ROWS BETWEEN UNBOUNDED PRECEDING AND 3 FOLLOWING)'),
    ).toEqual({
      units: 'rows',
      start: { kind: 'unbounded_preceding' },
      end: { kind: 'following', offset: 3 },
    });
    expect(frameOf('sum(a) OVER (ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)')).toEqual({
      units: 'rows',
      start: { kind: 'current_row' },
      end: { kind: 'unbounded_following' },
    });
    expect(frameOf('sum(a) OVER (ROWS UNBOUNDED PRECEDING)')).toEqual({
      units: 'rows',
      start: { kind: 'unbounded_preceding' },
      end: { kind: 'current_row' },
    });
  });

  it('translates RANGE frames, with and without a window ORDER BY', () => {
    expect(
      exprOf('sum(a) OVER (ORDER BY b RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)'),
    ).toEqual(
      fn('sum', [col('a')], {
        over: {
          partitionBy: [],
          orderBy: [{ expr: col('b'), descending: false, nulls: undefined }],
          frame: {
            units: 'range',
            start: { kind: 'unbounded_preceding' },
            end: { kind: 'current_row' },
          },
        },
      }),
    );
    expect(
      exprOf('sum(a) OVER (PARTITION BY c RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING)'),
    ).toEqual(
      fn('sum', [col('a')], {
        over: {
          partitionBy: [col('c')],
          orderBy: [],
          frame: {
            units: 'range',
            start: { kind: 'preceding', offset: 1 },
            end: { kind: 'following', offset: 1 },
          },
        },
      }),
    );
  });

  it('keeps a column named range', () => {
    expect(exprOf('range')).toEqual(col('range'));
  });

  it('translates an empty OVER () and window functions with arguments', () => {
    expect(exprOf('count(a) OVER ()')).toEqual(
      fn('count', [col('a')], { over: { partitionBy: [], orderBy: [], frame: undefined } }),
    );
    expect(exprOf('lag(a, 1) OVER (ORDER BY b)')).toEqual(
      fn('lag', [col('a'), int(1)], {
        over: {
          partitionBy: [],
          orderBy: [{ expr: col('b'), descending: false, nulls: undefined }],
          frame: undefined,
        },
      }),
    );
  });
});

describe('not supported', () => {
  it.each([
    ["a ~ 'x'", 'regular expression operators (~)'],
    ['ntile(2) OVER w', 'named windows (OVER w)'],
    ['(a, b)', 'a row value (a, b)'],
    ['CAST(a AS money)', 'type MONEY'],
    ["string_agg(a, ',' ORDER BY a)", 'ORDER BY inside string_agg()'],
    ['a[1]', 'a column reference with ARRAY INDEX'],
    ['lag(a) IGNORE NULLS OVER (ORDER BY b)', 'a function call with CONSIDER NULLS'],
    ['a::int[]', 'array type int[]'],
    ['a NOTNULL', 'NOTNULL / ISNULL (write IS NULL)'],
    ["INTERVAL '1 day'", 'INTERVAL'],
    ['a = ANY ($1)', 'ANY (...) comparisons (write IN (...))'],
  ])('says %s is not supported', (text, what) => {
    expect(errorOf(() => exprOf(text), ErrorCode.NotSupported).message).toBe(
      `Not supported: ${what}`,
    );
  });
});
