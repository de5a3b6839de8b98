/**
 * ORDER BY keys and LIMIT / OFFSET counts. PostgreSQL's direction defaults: NULLs sort as
 * larger than any value, so last ascending and first descending unless NULLS says otherwise.
 */
import type { Expr, OrderItem } from '../ast.js';
import type { Compiled } from '../types.js';
import { formatExpr, formatOrderItem } from './format_expr.js';
import type { PlanNode, Predicate, SortKey } from './plan.js';
import { BindScope, type PlanEnv } from './scope.js';

export function sortKey(item: OrderItem, compiled: Compiled): SortKey {
  return {
    eval: compiled.eval,
    descending: item.descending,
    nullsFirst: item.nulls === undefined ? item.descending : item.nulls === 'first',
    text: formatOrderItem(item),
  };
}

/** A 1-based output position written as an integer literal (`ORDER BY 2`). */
export function ordinalOf(expr: Expr): number | undefined {
  if (expr.kind !== 'literal' || expr.value.kind !== 'integer') return undefined;
  return Number(expr.value.value);
}

function countPredicate(
  expr: Expr | undefined,
  clause: string,
  env: PlanEnv,
  parent: BindScope | undefined,
): Predicate | undefined {
  if (expr === undefined) return undefined;
  const scope = new BindScope(env, { parent }, { clause, columns: [] });
  return { eval: scope.compile(expr).eval, text: formatExpr(expr) };
}

export function withLimit(
  node: PlanNode,
  tail: { readonly limit: Expr | undefined; readonly offset: Expr | undefined },
  env: PlanEnv,
  parent: BindScope | undefined,
): PlanNode {
  if (tail.limit === undefined && tail.offset === undefined) return node;
  const limit = countPredicate(tail.limit, 'LIMIT', env, parent);
  const offset = countPredicate(tail.offset, 'OFFSET', env, parent);
  return { kind: 'limit', input: withTop(node, limit, offset), limit, offset };
}

/** Tells a sort under a LIMIT that only the first LIMIT + OFFSET rows are wanted, so it keeps
 * just those (`ORDER BY x LIMIT 10` over any number of rows holds ten). */
function withTop(
  node: PlanNode,
  limit: Predicate | undefined,
  offset: Predicate | undefined,
): PlanNode {
  if (limit === undefined) return node;
  if (node.kind === 'sort') return { ...node, top: { limit, offset } };
  if (node.kind === 'project') return { ...node, input: withTop(node.input, limit, offset) };
  return node;
}
