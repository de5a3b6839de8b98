/**
 * Structural helpers over expression trees: children, AND-splitting, a structural key (for
 * matching GROUP BY expressions, aggregates and windows), collecting aggregate and window
 * calls of one query level, and PostgreSQL's output column names.
 */
import { unreachable } from '../../types/index.js';
import type { Expr, FunctionCall } from '../ast.js';
import { isAggregateName } from '../expr/index.js';

/** The direct sub-expressions of `expr` evaluated in the same query level (subquery bodies
 * are another level and are not included). */
export function childExprs(expr: Expr): readonly Expr[] {
  switch (expr.kind) {
    case 'literal':
    case 'string':
    case 'param':
    case 'column':
    case 'exists':
    case 'subquery':
      return [];
    case 'unary':
    case 'is_null':
    case 'is_bool':
    case 'cast':
    case 'extract':
    case 'in_query':
      return [expr.operand];
    case 'binary':
    case 'is_distinct':
      return [expr.left, expr.right];
    case 'between':
      return [expr.operand, expr.low, expr.high];
    case 'in_list':
      return [expr.operand, ...expr.list];
    case 'like':
      return [expr.operand, expr.pattern];
    case 'case': {
      const parts: Expr[] = expr.operand === undefined ? [] : [expr.operand];
      for (const { when, then } of expr.whens) parts.push(when, then);
      if (expr.else !== undefined) parts.push(expr.else);
      return parts;
    }
    case 'function': {
      const parts: Expr[] = [...expr.args];
      if (expr.filter !== undefined) parts.push(expr.filter);
      if (expr.over !== undefined) {
        parts.push(...expr.over.partitionBy, ...expr.over.orderBy.map((o) => o.expr));
      }
      return parts;
    }
    default:
      return unreachable(expr);
  }
}

/** `a AND b AND c` as `[a, b, c]`. */
export function splitConjuncts(expr: Expr | undefined): Expr[] {
  if (expr === undefined) return [];
  if (expr.kind === 'binary' && expr.op === 'and') {
    return [...splitConjuncts(expr.left), ...splitConjuncts(expr.right)];
  }
  return [expr];
}

/** A string equal for structurally equal expressions; `column` maps a column reference to a
 * canonical spelling (so `t.a` and `a` match when they mean the same column). */
export function exprKey(expr: Expr, column: (e: Extract<Expr, { kind: 'column' }>) => string) {
  return JSON.stringify(expr, (_key, value: unknown) => {
    if (typeof value === 'bigint') return `${value}n`;
    if (value instanceof Uint8Array) return Array.from(value).join(',');
    if (isColumnNode(value)) return column(value);
    return value;
  });
}

function isColumnNode(value: unknown): value is Extract<Expr, { kind: 'column' }> {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'column' &&
    'name' in value
  );
}

export function isAggregateCall(expr: Expr): expr is FunctionCall {
  return expr.kind === 'function' && expr.over === undefined && isAggregateName(expr.name);
}

export function isWindowCall(expr: Expr): expr is FunctionCall {
  return expr.kind === 'function' && expr.over !== undefined;
}

/** Aggregate calls of this level, outermost only (arguments are compiled later and report
 * nested aggregates themselves). Window calls are looked into: `sum(count(*)) OVER ()`. */
export function collectAggregates(expr: Expr, into: FunctionCall[]): void {
  if (isAggregateCall(expr)) {
    into.push(expr);
    return;
  }
  for (const child of childExprs(expr)) collectAggregates(child, into);
}

export function collectWindows(expr: Expr, into: FunctionCall[]): void {
  if (isWindowCall(expr)) {
    into.push(expr);
    return;
  }
  for (const child of childExprs(expr)) collectWindows(child, into);
}

/** PostgreSQL's name for an unaliased output column. */
export function outputName(expr: Expr): string {
  switch (expr.kind) {
    case 'column':
      return expr.name;
    case 'function':
      return expr.name;
    case 'cast':
      return outputName(expr.operand);
    case 'case':
      return 'case';
    case 'exists':
      return 'exists';
    case 'extract':
      return 'extract';
    case 'subquery': {
      const body = expr.query.body;
      const first = body.kind === 'select' ? body.columns[0] : undefined;
      if (body.kind === 'select' && body.columns.length === 1 && first?.kind === 'expr') {
        return first.alias ?? outputName(first.expr);
      }
      return '?column?';
    }
    default:
      return '?column?';
  }
}
