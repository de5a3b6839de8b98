/**
 * Window functions. For each call, rows are split into partitions (at most
 * `windowPartitionRowsMax` rows each), ordered stably, and each row gets its value appended
 * to its output row. Frames follow PostgreSQL: with ORDER BY the default frame runs from the
 * partition start to the last peer of the current row; without it, the whole partition.
 */
import { SQL_NULL, type SqlValue, unreachable } from '../../types/index.js';
import { groupKey } from '../expr/index.js';
import type { Accumulator, EvalContext, Row } from '../types.js';
import { feed } from './aggregate_op.js';
import { checkLimit } from './limits.js';
import type { FrameEdge, PlanNode, WindowCall } from './plan.js';
import { compareKeys } from './sort.js';

interface Sorted {
  readonly rows: readonly Row[];
  readonly keys: readonly (readonly SqlValue[])[];
  /** For each position, the first and last position of its peer group. */
  readonly peerStart: readonly number[];
  readonly peerEnd: readonly number[];
}

function partitions(call: WindowCall, rows: readonly SqlValue[][], ctx: EvalContext) {
  const parts = new Map<string, SqlValue[][]>();
  for (const row of rows) {
    const id = call.partition.length === 0 ? '' : groupKey(call.partition.map((p) => p(row, ctx)));
    let part = parts.get(id);
    if (part === undefined) {
      part = [];
      parts.set(id, part);
    }
    part.push(row);
    checkLimit(part.length, 'windowPartitionRowsMax', 'window partition');
  }
  return parts.values();
}

function sortPartition(call: WindowCall, part: SqlValue[][], ctx: EvalContext): Sorted {
  const entries = part.map((row) => ({ row, key: call.order.map((k) => k.eval(row, ctx)) }));
  entries.sort((a, b) => compareKeys(call.order, a.key, b.key));
  const keys = entries.map((e) => e.key);
  const peerStart: number[] = [];
  const peerEnd: number[] = new Array<number>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const same = i > 0 && compareKeys(call.order, keys[i - 1] ?? [], keys[i] ?? []) === 0;
    peerStart.push(same ? (peerStart[i - 1] as number) : i);
  }
  for (let i = entries.length - 1; i >= 0; i--) {
    const same = i < entries.length - 1 && peerStart[i + 1] === peerStart[i];
    peerEnd[i] = same ? (peerEnd[i + 1] as number) : i;
  }
  return { rows: entries.map((e) => e.row), keys, peerStart, peerEnd };
}

function edge(e: FrameEdge, i: number, s: Sorted, isStart: boolean): number {
  switch (e.kind) {
    case 'unbounded':
      return isStart ? 0 : s.rows.length - 1;
    case 'offset':
      return i + e.rows;
    case 'peer':
      return isStart ? (s.peerStart[i] as number) : (s.peerEnd[i] as number);
    default:
      return unreachable(e);
  }
}

function rankValues(call: WindowCall, s: Sorted): SqlValue[] {
  const out: SqlValue[] = [];
  let dense = 0;
  for (let i = 0; i < s.rows.length; i++) {
    if (s.peerStart[i] === i) dense++;
    let value: bigint;
    if (call.fn.kind === 'row_number') value = BigInt(i + 1);
    else if (call.fn.kind === 'rank') value = BigInt((s.peerStart[i] as number) + 1);
    else value = BigInt(dense);
    out.push({ kind: 'integer', value });
  }
  return out;
}

function shifted(
  fn: Extract<WindowCall['fn'], { kind: 'lag' | 'lead' }>,
  s: Sorted,
  ctx: EvalContext,
): SqlValue[] {
  return s.rows.map((row, i) => {
    const offsetValue = fn.offset?.(row, ctx);
    if (offsetValue?.kind === 'null') return SQL_NULL;
    const offset = offsetValue?.kind === 'integer' ? Number(offsetValue.value) : 1;
    const target = fn.kind === 'lag' ? i - offset : i + offset;
    const other = s.rows[target];
    if (other !== undefined) return fn.value(other, ctx);
    return fn.fallback === undefined ? SQL_NULL : fn.fallback(row, ctx);
  });
}

/** The frame of position `i` as inclusive positions, clamped to the partition. */
function frameOf(call: WindowCall, s: Sorted, i: number): { start: number; end: number } {
  return {
    start: Math.max(0, edge(call.start, i, s, true)),
    end: Math.min(s.rows.length - 1, edge(call.end, i, s, false)),
  };
}

type EdgeFn = Extract<WindowCall['fn'], { kind: 'first_value' | 'last_value' }>;
type AggregateFn = Extract<WindowCall['fn'], { kind: 'aggregate' }>;

function edgeValues(call: WindowCall, fn: EdgeFn, s: Sorted, ctx: EvalContext): SqlValue[] {
  return s.rows.map((_, i) => {
    const { start, end } = frameOf(call, s, i);
    const at = s.rows[fn.kind === 'first_value' ? start : end];
    return start > end || at === undefined ? SQL_NULL : fn.value(at, ctx);
  });
}

/** Aggregates over each row's frame. A frame starting at the partition start only grows
 * (its end never moves back), so one running accumulator serves every row. */
function frameAggregates(
  call: WindowCall,
  fn: AggregateFn,
  s: Sorted,
  ctx: EvalContext,
): SqlValue[] {
  const out: SqlValue[] = [];
  const running = call.start.kind === 'unbounded';
  let acc: Accumulator | undefined;
  let added = 0;
  for (let i = 0; i < s.rows.length; i++) {
    const { start, end } = frameOf(call, s, i);
    if (!running || acc === undefined) {
      acc = fn.call.create();
      added = start;
    }
    for (; added <= end; added++) feed(fn.call, acc, s.rows[added] as Row, ctx);
    out.push(acc.result());
  }
  return out;
}

function values(call: WindowCall, s: Sorted, ctx: EvalContext): SqlValue[] {
  switch (call.fn.kind) {
    case 'row_number':
    case 'rank':
    case 'dense_rank':
      return rankValues(call, s);
    case 'lag':
    case 'lead':
      return shifted(call.fn, s, ctx);
    case 'first_value':
    case 'last_value':
      return edgeValues(call, call.fn, s, ctx);
    case 'aggregate':
      return frameAggregates(call, call.fn, s, ctx);
    default:
      return unreachable(call.fn);
  }
}

export function window(
  node: Extract<PlanNode, { kind: 'window' }>,
  input: Iterable<Row>,
  ctx: EvalContext,
): Row[] {
  const rows: SqlValue[][] = [];
  for (const row of input) {
    rows.push([...row]);
    checkLimit(rows.length, 'sortRowsMax', 'window input');
  }
  for (const call of node.calls) {
    // Each call appends one value to every row, partition by partition.
    for (const part of partitions(call, rows, ctx)) {
      const sorted = sortPartition(call, part, ctx);
      const computed = values(call, sorted, ctx);
      sorted.rows.forEach((row, i) => {
        (row as SqlValue[]).push(computed[i] as SqlValue);
      });
    }
  }
  return rows;
}
