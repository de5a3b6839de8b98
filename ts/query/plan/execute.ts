/**
 * Runs a plan: one function per node kind, returning an iterable of rows. Streaming operators
 * (scans, filter, project, limit, join probes) are generators, so LIMIT stops the scan under
 * it; blocking ones (sort, aggregate, window, hash build) materialize within their limits.
 */
import { ErrorCode, KimberliteError, type SqlValue, unreachable } from '../../types/index.js';
import { castValue, groupKey, isTrue } from '../expr/index.js';
import type { EvalContext, Evaluator, Row } from '../types.js';
import { aggregate } from './aggregate_op.js';
import { hashJoin } from './hash_join.js';
import { checkLimit } from './limits.js';
import { lookupJoinRows } from './lookup_join_op.js';
import { nestedLoop } from './nested_loop.js';
import type { PlanNode, Predicate, RunState } from './plan.js';
import { keyLookup, keyLookups, keyRange, seqScan, snapshotOf } from './scan.js';
import { distinctRows, intersectOrExcept, union } from './set_op.js';
import { sortRows } from './sort.js';
import { window } from './window_op.js';

const EMPTY: Row = [];

export function execute(node: PlanNode, state: RunState): Iterable<Row> {
  const ctx = state.ctx;
  switch (node.kind) {
    case 'one_row':
      return [EMPTY];
    case 'values':
      return node.rows.map((row) => row.map((e) => e(EMPTY, ctx)));
    case 'seq_scan':
      return seqScan(node, state);
    case 'key_lookup':
      return keyLookup(node, state);
    case 'key_range':
      return keyRange(node, state);
    case 'key_lookups':
      return keyLookups(node, state);
    case 'virtual_scan':
      return node.rows(snapshotOf(state));
    case 'filter':
      return filter(execute(node.input, state), node.predicate, ctx);
    case 'project':
      return project(execute(node.input, state), node.exprs, ctx);
    case 'join':
      return join(node, state);
    case 'lookup_join':
      return lookupJoinRows(
        node,
        execute(node.left, state),
        () => execute(node.right, state),
        state,
      );
    case 'aggregate':
      return aggregate(node, execute(node.input, state), ctx);
    case 'window':
      return window(node, execute(node.input, state), ctx);
    case 'sort':
      return sortRows(execute(node.input, state), node.keys, { ctx, keep: topCount(node, ctx) });
    case 'distinct':
      return distinctRows(execute(node.input, state), 'DISTINCT');
    case 'limit':
      return limit(node, execute(node.input, state), ctx);
    case 'set_op':
      return setOp(node, state);
    case 'cte_scan':
      return cteRows(node.cte, state);
    case 'recursive_union':
      return recursiveUnion(node, state);
    case 'work_table_scan':
      return node.work.rows;
    default:
      return unreachable(node);
  }
}

function* filter(rows: Iterable<Row>, predicate: Predicate, ctx: EvalContext) {
  const test = predicate.eval;
  for (const row of rows) if (isTrue(test(row, ctx))) yield row;
}

function* project(rows: Iterable<Row>, exprs: readonly Evaluator[], ctx: EvalContext) {
  for (const row of rows) yield exprs.map((e) => e(row, ctx));
}

function join(node: Extract<PlanNode, { kind: 'join' }>, state: RunState): Iterable<Row> {
  const left = execute(node.left, state);
  const right = execute(node.right, state);
  return node.method === 'hash'
    ? hashJoin(node, left, right, state.ctx)
    : nestedLoop(node, left, right, state.ctx);
}

/** A LIMIT or OFFSET count: NULL means none; negative is an error, as in PostgreSQL. */
function count(p: Predicate | undefined, ctx: EvalContext, what: string): number | undefined {
  if (p === undefined) return undefined;
  let value: SqlValue = p.eval(EMPTY, ctx);
  if (value.kind === 'null') return undefined;
  if (value.kind !== 'integer') value = castValue(value, { kind: 'bigint' });
  if (value.kind !== 'integer' || value.value < 0n) {
    throw new KimberliteError(ErrorCode.InvalidValue, `${what} must not be negative`);
  }
  return value.value > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(value.value);
}

/** How many sorted rows a LIMIT above the sort needs, or undefined for all. */
function topCount(node: Extract<PlanNode, { kind: 'sort' }>, ctx: EvalContext) {
  if (node.top === undefined) return undefined;
  const max = count(node.top.limit, ctx, 'LIMIT');
  if (max === undefined) return undefined;
  return max + (count(node.top.offset, ctx, 'OFFSET') ?? 0);
}

function* limit(node: Extract<PlanNode, { kind: 'limit' }>, rows: Iterable<Row>, ctx: EvalContext) {
  const max = count(node.limit, ctx, 'LIMIT') ?? Infinity;
  let skip = count(node.offset, ctx, 'OFFSET') ?? 0;
  if (max === 0) return;
  let taken = 0;
  for (const row of rows) {
    if (skip > 0) {
      skip--;
      continue;
    }
    yield row;
    if (++taken >= max) return;
  }
}

function setOp(node: Extract<PlanNode, { kind: 'set_op' }>, state: RunState): Iterable<Row> {
  const left = execute(node.left, state);
  const right = execute(node.right, state);
  if (node.op === 'union') return union(left, right, node.all);
  return intersectOrExcept(left, right, { all: node.all, intersect: node.op === 'intersect' });
}

function cteRows(cte: Extract<PlanNode, { kind: 'cte_scan' }>['cte'], state: RunState): Row[] {
  if (!cte.correlated && cte.cache.runId === state.runId) return cte.cache.rows;
  const rows = [...execute(cte.node, state)];
  cte.cache.runId = state.runId;
  cte.cache.rows = rows;
  return rows;
}

/** WITH RECURSIVE: iterate the recursive term over the previous round's new rows until none
 * are produced; UNION (without ALL) drops rows already produced. */
function recursiveUnion(node: Extract<PlanNode, { kind: 'recursive_union' }>, state: RunState) {
  const seen = new Set<string>();
  const result: Row[] = [];
  const keep = (rows: Iterable<Row>): Row[] => {
    const fresh: Row[] = [];
    for (const row of rows) {
      if (!node.all) {
        const key = groupKey(row);
        if (seen.has(key)) continue;
        seen.add(key);
      }
      fresh.push(row);
      result.push(row);
      checkLimit(result.length, 'recursiveCteRowsMax', `recursive query ${node.work.name}`);
    }
    return fresh;
  };
  let work = keep(execute(node.initial, state));
  const saved = node.work.rows;
  try {
    while (work.length > 0) {
      node.work.rows = work;
      work = keep([...execute(node.recursive, state)]);
    }
  } finally {
    node.work.rows = saved;
  }
  return result;
}
