/**
 * Planning one SELECT: FROM and WHERE (with pushdown, from.ts), GROUP BY / aggregates and
 * HAVING, window functions, the select list, DISTINCT, ORDER BY and LIMIT.
 *
 * Operator order: without DISTINCT, rows are sorted before projection, so ORDER BY may use
 * any input expression; with DISTINCT, ORDER BY must name output columns (as in PostgreSQL)
 * and sorting happens after the projection.
 */
import { ErrorCode, KimberliteError, type SqlValue } from '../../types/index.js';
import type { Expr, FunctionCall, OrderItem, Select } from '../ast.js';
import type { Compiled } from '../types.js';
import { keyIn, planGrouping, type SelectItem } from './aggregate.js';
import { collectAggregates, collectWindows, outputName, splitConjuncts } from './expr_util.js';
import { type BoundFrom, bindFrom, buildFrom } from './from.js';
import { ordinalOf, sortKey, withLimit } from './order.js';
import type { PlanNode, SortKey, WindowCall } from './plan.js';
import { conjunctsOf, predicateOf } from './predicate.js';
import type { Planned } from './query.js';
import { orderedScan } from './scan_order.js';
import { BindScope, findColumn, type PlanEnv, type ScopeColumn } from './scope.js';
import { planWindowCall } from './window_plan.js';

const UNKNOWN = { kind: 'unknown' } as const;

export interface Tail {
  readonly orderBy: readonly OrderItem[];
  readonly limit: Expr | undefined;
  readonly offset: Expr | undefined;
}

function column(qualifier: string | undefined, name: string): Expr {
  return { kind: 'column', table: qualifier, name };
}

function expandItems(select: Select, columns: readonly ScopeColumn[], hasFrom: boolean) {
  const items: SelectItem[] = [];
  for (const item of select.columns) {
    if (item.kind === 'expr') {
      items.push({ expr: item.expr, name: item.alias ?? outputName(item.expr), alias: item.alias });
      continue;
    }
    if (!hasFrom) {
      throw new KimberliteError(ErrorCode.SyntaxError, 'SELECT * with no tables specified');
    }
    const table = item.table;
    const chosen = columns.filter((c) =>
      table === undefined ? c.unqualified : c.qualifier === table,
    );
    if (table !== undefined && chosen.length === 0) {
      throw new KimberliteError(ErrorCode.UnknownTable, `Unknown table: ${table}`);
    }
    for (const c of chosen) {
      const qualifier = c.qualifier === undefined || table === undefined ? c.qualifier : table;
      items.push({ expr: column(qualifier, c.name), name: c.name, alias: undefined, column: c });
    }
  }
  return items;
}

interface Level {
  node: PlanNode;
  scope: BindScope;
  width: number;
}

function fromLevel(select: Select, base: BindScope): Level & { bound: BoundFrom | undefined } {
  const bound = bindFrom(select.from, base);
  const columns = bound?.columns ?? [];
  const where = splitConjuncts(select.where);
  const scope = base.with({ clause: 'WHERE', columns });
  let node: PlanNode;
  if (bound === undefined) {
    node = { kind: 'one_row' };
    const predicate = predicateOf(where, scope);
    if (predicate !== undefined) node = { kind: 'filter', input: node, predicate };
  } else {
    node = buildFrom(bound, conjunctsOf(where, scope, columns), base);
  }
  return { node, scope, width: bound?.width ?? 0, bound };
}

function windowLevel(level: Level, calls: readonly FunctionCall[]): Level {
  if (calls.length === 0) return level;
  const key = keyIn(level.scope);
  const slots = new Map<string, Compiled>();
  const planned: WindowCall[] = [];
  const callScope = level.scope.with({ clause: 'window functions' });
  for (const call of calls) {
    const k = key(call);
    if (slots.has(k)) continue;
    const { call: windowCall, type } = planWindowCall(call, callScope);
    const slot = level.width + planned.length;
    slots.set(k, { type, eval: (row) => row[slot] as NonNullable<(typeof row)[number]> });
    planned.push(windowCall);
  }
  const previous = level.scope.options.special;
  const special = (e: Expr) =>
    previous?.(e) ??
    (e.kind === 'function' && e.over !== undefined ? slots.get(key(e)) : undefined);
  return {
    node: { kind: 'window', input: level.node, calls: planned },
    scope: level.scope.with({ special }),
    width: level.width + planned.length,
  };
}

