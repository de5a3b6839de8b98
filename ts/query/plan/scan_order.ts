/**
 * ORDER BY served by the scan itself: when a query reads one table and orders by primary-key
 * columns (after those fixed by equalities) all in one direction, the key order is the
 * answer's order, so no sort is needed — and `ORDER BY id DESC LIMIT 10` reads ten rows, not
 * the table, and never meets `sortRowsMax`. Key columns are NOT NULL, so NULL placement
 * cannot differ.
 */
import type { Expr, OrderItem } from '../ast.js';
import type { PlanNode } from './plan.js';
import { findColumn, type ScopeColumn } from './scope.js';

/** The scan node reading in the requested order, or undefined when a sort is still needed. */
export function orderedScan(
  node: PlanNode,
  order: readonly { readonly item: OrderItem; readonly expr: Expr }[],
  columns: readonly ScopeColumn[],
): PlanNode | undefined {
  if (order.length === 0) return undefined;
  if (node.kind === 'key_lookup') return node;
  if (node.kind !== 'seq_scan' && (node.kind !== 'key_range' || node.index !== undefined)) {
    return undefined;
  }
  const descending = order[0]?.item.descending === true;
  const skip = node.kind === 'key_range' ? node.prefix : 0;
  const key = node.table.primaryKey;
  for (let i = 0; i < order.length; i++) {
    const { item, expr } = order[i] as (typeof order)[number];
    if (item.descending !== descending || expr.kind !== 'column') return undefined;
    if (findColumn(columns, expr)?.slot !== key[skip + i]) return undefined;
  }
  if (!descending) return node;
  return { ...node, reverse: true };
}
