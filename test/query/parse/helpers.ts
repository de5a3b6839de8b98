/** Shared builders for the parser tests: small constructors for expected ASTs, and ways to
 * run the parser and catch its errors. */
import { expect } from 'vitest';
import type { Expr, FunctionCall, Query, Select, Statement } from '../../../ts/query/ast.js';
import { parseStatement } from '../../../ts/query/parse/index.js';
import { KimberliteError } from '../../../ts/types/index.js';

export function statementOf(sql: string): Statement {
  return parseStatement(sql).statement;
}

export function queryOf(sql: string): Query {
  const statement = statementOf(sql);
  if (statement.kind !== 'query') throw new Error(`expected a query, got ${statement.kind}`);
  return statement.query;
}

/** The one select-list expression of `SELECT <expr>`. */
export function exprOf(text: string): Expr {
  const body = queryOf(`SELECT ${text}`).body;
  if (body.kind !== 'select') throw new Error('expected a select');
  const [item] = body.columns;
  if (item?.kind !== 'expr' || body.columns.length !== 1) throw new Error('expected one column');
  return item.expr;
}

/** The error `action` throws, checked to be a KimberliteError with `code`. */
export function errorOf(action: () => unknown, code: string): KimberliteError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(KimberliteError);
  expect((caught as KimberliteError).code).toBe(code);
  return caught as KimberliteError;
}

export const col = (name: string, table?: string): Expr => ({ kind: 'column', table, name });
export const int = (value: number | bigint): Expr => ({
  kind: 'literal',
  value: { kind: 'integer', value: BigInt(value) },
});
export const str = (value: string): Expr => ({ kind: 'string', value });
export const bool = (value: boolean): Expr => ({
  kind: 'literal',
  value: { kind: 'boolean', value },
});
export const param = (index: number): Expr => ({ kind: 'param', index });
export const bin = (
  op: Extract<Expr, { kind: 'binary' }>['op'],
  left: Expr,
  right: Expr,
): Expr => ({
  kind: 'binary',
  op,
  left,
  right,
});

export function fn(name: string, args: Expr[], extra: Partial<FunctionCall> = {}): FunctionCall {
  return {
    kind: 'function',
    name,
    args,
    star: false,
    distinct: false,
    filter: undefined,
    over: undefined,
    ...extra,
  };
}

export function select(parts: Partial<Select>): Select {
  return {
    kind: 'select',
    distinct: false,
    columns: [],
    from: [],
    where: undefined,
    groupBy: [],
    having: undefined,
    ...parts,
  };
}

export function query(body: Query['body'], parts: Partial<Query> = {}): Query {
  return { with: undefined, body, orderBy: [], limit: undefined, offset: undefined, ...parts };
}

export const table = (name: string, alias?: string) => ({ kind: 'table' as const, name, alias });
export const star = { kind: 'star' as const, table: undefined };
export const item = (expr: Expr, alias?: string) => ({ kind: 'expr' as const, expr, alias });
