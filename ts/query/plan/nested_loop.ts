/**
 * Nested-loop join for conditions without an equality between the two sides (and CROSS
 * JOIN). The right input is materialized once; the rows produced are bounded by
 * `nestedLoopRowsMax`.
 */
import { isTrue } from '../expr/index.js';
import type { EvalContext, Row } from '../types.js';
import { joinRow, nullRow } from './join_row.js';
import { checkLimit } from './limits.js';
import type { PlanNode } from './plan.js';

type JoinNode = Extract<PlanNode, { kind: 'join' }>;

export function* nestedLoop(
  node: JoinNode,
  left: Iterable<Row>,
  rightInput: Iterable<Row>,
  ctx: EvalContext,
): Generator<Row> {
  const right = [...rightInput];
  const rightMatched = new Array<boolean>(right.length).fill(false);
  const condition = node.condition?.eval;
  const keepLeft = node.type === 'left' || node.type === 'full';
  let produced = 0;
  const emit = (row: Row): Row => {
    produced++;
    checkLimit(produced, 'nestedLoopRowsMax', 'nested-loop join output');
    return row;
  };
  for (const l of left) {
    let matched = false;
    for (let i = 0; i < right.length; i++) {
      const row = joinRow(l, right[i] as Row, node.merged, node.type);
      if (condition !== undefined && !isTrue(condition(row, ctx))) continue;
      matched = true;
      rightMatched[i] = true;
      yield emit(row);
    }
    if (!matched && keepLeft) {
      yield emit(joinRow(l, nullRow(node.rightWidth), node.merged, node.type));
    }
  }
  if (node.type !== 'right' && node.type !== 'full') return;
  for (let i = 0; i < right.length; i++) {
    if (rightMatched[i] === true) continue;
    yield emit(joinRow(nullRow(node.leftWidth), right[i] as Row, node.merged, node.type));
  }
}