/** The output position an ORDER BY item names (`ORDER BY 2`, `ORDER BY alias`), if any. */
function outputRef(expr: Expr, items: readonly SelectItem[]): number | undefined {
  const ordinal = ordinalOf(expr);
  if (ordinal !== undefined) {
    if (ordinal < 1 || ordinal > items.length) {
      throw new KimberliteError(
        ErrorCode.UnknownColumn,
        `ORDER BY position ${ordinal} is not in the select list`,
      );
    }
    return ordinal - 1;
  }
  if (expr.kind !== 'column' || expr.table !== undefined) return undefined;
  const matches = items.flatMap((item, i) => (item.name === expr.name ? [i] : []));
  return matches.length === 1 ? matches[0] : undefined;
}

function orderKeys(
  tail: Tail,
  items: readonly SelectItem[],
  compiled: readonly Compiled[],
  context: { scope: BindScope; distinct: boolean },
): SortKey[] {
  const key = keyIn(context.scope);
  const orderScope = context.scope.with({ clause: 'ORDER BY' });
  return tail.orderBy.map((item) => {
    let at = outputRef(item.expr, items);
    if (!context.distinct) {
      const c = at === undefined ? orderScope.compile(item.expr) : (compiled[at] as Compiled);
      return sortKey(item, c);
    }
    if (at === undefined) {
      const wanted = key(item.expr);
      const found = items.findIndex((i) => key(i.expr) === wanted);
      if (found < 0) {
        throw new KimberliteError(
          ErrorCode.GroupingError,
          'for SELECT DISTINCT, ORDER BY expressions must appear in the select list',
        );
      }
      at = found;
    }
    const slot = at;
    const type = (compiled[slot] as Compiled).type;
    return sortKey(item, { type, eval: (row) => row[slot] as NonNullable<(typeof row)[number]> });
  });
}

/** The ORDER BY served by a single table's key order, if it can be (scan_order.ts). */
function orderedByScan(level: Level, tail: Tail, items: readonly SelectItem[]) {
  const order = tail.orderBy.map((item) => {
    const at = outputRef(item.expr, items);
    return { item, expr: at === undefined ? item.expr : (items[at] as SelectItem).expr };
  });
  return orderedScan(level.node, order, level.scope.options.columns);
}

function collectCalls(select: Select, items: readonly SelectItem[], tail: Tail) {
  const exprs = [...items.map((i) => i.expr), ...tail.orderBy.map((o) => o.expr)];
  const aggregates: FunctionCall[] = [];
  const windows: FunctionCall[] = [];
  for (const e of [...exprs, ...(select.having === undefined ? [] : [select.having])]) {
    collectAggregates(e, aggregates);
  }
  for (const e of exprs) collectWindows(e, windows);
  return { aggregates, windows };
}

