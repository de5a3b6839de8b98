/**
 * Running an index nested-loop join: for each left row, point the right access path's key
 * values at it (through the shared frame) and read the matches; a left join NULL-extends a
 * left row with none. The right read is keyed, so nothing is materialized.
 */
import { isTrue } from '../expr/index.js';
import type { Row } from '../types.js';
import { joinRow, nullRow } from './join_row.js';
import type { PlanNode, RunState } from './plan.js';

export function* lookupJoinRows(
  node: Extract<PlanNode, { kind: 'lookup_join' }>,
  left: Iterable<Row>,
  readRight: () => Iterable<Row>,
  state: RunState,
): Generator<Row> {
  const condition = node.condition?.eval;
  for (const l of left) {
    node.frame.row = l;
    let matched = false;
    for (const r of readRight()) {
      const row = joinRow(l, r, [], node.type);
      if (condition !== undefined && !isTrue(condition(row, state.ctx))) continue;
      matched = true;
      yield row;
    }
    if (!matched && node.type === 'left') yield joinRow(l, nullRow(node.rightWidth), [], node.type);
  }
}
