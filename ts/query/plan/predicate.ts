/**
 * Conjunct bookkeeping for predicate placement: which slots of the FROM row a condition reads
 * (found by compiling it against the full FROM scope with tracking on), and turning a list of
 * conditions into one compiled `Predicate` for a given scope.
 */
import type { Expr } from '../ast.js';
import { isTrue } from '../expr/index.js';
import type { Evaluator } from '../types.js';
import { formatExpr } from './format_expr.js';
import type { Predicate } from './plan.js';
import type { BindScope, ScopeColumn } from './scope.js';

export interface Conjunct {
  readonly expr: Expr;
  /** Absolute FROM-row slots the condition reads (outer references are not slots). */
  readonly slots: ReadonlySet<number>;
}

const TRUE = { kind: 'boolean', value: true } as const;
const FALSE = { kind: 'boolean', value: false } as const;

/** Compiles `expr` against `columns` only to learn which of their slots it reads. */
export function slotsOf(expr: Expr, scope: BindScope, columns: readonly ScopeColumn[]) {
  const track = new Set<number>();
  scope.with({ columns, track, grouped: false }).compile(expr);
  return track;
}

export function conjunctsOf(
  exprs: readonly Expr[],
  scope: BindScope,
  columns: readonly ScopeColumn[],
): Conjunct[] {
  return exprs.map((expr) => ({ expr, slots: slotsOf(expr, scope, columns) }));
}

export function within(slots: ReadonlySet<number>, start: number, width: number): boolean {
  for (const slot of slots) if (slot < start || slot >= start + width) return false;
  return true;
}

export function conditionText(exprs: readonly Expr[]): string {
  return exprs.map((e) => formatExpr(e)).join(' AND ');
}

/** One predicate that is true when every condition is true; undefined for none. */
export function predicateOf(exprs: readonly Expr[], scope: BindScope): Predicate | undefined {
  if (exprs.length === 0) return undefined;
  const evals: Evaluator[] = exprs.map((e) => scope.compile(e).eval);
  const text = conditionText(exprs);
  const [only] = evals;
  if (evals.length === 1 && only !== undefined) return { eval: only, text };
  return {
    eval: (row, ctx) => {
      for (const test of evals) if (!isTrue(test(row, ctx))) return FALSE;
      return TRUE;
    },
    text,
  };
}
