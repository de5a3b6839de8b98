/**
 * The FROM clause: binding items to columns (tables, WITH queries, subqueries, joins with ON
 * or USING), then building the physical tree with WHERE and ON conditions pushed as far down
 * as the join types allow:
 * - inner and cross joins: a condition on one side goes to that side; the rest become the
 *   join condition;
 * - left (right) joins: WHERE conditions on the preserved side go down; ON conditions on the
 *   nullable side go down to it; the rest stay at the join (ON) or above it (WHERE);
 * - full joins: nothing moves.
 * Equalities between the two sides make a hash join; otherwise a nested loop.
 *
 * Slots: a bound item covers `[start, start + width)` of the FROM row; a join's row is its
 * left row, its right row, then its USING columns.
 */
import { ErrorCode, KimberliteError, type SqlValue } from '../../types/index.js';
import type { Expr, FromItem } from '../ast.js';
import { commonType } from '../expr/index.js';
import type { Evaluator, TableSchema } from '../types.js';
import { chooseAccessPath } from './access_path.js';
import { splitConjuncts } from './expr_util.js';
import { lookupJoin } from './lookup_join.js';
import type { JoinType, MergedColumn, PlanNode } from './plan.js';
import { type Conjunct, conditionText, predicateOf, slotsOf, within } from './predicate.js';
import { planQuery } from './query.js';
import { type BindScope, findColumn, type ScopeColumn } from './scope.js';
import { resolveTableName } from './tables.js';

interface BoundBase {
  readonly start: number;
  readonly width: number;
  readonly columns: readonly ScopeColumn[];
}

export type BoundFrom =
  | (BoundBase & { readonly kind: 'table'; readonly table: TableSchema; readonly label: string })
  | (BoundBase & { readonly kind: 'node'; readonly node: PlanNode })
  | (BoundBase & {
      readonly kind: 'join';
      readonly type: JoinType;
      readonly left: BoundFrom;
      readonly right: BoundFrom;
      readonly on: Expr | undefined;
      readonly merged: readonly MergedColumn[];
    });

/** Binds comma-separated items as left-deep cross joins. */
export function bindFrom(items: readonly FromItem[], scope: BindScope): BoundFrom | undefined {
  let bound: BoundFrom | undefined;
  for (const item of items) {
    const start = bound === undefined ? 0 : bound.start + bound.width;
    const right = bindItem(item, scope, start);
    bound = bound === undefined ? right : crossJoin(bound, right);
  }
  return bound;
}

function crossJoin(left: BoundFrom, right: BoundFrom): BoundFrom {
  return {
    kind: 'join',
    type: 'cross',
    left,
    right,
    on: undefined,
    merged: [],
    start: left.start,
    width: left.width + right.width,
    columns: [...left.columns, ...right.columns],
  };
}

function leafColumns(
  qualifier: string,
  columns: readonly { name: string; type: ScopeColumn['type'] }[],
  start: number,
): ScopeColumn[] {
  return columns.map((c, i) => ({
    qualifier,
    name: c.name,
    type: c.type,
    slot: start + i,
    unqualified: true,
  }));
}

function bindItem(item: FromItem, scope: BindScope, start: number): BoundFrom {
  switch (item.kind) {
    case 'table': {
      const target = resolveTableName(item.name, scope.env);
      const qualifier = item.alias ?? item.name.split('.').pop() ?? item.name;
      const columns = leafColumns(qualifier, target.columns, start);
      const width = columns.length;
      if (target.kind === 'table') {
        const label = item.alias === undefined ? item.name : `${item.name} ${item.alias}`;
        return { kind: 'table', table: target.table, label, start, width, columns };
      }
      return { kind: 'node', node: target.node, start, width, columns };
    }
    case 'subquery': {
      const planned = planQuery(item.query, scope.env, scope.level.parent);
      const aliases = item.columnAliases ?? [];
      if (aliases.length > planned.columns.length) {
        throw new KimberliteError(
          ErrorCode.InvalidArgument,
          `${item.alias} has ${planned.columns.length} columns but ${aliases.length} names`,
        );
      }
      const named = planned.columns.map((c, i) => ({ name: aliases[i] ?? c.name, type: c.type }));
      const columns = leafColumns(item.alias, named, start);
      return { kind: 'node', node: planned.node, start, width: columns.length, columns };
    }
    case 'join':
      return bindJoin(item, scope, start);
  }
}

