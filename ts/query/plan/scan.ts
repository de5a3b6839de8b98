/**
 * Table access: sequential scans, primary-key point lookups and key or index range scans.
 * Key values are computed per run (they may be parameters) and cast to the key column's
 * type; a NULL key value matches nothing, as `col = NULL` is never true. Filtering happens
 * while scanning, so no scan is ever cut before its filter.
 */
import { assert, type SqlValue, valueKindOf } from '../../types/index.js';
import { castValue, compareValues, groupKey, isTrue } from '../expr/index.js';
import type { EvalContext, KeyBound, Row, ScanRange, Snapshot } from '../types.js';
import { keyFit } from './key_fit.js';
import type { KeyBoundPlan, KeyValue, PlanNode, Predicate, RunState } from './plan.js';

const EMPTY: Row = [];

export function snapshotOf(state: RunState): Snapshot {
  assert(state.snapshot !== undefined, 'plans run only inside PreparedQuery.run');
  return state.snapshot;
}

/** The key values for this run, or undefined when one is NULL (nothing can match). */
/** One key value of the column's kind, or NULL (which compares with nothing). */
function keyValue(part: KeyValue, ctx: EvalContext): SqlValue {
  const value = part.eval(EMPTY, ctx);
  if (value.kind === 'null' || value.kind === valueKindOf(part.type)) return value;
  return castValue(value, part.type);
}

/** The key values for this run, or undefined when one is NULL or cannot be a key value of
 * its column (then nothing can be equal to it). */
export function keyValues(key: readonly KeyValue[], ctx: EvalContext): SqlValue[] | undefined {
  const values: SqlValue[] = [];
  for (const part of key) {
    const value = keyValue(part, ctx);
    if (value.kind === 'null' || keyFit(value, part.type) !== 'ok') return undefined;
    values.push(value);
  }
  return values;
}

function* filtered(rows: Iterable<Row>, filter: Predicate | undefined, ctx: EvalContext) {
  if (filter === undefined) {
    yield* rows;
    return;
  }
  const test = filter.eval;
  for (const row of rows) if (isTrue(test(row, ctx))) yield row;
}

export function seqScan(node: Extract<PlanNode, { kind: 'seq_scan' }>, state: RunState) {
  const range = node.reverse === true ? { reverse: true } : {};
  return filtered(snapshotOf(state).scan(node.table, range), node.filter, state.ctx);
}

export function keyLookup(node: Extract<PlanNode, { kind: 'key_lookup' }>, state: RunState): Row[] {
  const key = keyValues(node.key, state.ctx);
  if (key === undefined) return [];
  const row = snapshotOf(state).get(node.table, key);
  if (row === undefined) return [];
  if (node.filter !== undefined && !isTrue(node.filter.eval(row, state.ctx))) return [];
  return [row];
}

/** One `get` per distinct non-NULL key, in key order (as an index scan would return them). */
export function keyLookups(
  node: Extract<PlanNode, { kind: 'key_lookups' }>,
  state: RunState,
): Row[] {
  const distinct = new Map<string, SqlValue>();
  for (const part of node.keys) {
    const values = keyValues([part], state.ctx);
    const value = values?.[0];
    if (value !== undefined) distinct.set(groupKey([value]), value);
  }
  const keys = [...distinct.values()].sort(compareValues);
  const snapshot = snapshotOf(state);
  const rows: Row[] = [];
  for (const key of keys) {
    const row = snapshot.get(node.table, [key]);
    if (row === undefined) continue;
    if (node.filter === undefined || isTrue(node.filter.eval(row, state.ctx))) rows.push(row);
  }
  return rows;
}

/** A range end for this run: undefined for none, null when the range is empty. The last
 * value is the range column's; one outside its column's range either empties the range or
 * leaves only the equality prefix as the bound. */
function bound(
  plan: KeyBoundPlan | undefined,
  ctx: EvalContext,
  side: 'lower' | 'upper',
): KeyBound | undefined | null {
  if (plan === undefined) return undefined;
  if (!plan.range) {
    const values = keyValues(plan.values, ctx);
    return values === undefined ? null : { values, inclusive: plan.inclusive };
  }
  const prefix = keyValues(plan.values.slice(0, -1), ctx);
  const lastPart = plan.values[plan.values.length - 1];
  if (prefix === undefined || lastPart === undefined) return null;
  const last = keyValue(lastPart, ctx);
  if (last.kind === 'null') return null;
  const fit = keyFit(last, lastPart.type);
  if (fit === 'none') return null;
  const beyond = side === 'lower' ? 'above' : 'below';
  if (fit === beyond) return null;
  if (fit !== 'ok') return prefix.length === 0 ? undefined : { values: prefix, inclusive: true };
  return { values: [...prefix, last], inclusive: plan.inclusive };
}

export function keyRange(
  node: Extract<PlanNode, { kind: 'key_range' }>,
  state: RunState,
): Iterable<Row> {
  const lower = bound(node.lower, state.ctx, 'lower');
  const upper = bound(node.upper, state.ctx, 'upper');
  if (lower === null || upper === null) return [];
  const range: { -readonly [K in keyof ScanRange]: ScanRange[K] } = {};
  if (node.index !== undefined) range.index = node.index;
  if (lower !== undefined) range.lower = lower;
  if (upper !== undefined) range.upper = upper;
  if (node.reverse === true) range.reverse = true;
  return filtered(snapshotOf(state).scan(node.table, range), node.filter, state.ctx);
}
