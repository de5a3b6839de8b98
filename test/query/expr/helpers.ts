/**
 * Builders for hand-written expression ASTs and a tiny scope that resolves column references
 * to row slots, shared by the expression compiler's tests.
 */
import type { Expr, FunctionCall } from '../../../ts/query/ast.js';
import { compileExpr } from '../../../ts/query/expr/index.js';
import type { Compiled, Scope, SqlType } from '../../../ts/query/types.js';
import type { ColumnType, SqlValue } from '../../../ts/types/index.js';

export const NULL: SqlValue = { kind: 'null' };

export function int(value: number | bigint): SqlValue {
  return { kind: 'integer', value: BigInt(value) };
}

export function dec(text: string): SqlValue {
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const [whole = '', fraction = ''] = body.split('.');
  const unscaled = BigInt(`${whole}${fraction}`);
  return { kind: 'decimal', unscaled: negative ? -unscaled : unscaled, scale: fraction.length };
}

export function flt(value: number): SqlValue {
  return { kind: 'float', value };
}

export function txt(value: string): SqlValue {
  return { kind: 'text', value };
}

export function boolean(value: boolean): SqlValue {
  return { kind: 'boolean', value };
}

export function lit(value: SqlValue | number | bigint | boolean | null): Expr {
  if (value === null) return { kind: 'literal', value: NULL };
  if (typeof value === 'number' || typeof value === 'bigint')
    return { kind: 'literal', value: int(value) };
  if (typeof value === 'boolean') return { kind: 'literal', value: boolean(value) };
  return { kind: 'literal', value };
}

export function str(value: string): Expr {
  return { kind: 'string', value };
}

export function col(name: string): Expr {
  return { kind: 'column', table: undefined, name };
}

export function param(index: number): Expr {
  return { kind: 'param', index };
}

export function bin(op: Extract<Expr, { kind: 'binary' }>['op'], left: Expr, right: Expr): Expr {
  return { kind: 'binary', op, left, right };
}

export function fn(name: string, ...args: Expr[]): FunctionCall {
  return {
    kind: 'function',
    name,
    args,
    star: false,
    distinct: false,
    filter: undefined,
    over: undefined,
  };
}

export function cast(operand: Expr, type: ColumnType): Expr {
  return { kind: 'cast', operand, type };
}

/** A scope over named columns: column `i` of `columns` is row slot `i`. */
export function scopeOf(columns: Record<string, ColumnType> = {}, clause = 'WHERE'): Scope {
  const names = Object.keys(columns);
  return {
    clause,
    resolve(expr: Expr): Compiled | undefined {
      if (expr.kind !== 'column') return undefined;
      const slot = names.indexOf(expr.name);
      if (slot < 0) return undefined;
      return { type: columns[expr.name] as ColumnType, eval: (row) => row[slot] as SqlValue };
    },
  };
}

export interface Setup {
  readonly columns?: Record<string, ColumnType>;
  readonly paramTypes?: readonly SqlType[];
  readonly clause?: string;
}

export function compile(expr: Expr, setup: Setup = {}): Compiled {
  return compileExpr(expr, {
    scope: scopeOf(setup.columns ?? {}, setup.clause),
    paramTypes: setup.paramTypes ?? [],
  });
}

export const NOW_MICROS = 1_768_473_000_123_456n; // 2026-01-15 10:30:00.123456 UTC

/** Compiles and evaluates `expr` over one row and the given parameters. */
export function run(
  expr: Expr,
  options: Setup & {
    readonly row?: readonly SqlValue[];
    readonly params?: readonly SqlValue[];
  } = {},
): SqlValue {
  return compile(expr, options).eval(options.row ?? [], {
    params: options.params ?? [],
    nowMicros: NOW_MICROS,
  });
}

/** One `WHEN ... THEN ...` arm of a CASE expression. */
export function arm(when: Expr, result: Expr): { readonly when: Expr; readonly then: Expr } {
  // biome-ignore lint/suspicious/noThenProperty: the AST's CASE arm names its result `then`.
  return { when, then: result };
}
