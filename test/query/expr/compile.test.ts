import { describe, expect, it } from 'vitest';
import type { Expr } from '../../../ts/query/ast.js';
import { compileExpr } from '../../../ts/query/expr/index.js';
import type { ColumnType, SqlValue } from '../../../ts/types/index.js';
import {
  arm,
  bin,
  boolean,
  cast,
  col,
  compile,
  dec,
  flt,
  fn,
  int,
  lit,
  NULL,
  param,
  run,
  str,
  txt,
} from './helpers.js';

const INTEGER: ColumnType = { kind: 'integer' };
const SMALLINT: ColumnType = { kind: 'smallint' };
const BIGINT: ColumnType = { kind: 'bigint' };
const TEXT: ColumnType = { kind: 'text' };
const DATE: ColumnType = { kind: 'date' };

function fails(code: string, message?: string): unknown {
  return expect.objectContaining(message === undefined ? { code } : { code, message });
}

function withColumn(type: ColumnType, value: SqlValue, expr: (c: Expr) => Expr): SqlValue {
  return run(expr(col('c')), { columns: { c: type }, row: [value] });
}

const not = (operand: Expr): Expr => ({ kind: 'unary', op: 'not', operand });
const neg = (operand: Expr): Expr => ({ kind: 'unary', op: '-', operand });

describe('literals, parameters and columns', () => {
  it('types integer literals as integer when they fit 32 bits, else bigint', () => {
    expect(compile(lit(2147483647)).type).toEqual(INTEGER);
    expect(compile(lit(2147483648)).type).toEqual(BIGINT);
    expect(compile(lit(dec('1.50'))).type).toEqual({ kind: 'decimal', precision: 1000, scale: 2 });
    expect(compile(lit(null)).type).toEqual({ kind: 'unknown' });
    expect(compile(str('x')).type).toEqual({ kind: 'unknown' });
  });

  it('marks literal and parameter expressions constant, column expressions not', () => {
    expect(compile(bin('+', lit(1), lit(2))).constant).toBe(true);
    expect(compile(param(1), { paramTypes: [INTEGER] }).constant).toBe(true);
    expect(compile(fn('now')).constant).toBe(true);
    expect(compile(bin('+', col('a'), lit(1)), { columns: { a: INTEGER } }).constant).toBe(false);
  });

  it('reads parameters from the context with their declared types', () => {
    const c = compile(bin('=', col('a'), param(2)), {
      columns: { a: TEXT },
      paramTypes: [INTEGER, TEXT],
    });
    expect(c.eval([txt('x')], { params: [int(1), txt('x')], nowMicros: 0n })).toEqual(
      boolean(true),
    );
  });

  it('converts an untyped parameter to the type it meets', () => {
    const c = compile(bin('<', col('a'), param(1)), {
      columns: { a: INTEGER },
      paramTypes: [{ kind: 'unknown' }],
    });
    expect(c.eval([int(5)], { params: [txt('10')], nowMicros: 0n })).toEqual(boolean(true));
    expect(c.eval([int(5)], { params: [NULL], nowMicros: 0n })).toEqual(NULL);
  });

  it('lets an untyped parameter stand alone, as in $1 IS NULL', () => {
    const c = compile(
      { kind: 'is_null', operand: param(1), negated: false },
      {
        paramTypes: [{ kind: 'unknown' }],
      },
    );
    expect(c.constant).toBe(true);
    expect(c.eval([], { params: [NULL], nowMicros: 0n })).toEqual(boolean(true));
    expect(c.eval([], { params: [txt('x')], nowMicros: 0n })).toEqual(boolean(false));
  });

  it('reports a missing parameter', () => {
    expect(() => compile(param(3), { paramTypes: [INTEGER] })).toThrow(
      fails('INVALID_PARAMETER', 'there is no parameter $3'),
    );
  });

  it('reports columns, subqueries, aggregates and windows the scope did not answer', () => {
    expect(() => compile(col('ghost'))).toThrow(fails('UNKNOWN_COLUMN', 'Unknown column: ghost'));
    expect(() => compile({ kind: 'column', table: 't', name: 'x' })).toThrow(
      fails('UNKNOWN_COLUMN', 'Unknown column: t.x'),
    );
    const query = {
      with: undefined,
      body: { kind: 'values', rows: [] },
      orderBy: [],
      limit: undefined,
      offset: undefined,
    } as const;
    expect(() => compile({ kind: 'exists', query, negated: false }, { clause: 'VALUES' })).toThrow(
      fails('NOT_SUPPORTED', 'subqueries are not allowed in VALUES'),
    );
    expect(() => compile(fn('sum', lit(1)), { clause: 'WHERE' })).toThrow(
      fails('GROUPING_ERROR', 'aggregate functions are not allowed in WHERE'),
    );
    const windowed = {
      ...fn('upper', str('a')),
      over: { partitionBy: [], orderBy: [], frame: undefined },
    };
    expect(() => compile(windowed, { clause: 'WHERE' })).toThrow(
      fails('GROUPING_ERROR', 'window functions are not allowed in WHERE'),
    );
    expect(() => compile(fn('rank'))).toThrow(fails('GROUPING_ERROR'));
  });

  it('uses what the scope answers for any node, aggregates included', () => {
    const scope = {
      clause: 'HAVING',
      resolve: (e: Expr) =>
        e.kind === 'function' && e.name === 'sum'
          ? { type: BIGINT, eval: () => int(41) }
          : undefined,
    };
    const c = compileExpr(bin('+', fn('sum', col('x')), lit(1)), { scope, paramTypes: [] });
    expect(c.type).toEqual(BIGINT);
    expect(c.eval([], { params: [], nowMicros: 0n })).toEqual(int(42));
  });

  it('refuses expressions nested deeper than the statement depth limit', () => {
    let deep: Expr = lit(1);
    for (let i = 0; i < 300; i++) deep = neg(deep);
    expect(() => compile(deep)).toThrow(fails('LIMIT_EXCEEDED'));
  });
});

