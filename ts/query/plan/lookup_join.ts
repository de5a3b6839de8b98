/**
 * Index nested-loop joins: when the left input is a bounded key read (lookups or a key range)
 * and the right one is a table that would otherwise be scanned whole, each left row looks its
 * matches up through the right table's primary key or an index whose first column is equated
 * with a left expression. `SELECT ... FROM patients p JOIN visits v ON v.patient_id = p.id
 * WHERE p.id BETWEEN $1 AND $2` then reads a hundred index ranges instead of every visit.
 * Only inner and left joins qualify (right and full joins need every right row anyway).
 */

import type { ColumnType } from '../../types/index.js';
import type { Expr } from '../ast.js';
import type { Compiled, Row, TableSchema } from '../types.js';
import { fits } from './access_path.js';
import type { BoundFrom } from './from.js';
import type { KeyValue, PlanNode } from './plan.js';
import { type Conjunct, conditionText, predicateOf } from './predicate.js';
import { type BindScope, findColumn } from './scope.js';

type TableBound = Extract<BoundFrom, { kind: 'table' }>;

export interface LookupJoinInput {
  readonly type: 'inner' | 'left';
  readonly left: PlanNode;
  readonly right: TableBound;
  /** Conditions pushed to the right table. */
  readonly rightConjuncts: readonly Conjunct[];
  /** Equalities between the sides: left expressions, right expressions, the conditions. */
  readonly keys: { readonly left: Expr[]; readonly right: Expr[]; readonly equalities: Expr[] };
  readonly rest: readonly Expr[];
  /** Scopes of the left row, the right row and the joined row. */
  readonly scopes: {
    readonly left: BindScope;
    readonly right: BindScope;
    readonly join: BindScope;
  };
}

/** The right table's key or index whose first column is `column`, as a scan shape. */
function leadingAccess(table: TableSchema, column: number) {
  if (table.primaryKey[0] === column) {
    return { index: undefined, whole: table.primaryKey.length === 1 };
  }
  const index = table.indexes.find((i) => i.columns[0] === column);
  return index === undefined ? undefined : { index: index.name, whole: false };
}

function rightNode(
  input: LookupJoinInput,
  key: KeyValue,
  access: { index: string | undefined; whole: boolean },
  equality: Expr,
): PlanNode {
  const { table, label } = input.right;
  const exprs = input.rightConjuncts.map((c) => c.expr);
  const filter = predicateOf(exprs, input.scopes.right);
  const text = `[${conditionText([equality])}]`;
  if (access.whole) {
    return {
      kind: 'key_lookup',
      table,
      key: [key],
      label: `PrimaryKeyLookup ${label} ${text}`,
      filter,
    };
  }
  const bound = { values: [key], inclusive: true, range: false };
  const name =
    access.index === undefined
      ? `PrimaryKeyRange ${label}`
      : `IndexRange ${table.name}.${access.index}`;
  return {
    kind: 'key_range',
    table,
    index: access.index,
    lower: bound,
    upper: bound,
    label: `${name} ${text}`,
    filter,
    prefix: 1,
  };
}

/** The lookup join for these inputs, or undefined when the shape does not qualify. */
export function lookupJoin(input: LookupJoinInput): PlanNode | undefined {
  const bounded = ['key_lookup', 'key_lookups', 'key_range'];
  if (!bounded.includes(input.left.kind)) return undefined;
  const { table } = input.right;
  for (let i = 0; i < input.keys.right.length; i++) {
    const rightExpr = input.keys.right[i] as Expr;
    if (rightExpr.kind !== 'column') continue;
    const column = findColumn(input.scopes.right.options.columns, rightExpr);
    const type = column === undefined ? undefined : table.columns[column.slot]?.type;
    const access = column === undefined ? undefined : leadingAccess(table, column.slot);
    if (access === undefined || type === undefined) continue;
    const leftKey: Compiled = input.scopes.left.compile(input.keys.left[i] as Expr);
    if (!fits(leftKey, type)) continue;
    return build(input, i, { leftKey, type, access });
  }
  return undefined;
}

function build(
  input: LookupJoinInput,
  used: number,
  key: {
    leftKey: Compiled;
    type: ColumnType;
    access: { index: string | undefined; whole: boolean };
  },
): PlanNode {
  const frame: { row: Row } = { row: [] };
  const read = key.leftKey.eval;
  const keyValue: KeyValue = { eval: (_row, ctx) => read(frame.row, ctx), type: key.type };
  const equality = input.keys.equalities[used] as Expr;
  const others = input.keys.equalities.filter((_, i) => i !== used);
  const all = [...input.keys.equalities, ...input.rest];
  return {
    kind: 'lookup_join',
    type: input.type,
    left: input.left,
    right: rightNode(input, keyValue, key.access, equality),
    frame,
    condition: predicateOf([...others, ...input.rest], input.scopes.join),
    rightWidth: input.right.width,
    label: `IndexNestedLoop ${input.type} on ${conditionText(all)}`,
  };
}
