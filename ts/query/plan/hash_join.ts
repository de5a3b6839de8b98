/**
 * Hash join for equi-join conditions. One input is the build side (at most `hashJoinRowsMax`
 * rows; the right one unless the planner knows the left is a bounded key read), the other
 * probes it. A NULL key never matches (`NULL = NULL` is
 * not true), but such rows still appear NULL-extended in outer joins. Extra ON conditions are
 * checked on each key match.
 */
import type { SqlValue } from '../../types/index.js';
import { groupKey, isTrue } from '../expr/index.js';
import type { EvalContext, Evaluator, Row } from '../types.js';
import { joinRow, nullRow } from './join_row.js';
import { checkLimit } from './limits.js';
import type { PlanNode } from './plan.js';

type JoinNode = Extract<PlanNode, { kind: 'join' }>;

interface BuildEntry {
  readonly row: Row;
  matched: boolean;
}

function keyOf(keys: readonly Evaluator[], row: Row, ctx: EvalContext): string | undefined {
  const values: SqlValue[] = [];
  for (const key of keys) {
    const value = key(row, ctx);
    if (value.kind === 'null') return undefined;
    values.push(value);
  }
  return groupKey(values);
}

function build(keys: readonly Evaluator[], rows: Iterable<Row>, ctx: EvalContext) {
  const table = new Map<string, BuildEntry[]>();
  const all: BuildEntry[] = [];
  for (const row of rows) {
    const entry = { row, matched: false };
    all.push(entry);
    checkLimit(all.length, 'hashJoinRowsMax', 'hash join build side');
    const key = keyOf(keys, row, ctx);
    if (key === undefined) continue;
    const bucket = table.get(key);
    if (bucket === undefined) table.set(key, [entry]);
    else bucket.push(entry);
  }
  return { table, all };
}

/** Which input is hashed and which probes it; the output row is always left then right. */
function sides(node: JoinNode) {
  const buildLeft = node.buildLeft === true;
  const keepLeft = node.type === 'left' || node.type === 'full';
  const keepRight = node.type === 'right' || node.type === 'full';
  return {
    buildKeys: buildLeft ? node.leftKeys : node.rightKeys,
    probeKeys: buildLeft ? node.rightKeys : node.leftKeys,
    keepProbe: buildLeft ? keepRight : keepLeft,
    keepBuild: buildLeft ? keepLeft : keepRight,
    probeNulls: nullRow(buildLeft ? node.rightWidth : node.leftWidth),
    buildNulls: nullRow(buildLeft ? node.leftWidth : node.rightWidth),
    combine: (probe: Row, built: Row): Row =>
      buildLeft
        ? joinRow(built, probe, node.merged, node.type)
        : joinRow(probe, built, node.merged, node.type),
  };
}

export function* hashJoin(
  node: JoinNode,
  left: Iterable<Row>,
  right: Iterable<Row>,
  ctx: EvalContext,
): Generator<Row> {
  const side = sides(node);
  const buildLeft = node.buildLeft === true;
  const { table, all } = build(side.buildKeys, buildLeft ? left : right, ctx);
  const condition = node.condition?.eval;
  for (const probe of buildLeft ? right : left) {
    const key = keyOf(side.probeKeys, probe, ctx);
    const bucket = key === undefined ? undefined : table.get(key);
    let matched = false;
    for (const entry of bucket ?? []) {
      const row = side.combine(probe, entry.row);
      if (condition !== undefined && !isTrue(condition(row, ctx))) continue;
      matched = true;
      entry.matched = true;
      yield row;
    }
    if (!matched && side.keepProbe) yield side.combine(probe, side.buildNulls);
  }
  if (!side.keepBuild) return;
  for (const entry of all) {
    if (!entry.matched) yield side.combine(side.probeNulls, entry.row);
  }
}