describe('arithmetic', () => {
  it('computes integers at the wider operand width', () => {
    expect(withColumn(SMALLINT, int(32767), (c) => bin('+', c, lit(1)))).toEqual(int(32768));
    expect(compile(bin('+', col('c'), col('c')), { columns: { c: SMALLINT } }).type).toEqual(
      SMALLINT,
    );
    expect(() => withColumn(SMALLINT, int(32767), (c) => bin('+', c, c))).toThrow(
      fails('NUMERIC_OVERFLOW', 'smallint out of range'),
    );
    expect(withColumn(BIGINT, int(2147483647), (c) => bin('+', c, lit(1)))).toEqual(
      int(2147483648),
    );
    expect(() => run(bin('*', lit(65536), lit(65536)))).toThrow(
      fails('NUMERIC_OVERFLOW', 'integer out of range'),
    );
    expect(() => withColumn(BIGINT, int(-(2n ** 63n)), (c) => bin('/', c, lit(-1)))).toThrow(
      fails('NUMERIC_OVERFLOW', 'bigint out of range'),
    );
  });

  it('truncates integer division and keeps the dividend sign for modulo', () => {
    expect(run(bin('/', lit(7), lit(2)))).toEqual(int(3));
    expect(run(bin('/', lit(-7), lit(2)))).toEqual(int(-3));
    expect(run(bin('%', lit(-7), lit(3)))).toEqual(int(-1));
    expect(run(fn('mod', lit(7), lit(-3)))).toEqual(int(1));
  });

  it('fails division and modulo by zero for every kind', () => {
    for (const zero of [lit(0), lit(dec('0.0')), lit(flt(0))]) {
      expect(() => run(bin('/', lit(1), zero))).toThrow(
        fails('DIVISION_BY_ZERO', 'division by zero'),
      );
      expect(() => run(bin('%', lit(1), zero))).toThrow(fails('DIVISION_BY_ZERO'));
    }
  });

  it('computes integer with decimal exactly as numeric', () => {
    const sum = compile(bin('+', lit(1), lit(dec('0.25'))));
    expect(sum.type).toEqual({ kind: 'decimal', precision: 1000, scale: 2 });
    expect(run(bin('+', lit(1), lit(dec('0.25'))))).toEqual(dec('1.25'));
    expect(run(bin('*', lit(dec('1.5')), lit(dec('1.5'))))).toEqual(dec('2.25'));
    expect(run(bin('/', lit(1), lit(dec('3.0'))))).toEqual(dec('0.33333333333333333333'));
    expect(run(bin('-', lit(dec('0.1')), lit(dec('0.3'))))).toEqual(dec('-0.2'));
  });

  it('computes in double precision when either side is a float', () => {
    expect(run(bin('+', lit(flt(0.1)), lit(flt(0.2))))).toEqual(flt(0.30000000000000004));
    expect(run(bin('*', lit(dec('0.5')), lit(flt(3))))).toEqual(flt(1.5));
    expect(compile(bin('+', lit(1), lit(flt(1)))).type).toEqual({ kind: 'double' });
    expect(() => run(bin('*', lit(flt(1e308)), lit(10)))).toThrow(fails('NUMERIC_OVERFLOW'));
  });

  it('gives an untyped literal the other operand type', () => {
    expect(run(bin('+', lit(1), str('2')))).toEqual(int(3));
    expect(() => run(bin('+', lit(1), str('x')))).toThrow(
      fails('INVALID_VALUE', 'invalid input syntax for type integer: "x"'),
    );
    expect(run(bin('+', lit(1), lit(null)))).toEqual(NULL);
  });

  it('refuses arithmetic on non-numbers', () => {
    expect(() => withColumn(TEXT, txt('a'), (c) => bin('+', c, lit(1)))).toThrow(
      fails('TYPE_MISMATCH', 'operator does not exist: text + integer'),
    );
    expect(() => run(bin('+', str('1'), str('2')))).toThrow(fails('TYPE_MISMATCH'));
  });

  it('negates at the operand width', () => {
    expect(run(neg(lit(5)))).toEqual(int(-5));
    expect(run(neg(lit(dec('1.50'))))).toEqual(dec('-1.50'));
    expect(() => withColumn(INTEGER, int(-2147483648), (c) => neg(c))).toThrow(
      fails('NUMERIC_OVERFLOW'),
    );
    expect(() => run(neg(lit(true)))).toThrow(fails('TYPE_MISMATCH'));
  });

  it('adds days to dates and subtracts dates', () => {
    const jan15: SqlValue = { kind: 'date', value: 20468 };
    expect(withColumn(DATE, jan15, (c) => bin('+', c, lit(1)))).toEqual({
      kind: 'date',
      value: 20469,
    });
    expect(withColumn(DATE, jan15, (c) => bin('-', c, str('2026-01-01')))).toEqual(int(14));
    expect(withColumn(DATE, jan15, (c) => bin('-', c, lit(15)))).toEqual({
      kind: 'date',
      value: 20453,
    });
  });
});

