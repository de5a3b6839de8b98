/**
 * GROUP BY planning. Group keys are GROUP BY expressions (an output position `GROUP BY 2` or
 * an output alias stands for that select item, input columns taking precedence as in
 * PostgreSQL); aggregates are the calls found in the select list, HAVING and ORDER BY,
 * matched structurally so `count(*)` twice is computed once. After grouping, an expression
 * is answered by a group key or aggregate slot; any other column is a grouping error.
 */

import type { SqlValue } from '../../types/index.js';
import { ErrorCode, KimberliteError } from '../../types/index.js';
import type { Expr, FunctionCall } from '../ast.js';
import { aggregateFunction, typeName } from '../expr/index.js';
import type { Compiled, SqlType } from '../types.js';
import { exprKey, isAggregateCall } from './expr_util.js';
import { formatExpr as formatKey } from './format_expr.js';
import { ordinalOf } from './order.js';
import type { AggregateCall, PlanNode } from './plan.js';
import { type BindScope, type ColumnExpr, findColumn, type ScopeColumn } from './scope.js';

export interface SelectItem {
  readonly expr: Expr;
  readonly name: string;
  readonly alias: string | undefined;
  /** For `*` items: the FROM column itself (read by slot when not grouped, so duplicate
   * names in a subquery's output do not make `*` ambiguous). */
  readonly column?: ScopeColumn;
}

export function aggregateCall(
  call: FunctionCall,
  scope: BindScope,
): { call: AggregateCall; type: SqlType } {
  const argScope = scope.with({ clause: 'aggregate function calls' });
  const args = call.args.map((a) => argScope.compile(a));
  const fn = aggregateFunction(
    call.name,
    args.map((a) => a.type),
    call.distinct,
  );
  if (fn === undefined) {
    throw new KimberliteError(
      ErrorCode.UnknownFunction,
      `Unknown function: ${call.name}(${args.map((a) => typeName(a.type)).join(', ')})`,
    );
  }
  const filter =
    call.filter === undefined ? undefined : scope.with({ clause: 'FILTER' }).compile(call.filter);
  return {
    call: { args: args.map((a) => a.eval), filter: filter?.eval, create: () => fn.create() },
    type: fn.type,
  };
}

/** A structural key where column references mean their FROM slot. */
export function keyIn(scope: BindScope): (expr: Expr) => string {
  const column = (c: ColumnExpr): string => {
    try {
      const found = findColumn(scope.options.columns, c);
      if (found !== undefined) return `#${found.slot}`;
    } catch {
      // An ambiguous name keys by its spelling; compiling it reports the ambiguity.
    }
    return `${c.table ?? ''}.${c.name}`;
  };
  return (expr) => exprKey(expr, column);
}

function groupExpr(expr: Expr, items: readonly SelectItem[], scope: BindScope): Expr {
  const ordinal = ordinalOf(expr);
  if (ordinal !== undefined) {
    const item = items[ordinal - 1];
    if (item === undefined) {
      throw new KimberliteError(
        ErrorCode.UnknownColumn,
        `GROUP BY position ${ordinal} is not in the select list`,
      );
    }
    return item.expr;
  }
  if (expr.kind === 'column' && expr.table === undefined) {
    if (findColumn(scope.options.columns, expr) === undefined) {
      const aliased = items.find((i) => i.alias === expr.name);
      if (aliased !== undefined) return aliased.expr;
    }
  }
  return expr;
}

const read =
  (slot: number) =>
  (row: readonly SqlValue[]): SqlValue =>
    row[slot] as SqlValue;

export interface Grouping {
  readonly node: PlanNode;
  /** Answers group keys and aggregates in the grouped row. */
  readonly special: (expr: Expr) => Compiled | undefined;
  readonly width: number;
}

export function planGrouping(
  input: PlanNode,
  groupBy: readonly Expr[],
  calls: readonly FunctionCall[],
  context: {
    items: readonly SelectItem[];
    scope: BindScope;
    /** Columns determined by the keys (a table's columns when its primary key is grouped). */
    dependents: (keys: readonly Expr[]) => Expr[];
  },
): Grouping {
  const { items, scope } = context;
  const key = keyIn(scope);
  const slots = new Map<string, Compiled>();
  const written = groupBy.map((e) => groupExpr(e, items, scope));
  const keys = [...written, ...context.dependents(written)];
  const keyScope = scope.with({ clause: 'GROUP BY' });
  const keyEvals = keys.map((e, i) => {
    const compiled = keyScope.compile(e);
    const k = key(e);
    if (!slots.has(k)) slots.set(k, { type: compiled.type, eval: read(i) });
    return compiled.eval;
  });
  const aggregates: AggregateCall[] = [];
  for (const call of calls) {
    const k = key(call);
    if (slots.has(k) && isAggregateCall(call)) continue;
    const planned = aggregateCall(call, scope);
    slots.set(k, { type: planned.type, eval: read(keys.length + aggregates.length) });
    aggregates.push(planned.call);
  }
  const label = keys.length === 0 ? 'Aggregate' : `Aggregate group by (${keyLabels(written)})`;
  const node: PlanNode = { kind: 'aggregate', input, keys: keyEvals, aggregates, label };
  return {
    node,
    special: (expr) => (expr.kind === 'literal' ? undefined : slots.get(key(expr))),
    width: keys.length + aggregates.length,
  };
}

function keyLabels(keys: readonly Expr[]): string {
  return keys.map((k) => formatKey(k)).join(', ');
}