function usingColumn(side: BoundFrom, name: string, which: string): ScopeColumn {
  const found = findColumn(side.columns, { kind: 'column', table: undefined, name });
  if (found === undefined) {
    throw new KimberliteError(
      ErrorCode.UnknownColumn,
      `Unknown column: ${name} (named in USING but missing from the ${which} side of the join)`,
    );
  }
  return found;
}

function bindJoin(item: Extract<FromItem, { kind: 'join' }>, scope: BindScope, start: number) {
  const left = bindItem(item.left, scope, start);
  const right = bindItem(item.right, scope, start + left.width);
  const names = item.using ?? [];
  const mergedStart = start + left.width + right.width;
  const merged: MergedColumn[] = [];
  const mergedColumns: ScopeColumn[] = names.map((name, i) => {
    const l = usingColumn(left, name, 'left');
    const r = usingColumn(right, name, 'right');
    merged.push({ left: l.slot - left.start, right: r.slot - right.start });
    const type = commonType([l.type, r.type], 'JOIN/USING');
    return { qualifier: undefined, name, type, slot: mergedStart + i, unqualified: true };
  });
  const hide = (c: ScopeColumn): ScopeColumn =>
    c.unqualified && names.includes(c.name) ? { ...c, unqualified: false } : c;
  const bound: BoundFrom = {
    kind: 'join',
    type: item.type,
    left,
    right,
    on: item.on,
    merged,
    start,
    width: left.width + right.width + merged.length,
    columns: [...mergedColumns, ...left.columns.map(hide), ...right.columns.map(hide)],
  };
  return bound;
}

/** The scope of a bound item's own row (slots relative to its start). */
export function scopeOf(bound: BoundFrom, scope: BindScope, clause: string): BindScope {
  const columns = bound.columns.map((c) => ({ ...c, slot: c.slot - bound.start }));
  return scope.with({ clause, columns });
}

/** The physical tree for a bound FROM item with `conjuncts` (absolute slots) applied. */
export function buildFrom(bound: BoundFrom, conjuncts: readonly Conjunct[], scope: BindScope) {
  const exprs = conjuncts.map((c) => c.expr);
  switch (bound.kind) {
    case 'table':
      return chooseAccessPath(bound.table, bound.label, exprs, scopeOf(bound, scope, 'WHERE'));
    case 'node':
      return filtered(bound.node, exprs, scopeOf(bound, scope, 'WHERE'));
    case 'join':
      return buildJoin(bound, conjuncts, scope);
  }
}

function filtered(node: PlanNode, exprs: readonly Expr[], scope: BindScope): PlanNode {
  const predicate = predicateOf(exprs, scope);
  return predicate === undefined ? node : { kind: 'filter', input: node, predicate };
}

type JoinBound = Extract<BoundFrom, { kind: 'join' }>;

interface Placement {
  readonly left: Conjunct[];
  readonly right: Conjunct[];
  readonly join: Conjunct[];
  readonly above: Conjunct[];
}

function place(bound: JoinBound, where: readonly Conjunct[], on: readonly Conjunct[]): Placement {
  const p: Placement = { left: [], right: [], join: [], above: [] };
  const inLeft = (c: Conjunct) => within(c.slots, bound.left.start, bound.left.width);
  const inRight = (c: Conjunct) => within(c.slots, bound.right.start, bound.right.width);
  const type = bound.type;
  for (const c of where) {
    if ((type === 'inner' || type === 'cross' || type === 'left') && inLeft(c)) p.left.push(c);
    else if ((type === 'inner' || type === 'cross' || type === 'right') && inRight(c)) {
      p.right.push(c);
    } else if (type === 'inner' || type === 'cross') {
      if (within(c.slots, bound.left.start, bound.left.width + bound.right.width)) p.join.push(c);
      else p.above.push(c);
    } else p.above.push(c);
  }
  for (const c of on) {
    if ((type === 'inner' || type === 'right') && inLeft(c)) p.left.push(c);
    else if ((type === 'inner' || type === 'left') && inRight(c)) p.right.push(c);
    else p.join.push(c);
  }
  return p;
}

interface EquiKeys {
  readonly left: Expr[];
  readonly right: Expr[];
  readonly rest: Expr[];
  readonly equalities: Expr[];
}