export function planSelect(
  select: Select,
  tail: Tail,
  env: PlanEnv,
  parent: BindScope | undefined,
): Planned {
  const base = new BindScope(env, { parent }, { clause: 'FROM', columns: [] });
  const from = fromLevel(select, base);
  const items = expandItems(select, from.scope.options.columns, select.from.length > 0);
  const { aggregates, windows } = collectCalls(select, items, tail);
  const grouped = select.groupBy.length > 0 || select.having !== undefined || aggregates.length > 0;
  // One table, read as it is: `SELECT *` needs no projection and key order may serve ORDER BY.
  const plainTable = !grouped && windows.length === 0 && from.bound?.kind === 'table';
  const star = select.columns.length === 1 && select.columns[0]?.kind === 'star';
  const level = windowLevel(
    grouped ? groupLevel(select, from, { items, aggregates }) : from,
    windows,
  );
  const selectScope = level.scope.with({ clause: 'SELECT' });
  const compiled = items.map((i): Compiled => {
    const slot = i.column?.slot;
    if (grouped || slot === undefined) return selectScope.compile(i.expr);
    return { type: i.column?.type ?? UNKNOWN, eval: (row) => row[slot] as SqlValue };
  });
  const node = finish(level, { select, tail, items, compiled }, { plainTable, star });
  const columns = items.map((item, i) => ({
    name: item.name,
    type: (compiled[i] as Compiled).type,
  }));
  return { node: withLimit(node, tail, env, parent), columns };
}

interface Output {
  readonly select: Select;
  readonly tail: Tail;
  readonly items: readonly SelectItem[];
  readonly compiled: readonly Compiled[];
}

/** Sort (or key order), projection and DISTINCT, in the order the module comment gives. */
function finish(level: Level, out: Output, flags: { plainTable: boolean; star: boolean }) {
  const { select, tail, items, compiled } = out;
  const distinct = select.distinct;
  const keys = orderKeys(tail, items, compiled, { scope: level.scope, distinct });
  let node = level.node;
  const scanned = flags.plainTable && !distinct ? orderedByScan(level, tail, items) : undefined;
  if (scanned !== undefined) node = scanned;
  else if (!distinct && keys.length > 0) node = { kind: 'sort', input: node, keys };
  if (!(flags.plainTable && flags.star)) {
    node = { kind: 'project', input: node, exprs: compiled.map((c) => c.eval) };
  }
  if (distinct) node = { kind: 'distinct', input: node };
  if (distinct && keys.length > 0) node = { kind: 'sort', input: node, keys };
  return node;
}

function tableLeaves(bound: BoundFrom | undefined): Extract<BoundFrom, { kind: 'table' }>[] {
  if (bound === undefined || bound.kind === 'node') return [];
  if (bound.kind === 'table') return [bound];
  return [...tableLeaves(bound.left), ...tableLeaves(bound.right)];
}

/** PostgreSQL's functional dependency rule: grouping by a table's whole primary key lets
 * the select list use that table's other columns, which are added as (redundant) keys. */
function dependentColumns(
  bound: BoundFrom | undefined,
  keys: readonly Expr[],
  scope: BindScope,
): Expr[] {
  const grouped = new Set<number>();
  for (const key of keys) {
    const found = key.kind === 'column' ? findColumn(scope.options.columns, key) : undefined;
    if (found !== undefined) grouped.add(found.slot);
  }
  const extra: Expr[] = [];
  for (const leaf of tableLeaves(bound)) {
    const key = leaf.table.primaryKey.map((i) => leaf.start + i);
    if (key.length === 0 || !key.every((slot) => grouped.has(slot))) continue;
    for (const c of leaf.columns) if (!grouped.has(c.slot)) extra.push(column(c.qualifier, c.name));
  }
  return extra;
}

function groupLevel(
  select: Select,
  level: Level & { bound?: BoundFrom | undefined },
  context: { items: readonly SelectItem[]; aggregates: readonly FunctionCall[] },
): Level {
  const grouping = planGrouping(level.node, select.groupBy, context.aggregates, {
    items: context.items,
    scope: level.scope,
    dependents: (keys) => dependentColumns(level.bound, keys, level.scope),
  });
  const scope = level.scope.with({ clause: 'SELECT', grouped: true, special: grouping.special });
  let node = grouping.node;
  // Whole, not split at AND: the condition itself may be a grouped expression.
  const havingExprs = select.having === undefined ? [] : [select.having];
  const having = predicateOf(havingExprs, scope.with({ clause: 'HAVING' }));
  if (having !== undefined) node = { kind: 'filter', input: node, predicate: having };
  return { node, scope, width: grouping.width };
}
