/**
 * EXPLAIN: one line per operator, children indented two spaces under their parent.
 * Projections print nothing (they only shape rows), so the lines read like PostgreSQL's.
 */
import { unreachable } from '../../types/index.js';
import type { PlanNode, Predicate } from './plan.js';

const SET_OP_NAMES = { union: 'Union', intersect: 'Intersect', except: 'Except' } as const;

function line(node: PlanNode): { text: string | undefined; children: readonly PlanNode[] } {
  switch (node.kind) {
    case 'one_row':
      return { text: 'Result', children: [] };
    case 'values':
      return { text: `Values ${node.rows.length} rows`, children: [] };
    case 'seq_scan':
    case 'key_range':
      return { text: scanLabel(node.label, node.reverse === true, node.filter), children: [] };
    case 'key_lookup':
    case 'key_lookups':
      return { text: scanLabel(node.label, false, node.filter), children: [] };
    case 'virtual_scan':
      return { text: `VirtualScan ${node.name}`, children: [] };
    case 'filter':
      return { text: `Filter (${node.predicate.text})`, children: [node.input] };
    case 'project':
      return { text: undefined, children: [node.input] };
    case 'join':
    case 'lookup_join':
      return { text: node.label, children: [node.left, node.right] };
    case 'aggregate':
      return { text: node.label, children: [node.input] };
    case 'window':
      return { text: `Window ${node.calls.map((c) => c.text).join(', ')}`, children: [node.input] };
    case 'sort':
      return { text: `Sort ${node.keys.map((k) => k.text).join(', ')}`, children: [node.input] };
    case 'distinct':
      return { text: 'Distinct', children: [node.input] };
    case 'limit': {
      const parts = [];
      if (node.limit !== undefined) parts.push(`Limit ${node.limit.text}`);
      if (node.offset !== undefined) parts.push(`Offset ${node.offset.text}`);
      return { text: parts.join(' '), children: [node.input] };
    }
    case 'set_op':
      return {
        text: `${SET_OP_NAMES[node.op]}${node.all ? ' All' : ''}`,
        children: [node.left, node.right],
      };
    case 'cte_scan':
      return { text: `CteScan ${node.cte.name}`, children: [node.cte.node] };
    case 'recursive_union':
      return {
        text: `RecursiveUnion ${node.work.name}${node.all ? ' All' : ''}`,
        children: [node.initial, node.recursive],
      };
    case 'work_table_scan':
      return { text: `WorkTableScan ${node.work.name}`, children: [] };
    default:
      return unreachable(node);
  }
}

/** `SeqScan t [reverse] [filter (cond)]`: how a table is read, then what is kept. */
function scanLabel(label: string, reverse: boolean, filter: Predicate | undefined): string {
  const order = reverse ? ' reverse' : '';
  return `${label}${order}${filter === undefined ? '' : ` filter (${filter.text})`}`;
}

export function explainPlan(root: PlanNode): string[] {
  const lines: string[] = [];
  const visit = (node: PlanNode, depth: number): void => {
    const { text, children } = line(node);
    const next = text === undefined ? depth : depth + 1;
    if (text !== undefined) lines.push(`${'  '.repeat(depth)}${text}`);
    for (const child of children) visit(child, next);
  };
  visit(root, 0);
  return lines;
}