describe('comparisons and logic', () => {
  it('compares numbers of different kinds exactly', () => {
    expect(run(bin('=', lit(1), lit(dec('1.00'))))).toEqual(boolean(true));
    expect(run(bin('<', lit(flt(0.1)), lit(dec('0.1'))))).toEqual(boolean(false));
    expect(run(bin('<>', lit(2), lit(flt(2.5))))).toEqual(boolean(true));
    expect(run(bin('>=', lit(3), lit(3)))).toEqual(boolean(true));
  });

  it('gives NULL when either side is NULL', () => {
    expect(run(bin('=', lit(null), lit(null)))).toEqual(NULL);
    expect(run(bin('<', lit(1), lit(null)))).toEqual(NULL);
  });

  it('refuses to compare incompatible types, naming both', () => {
    expect(() => withColumn(TEXT, txt('1'), (c) => bin('=', c, lit(1)))).toThrow(
      fails('TYPE_MISMATCH', 'operator does not exist: text = integer'),
    );
    expect(() =>
      withColumn(DATE, { kind: 'date', value: 0 }, (c) => bin('<', c, lit(true))),
    ).toThrow(fails('TYPE_MISMATCH', 'operator does not exist: date < boolean'));
  });

  it('compares a string literal with a decimal column without rounding it', () => {
    const price: ColumnType = { kind: 'decimal', precision: 10, scale: 2 };
    expect(withColumn(price, dec('1.23'), (c) => bin('=', c, str('1.234')))).toEqual(
      boolean(false),
    );
    expect(withColumn(price, dec('1.23'), (c) => bin('=', c, str('1.230')))).toEqual(boolean(true));
  });

  it('follows three-valued logic for AND, OR and NOT', () => {
    const T = lit(true);
    const F = lit(false);
    const N = lit(null);
    expect(run(bin('and', T, N))).toEqual(NULL);
    expect(run(bin('and', N, F))).toEqual(boolean(false));
    expect(run(bin('and', T, T))).toEqual(boolean(true));
    expect(run(bin('or', N, F))).toEqual(NULL);
    expect(run(bin('or', F, T))).toEqual(boolean(true));
    expect(run(bin('or', F, F))).toEqual(boolean(false));
    expect(run(not(N))).toEqual(NULL);
    expect(run(not(F))).toEqual(boolean(true));
  });

  it('refuses non-boolean operands of AND and NOT', () => {
    expect(() => run(bin('and', lit(1), lit(true)))).toThrow(
      fails('TYPE_MISMATCH', 'argument of AND must be type boolean, not type integer'),
    );
    expect(() => run(not(lit(1)))).toThrow(fails('TYPE_MISMATCH'));
    expect(run(bin('and', str('true'), lit(true)))).toEqual(boolean(true));
  });

  it('does not evaluate the right side once the left decides', () => {
    const c = compile(bin('or', lit(true), bin('=', bin('/', col('a'), lit(0)), lit(1))), {
      columns: { a: INTEGER },
    });
    expect(c.eval([int(1)], { params: [], nowMicros: 0n })).toEqual(boolean(true));
  });
});