function equiKeys(bound: JoinBound, join: readonly Conjunct[], scope: BindScope): EquiKeys {
  const keys: EquiKeys = { left: [], right: [], rest: [], equalities: [] };
  const { left, right } = bound;
  for (const c of join) {
    const e = c.expr;
    if (e.kind === 'binary' && e.op === '=') {
      const ls = slotsOf(e.left, scope, bound.columns);
      const rs = slotsOf(e.right, scope, bound.columns);
      const side = (s: Set<number>, b: BoundFrom) => s.size > 0 && within(s, b.start, b.width);
      if (side(ls, left) && side(rs, right)) {
        keys.left.push(e.left);
        keys.right.push(e.right);
        keys.equalities.push(e);
        continue;
      }
      if (side(ls, right) && side(rs, left)) {
        keys.left.push(e.right);
        keys.right.push(e.left);
        keys.equalities.push(e);
        continue;
      }
    }
    keys.rest.push(e);
  }
  return keys;
}

function buildJoin(bound: JoinBound, where: readonly Conjunct[], scope: BindScope): PlanNode {
  const onExprs = bound.on === undefined ? [] : splitConjuncts(bound.on);
  const onScope = scope.with({ clause: 'JOIN conditions' });
  const on = onExprs.map((expr) => ({ expr, slots: slotsOf(expr, onScope, bound.columns) }));
  const p = place(bound, where, on);
  const left = buildFrom(bound.left, p.left, scope);
  const right = buildFrom(bound.right, p.right, scope);
  const keys = equiKeys(bound, p.join, scope);
  const type: JoinType = bound.type === 'cross' && p.join.length > 0 ? 'inner' : bound.type;
  const joinScope = scopeOf(bound, scope, 'JOIN');
  const lookup =
    (type === 'inner' || type === 'left') &&
    bound.right.kind === 'table' &&
    right.kind === 'seq_scan'
      ? lookupJoin({
          type,
          left,
          right: bound.right,
          rightConjuncts: p.right,
          keys,
          rest: keys.rest,
          scopes: {
            left: scopeOf(bound.left, scope, 'JOIN'),
            right: scopeOf(bound.right, scope, 'WHERE'),
            join: joinScope,
          },
        })
      : undefined;
  if (lookup !== undefined) {
    return filtered(
      lookup,
      p.above.map((c) => c.expr),
      scopeOf(bound, scope, 'WHERE'),
    );
  }
  const method = keys.left.length > 0 || bound.merged.length > 0 ? 'hash' : 'nested_loop';
  const buildLeft = method === 'hash' && isBounded(left) && !isBounded(right);
  const condition = predicateOf(keys.rest, joinScope);
  const node: PlanNode = {
    kind: 'join',
    method,
    type,
    left,
    right,
    leftKeys: [
      ...bound.merged.map((m) => readSlot(m.left)),
      ...keys.left.map((e) => scopeOf(bound.left, scope, 'JOIN').compile(e).eval),
    ],
    rightKeys: [
      ...bound.merged.map((m) => readSlot(m.right)),
      ...keys.right.map((e) => scopeOf(bound.right, scope, 'JOIN').compile(e).eval),
    ],
    condition,
    leftWidth: bound.left.width,
    rightWidth: bound.right.width,
    merged: bound.merged,
    buildLeft,
    label: `${joinLabel(method, type, bound, [...keys.equalities, ...keys.rest])}${
      buildLeft ? ' (build left)' : ''
    }`,
  };
  return filtered(
    node,
    p.above.map((c) => c.expr),
    scopeOf(bound, scope, 'WHERE'),
  );
}

/** A read of few rows by key: a better hash build side than a scan. */
function isBounded(node: PlanNode): boolean {
  return node.kind === 'key_lookup' || node.kind === 'key_lookups' || node.kind === 'key_range';
}

function readSlot(slot: number): Evaluator {
  return (row) => row[slot] as SqlValue;
}

function joinLabel(method: string, type: JoinType, bound: JoinBound, conditions: Expr[]) {
  const name = method === 'hash' ? 'HashJoin' : 'NestedLoop';
  const parts: string[] = [];
  if (bound.merged.length > 0) {
    const names = bound.columns.slice(0, bound.merged.length).map((c) => c.name);
    parts.push(`using (${names.join(', ')})`);
  }
  if (conditions.length > 0) parts.push(`on ${conditionText(conditions)}`);
  return [name, type, ...parts].join(' ');
}
