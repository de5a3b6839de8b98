/**
 * Hash aggregation: one accumulator per aggregate call per group, groups keyed by
 * `groupKey` (NULLs group together). Output rows are the group key values followed by the
 * aggregate results. With no GROUP BY, an empty input still gives one row (`count(*)` is 0).
 * At most `groupRowsMax` groups.
 */

import type { SqlValue } from '../../types/index.js';
import { groupKey, isTrue } from '../expr/index.js';
import type { Accumulator, EvalContext, Row } from '../types.js';
import { checkLimit } from './limits.js';
import type { AggregateCall, PlanNode } from './plan.js';

type AggregateNode = Extract<PlanNode, { kind: 'aggregate' }>;

interface Group {
  readonly key: readonly SqlValue[];
  readonly accumulators: readonly Accumulator[];
}

export function feed(call: AggregateCall, acc: Accumulator, row: Row, ctx: EvalContext): void {
  if (call.filter !== undefined && !isTrue(call.filter(row, ctx))) return;
  acc.add(call.args.map((arg) => arg(row, ctx)));
}

function newGroup(node: AggregateNode, key: readonly SqlValue[]): Group {
  return { key, accumulators: node.aggregates.map((a) => a.create()) };
}

export function aggregate(node: AggregateNode, input: Iterable<Row>, ctx: EvalContext): Row[] {
  const groups = new Map<string, Group>();
  for (const row of input) {
    const key = node.keys.map((k) => k(row, ctx));
    const id = node.keys.length === 0 ? '' : groupKey(key);
    let group = groups.get(id);
    if (group === undefined) {
      group = newGroup(node, key);
      groups.set(id, group);
      checkLimit(groups.size, 'groupRowsMax', 'GROUP BY');
    }
    for (let i = 0; i < node.aggregates.length; i++) {
      feed(node.aggregates[i] as AggregateCall, group.accumulators[i] as Accumulator, row, ctx);
    }
  }
  if (groups.size === 0 && node.keys.length === 0) groups.set('', newGroup(node, []));
  const out: Row[] = [];
  for (const group of groups.values()) {
    out.push([...group.key, ...group.accumulators.map((a) => a.result())]);
  }
  return out;
}