describe('IS, BETWEEN, IN', () => {
  it('tests NULL, truth and distinctness without producing NULL', () => {
    expect(run({ kind: 'is_null', operand: lit(null), negated: false })).toEqual(boolean(true));
    expect(run({ kind: 'is_null', operand: lit(1), negated: true })).toEqual(boolean(true));
    const isTrue = (operand: Expr, negated: boolean): Expr => ({
      kind: 'is_bool',
      operand,
      value: true,
      negated,
    });
    expect(run(isTrue(lit(null), false))).toEqual(boolean(false));
    expect(run(isTrue(lit(null), true))).toEqual(boolean(true));
    expect(run({ kind: 'is_bool', operand: lit(false), value: false, negated: false })).toEqual(
      boolean(true),
    );
    const distinct = (left: Expr, right: Expr, negated = false): Expr => ({
      kind: 'is_distinct',
      left,
      right,
      negated,
    });
    expect(run(distinct(lit(null), lit(null)))).toEqual(boolean(false));
    expect(run(distinct(lit(1), lit(null)))).toEqual(boolean(true));
    expect(run(distinct(lit(1), lit(dec('1.0')), true))).toEqual(boolean(true));
  });

  it('evaluates BETWEEN inclusively with three-valued logic', () => {
    const between = (operand: Expr, low: Expr, high: Expr, negated = false): Expr => ({
      kind: 'between',
      operand,
      low,
      high,
      negated,
    });
    expect(run(between(lit(5), lit(1), lit(5)))).toEqual(boolean(true));
    expect(run(between(lit(6), lit(1), lit(5)))).toEqual(boolean(false));
    expect(run(between(lit(6), lit(null), lit(5)))).toEqual(boolean(false));
    expect(run(between(lit(3), lit(null), lit(5)))).toEqual(NULL);
    expect(run(between(lit(3), lit(1), lit(5), true))).toEqual(boolean(false));
    expect(run(between(lit(3), lit(null), lit(5), true))).toEqual(NULL);
  });

  it('is NULL for IN without a match when the list holds NULL', () => {
    const inList = (operand: Expr, list: Expr[], negated = false): Expr => ({
      kind: 'in_list',
      operand,
      list,
      negated,
    });
    expect(run(inList(lit(1), [lit(1), lit(null)]))).toEqual(boolean(true));
    expect(run(inList(lit(2), [lit(1), lit(null)]))).toEqual(NULL);
    expect(run(inList(lit(2), [lit(1), lit(3)]))).toEqual(boolean(false));
    expect(run(inList(lit(2), [lit(1), lit(null)], true))).toEqual(NULL);
    expect(run(inList(lit(2), [lit(1), lit(3)], true))).toEqual(boolean(true));
    expect(run(inList(lit(null), [lit(1)]))).toEqual(NULL);
    expect(withColumn(INTEGER, int(2), (c) => inList(c, [lit(dec('2.0')), lit(flt(9))]))).toEqual(
      boolean(true),
    );
    expect(withColumn(TEXT, txt('b'), (c) => inList(c, [str('a'), str('b')]))).toEqual(
      boolean(true),
    );
    const c = compile(inList(col('a'), [param(1), lit(3)]), {
      columns: { a: INTEGER },
      paramTypes: [INTEGER],
    });
    expect(c.eval([int(7)], { params: [int(7)], nowMicros: 0n })).toEqual(boolean(true));
    expect(() => withColumn(TEXT, txt('b'), (c) => inList(c, [lit(1)]))).toThrow(
      fails('TYPE_MISMATCH'),
    );
  });
});

describe('LIKE, CASE, CAST, EXTRACT, JSON, ||', () => {
  const like = (operand: Expr, pattern: Expr, caseInsensitive = false, negated = false): Expr => ({
    kind: 'like',
    operand,
    pattern,
    caseInsensitive,
    negated,
  });

  it('matches LIKE and ILIKE patterns', () => {
    expect(run(like(str('hello'), str('h%o')))).toEqual(boolean(true));
    expect(run(like(str('hello'), str('H%')))).toEqual(boolean(false));
    expect(run(like(str('hello'), str('H%'), true))).toEqual(boolean(true));
    expect(run(like(str('hello'), str('h_llo'), false, true))).toEqual(boolean(false));
    expect(run(like(lit(null), str('%')))).toEqual(NULL);
    expect(() => run(like(lit(1), str('1')))).toThrow(fails('TYPE_MISMATCH'));
    const c = compile(like(str('a_c'), col('p')), { columns: { p: TEXT } });
    expect(c.eval([txt(String.raw`a\_c`)], { params: [], nowMicros: 0n })).toEqual(boolean(true));
    expect(c.eval([txt(String.raw`a\%c`)], { params: [], nowMicros: 0n })).toEqual(boolean(false));
  });

  it('evaluates searched and simple CASE with a common result type', () => {
    const searched: Expr = {
      kind: 'case',
      operand: undefined,
      whens: [
        arm(bin('<', col('c'), lit(0)), lit(-1)),
        arm(bin('=', col('c'), lit(0)), lit(dec('0.5'))),
      ],
      else: lit(flt(1)),
    };
    expect(compile(searched, { columns: { c: INTEGER } }).type).toEqual({ kind: 'double' });
    expect(run(searched, { columns: { c: INTEGER }, row: [int(-5)] })).toEqual(flt(-1));
    expect(run(searched, { columns: { c: INTEGER }, row: [int(0)] })).toEqual(flt(0.5));
    expect(run(searched, { columns: { c: INTEGER }, row: [NULL] })).toEqual(flt(1));
    const simple: Expr = {
      kind: 'case',
      operand: col('c'),
      whens: [arm(lit(1), str('one')), arm(lit(null), str('null'))],
      else: undefined,
    };
    expect(run(simple, { columns: { c: INTEGER }, row: [int(1)] })).toEqual(txt('one'));
    expect(run(simple, { columns: { c: INTEGER }, row: [NULL] })).toEqual(NULL);
    const mixed: Expr = { ...simple, else: lit(2) };
    expect(() => compile(mixed, { columns: { c: INTEGER } })).toThrow(
      fails('INVALID_VALUE', 'invalid input syntax for type integer: "one"'),
    );
    const bad: Expr = { ...simple, whens: [arm(lit(1), lit(true))], else: lit(2) };
    expect(() => compile(bad, { columns: { c: INTEGER } })).toThrow(
      fails('TYPE_MISMATCH', 'CASE types boolean and integer cannot be matched'),
    );
  });

  it('does not fail compilation for an error in a branch no row reaches', () => {
    const guarded: Expr = {
      kind: 'case',
      operand: undefined,
      whens: [arm(lit(false), bin('/', lit(1), lit(0)))],
      else: lit(0),
    };
    expect(run(guarded)).toEqual(int(0));
  });

  it('casts, refusing senseless pairs at compile time', () => {
    expect(run(cast(str('42'), INTEGER))).toEqual(int(42));
    expect(run(cast(lit(dec('2.5')), INTEGER))).toEqual(int(3));
    expect(run(cast(lit(flt(2.5)), INTEGER))).toEqual(int(2));
    expect(run(cast(lit(12), TEXT))).toEqual(txt('12'));
    expect(() => run(cast(str('2026-02-30'), DATE))).toThrow(fails('INVALID_VALUE'));
    expect(() => compile(cast(col('d'), INTEGER), { columns: { d: DATE } })).toThrow(
      fails('TYPE_MISMATCH', 'cannot cast type date to integer'),
    );
    expect(withColumn({ kind: 'real' }, flt(Math.fround(0.1)), (c) => cast(c, TEXT))).toEqual(
      txt('0.1'),
    );
  });

  it('extracts fields from dates and timestamps as numerics', () => {
    const extract = (field: string, operand: Expr): Expr => ({ kind: 'extract', field, operand });
    expect(
      run(extract('year', col('d')), {
        columns: { d: DATE },
        row: [{ kind: 'date', value: 20468 }],
      }),
    ).toEqual(dec('2026'));
    expect(run(extract('second', str('2026-01-15 10:30:45.5')))).toEqual(dec('45.500000'));
    expect(() => compile(extract('hour', col('d')), { columns: { d: DATE } })).toThrow(
      fails('NOT_SUPPORTED'),
    );
    expect(() => run(extract('year', lit(1)))).toThrow(fails('TYPE_MISMATCH'));
  });

  it('reads JSON members and elements, missing ones as NULL', () => {
    const doc: SqlValue = { kind: 'json', value: '{"a":{"b":[10,"x",null]},"s":"hi"}' };
    const J = lit(doc);
    expect(run(bin('->', J, str('a')))).toEqual({ kind: 'json', value: '{"b":[10,"x",null]}' });
    expect(run(bin('->>', bin('->', bin('->', J, str('a')), str('b')), lit(1)))).toEqual(txt('x'));
    expect(run(bin('->>', bin('->', bin('->', J, str('a')), str('b')), lit(-3)))).toEqual(
      txt('10'),
    );
    expect(run(bin('->>', bin('->', bin('->', J, str('a')), str('b')), lit(2)))).toEqual(NULL);
    expect(run(bin('->', bin('->', bin('->', J, str('a')), str('b')), lit(2)))).toEqual({
      kind: 'json',
      value: 'null',
    });
    expect(run(bin('->>', J, str('s')))).toEqual(txt('hi'));
    expect(run(bin('->', J, str('zzz')))).toEqual(NULL);
    expect(run(bin('->', J, lit(0)))).toEqual(NULL);
    expect(() => withColumn(TEXT, txt('{}'), (c) => bin('->', c, str('a')))).toThrow(
      fails('TYPE_MISMATCH'),
    );
  });

  it('concatenates with ||, NULL when either side is NULL', () => {
    expect(run(bin('||', str('a'), str('b')))).toEqual(txt('ab'));
    expect(run(bin('||', str('n='), lit(dec('1.50'))))).toEqual(txt('n=1.50'));
    expect(run(bin('||', str('a'), lit(null)))).toEqual(NULL);
    expect(run(bin('||', lit(true), lit(flt(0.5))))).toEqual(txt('true0.5'));
  });
});
