/**
 * Access path choice for one table and the conditions pushed down to it. Conditions
 * `key_column op value` (op one of = < <= > >=, or BETWEEN) whose value reads no column of
 * this query level are key predicates; the value's type must hold the column's value kind
 * (or be untyped), so the key order is the SQL order. Preference: a full primary-key
 * equality (one `get`), then the key or index with the longest equality prefix plus a range
 * on the next column, then a sequential scan. Equalities used in the key are not re-checked;
 * everything else stays as the scan's filter.
 */
import { type ColumnType, valueKindOf } from '../../types/index.js';
import type { BinaryOp, Expr } from '../ast.js';
import type { Compiled, TableSchema } from '../types.js';
import type { KeyBoundPlan, KeyValue, PlanNode } from './plan.js';
import { conditionText, predicateOf } from './predicate.js';
import { type BindScope, findColumn } from './scope.js';

type RangeOp = '=' | '<' | '<=' | '>' | '>=';

interface KeyPredicate {
  readonly column: number;
  readonly op: RangeOp;
  readonly value: Compiled;
  readonly conjunct: number;
}

const FLIPPED: Record<RangeOp, RangeOp> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

function isRangeOp(op: BinaryOp): op is RangeOp {
  return op === '=' || op === '<' || op === '<=' || op === '>' || op === '>=';
}

/** Whether `value` can bound `column`'s key exactly: same value kind, and for decimal and
 * real keys the very same type (a cast would round, and `dec_col = 1.005` must not match
 * 1.01). Untyped values are cast, which is exact for the other kinds. */
export function fits(value: Compiled, column: ColumnType): boolean {
  if (column.kind === 'decimal' || column.kind === 'real') {
    return JSON.stringify(value.type) === JSON.stringify(column);
  }
  return value.type.kind === 'unknown' || valueKindOf(value.type) === valueKindOf(column);
}

function sidePredicate(
  column: Expr,
  other: Expr,
  op: RangeOp,
  at: { scope: BindScope; table: TableSchema; conjunct: number },
): KeyPredicate | undefined {
  if (column.kind !== 'column') return undefined;
  const found = findColumn(at.scope.options.columns, column);
  if (found === undefined) return undefined;
  const track = new Set<number>();
  const value = at.scope.with({ track }).compile(other);
  const type = at.table.columns[found.slot]?.type;
  if (track.size > 0 || type === undefined || !fits(value, type)) return undefined;
  // A varchar bound longer than the column cannot be encoded, yet still orders rows.
  if (type.kind === 'varchar' && op !== '=') return undefined;
  return { column: found.slot, op, value, conjunct: at.conjunct };
}

function keyPredicates(expr: Expr, at: { scope: BindScope; table: TableSchema; conjunct: number }) {
  const found: (KeyPredicate | undefined)[] = [];
  if (expr.kind === 'binary' && isRangeOp(expr.op)) {
    found.push(
      sidePredicate(expr.left, expr.right, expr.op, at) ??
        sidePredicate(expr.right, expr.left, FLIPPED[expr.op], at),
    );
  } else if (expr.kind === 'between' && !expr.negated) {
    found.push(sidePredicate(expr.operand, expr.low, '>=', at));
    found.push(sidePredicate(expr.operand, expr.high, '<=', at));
  }
  return found.filter((p): p is KeyPredicate => p !== undefined);
}

interface Candidate {
  readonly index: string | undefined;
  readonly columns: readonly number[];
  readonly eqs: readonly KeyPredicate[];
  readonly lower: KeyPredicate | undefined;
  readonly upper: KeyPredicate | undefined;
}

function candidate(
  index: string | undefined,
  columns: readonly number[],
  preds: readonly KeyPredicate[],
): Candidate {
  const eqs: KeyPredicate[] = [];
  for (const column of columns) {
    const eq = preds.find((p) => p.column === column && p.op === '=');
    if (eq === undefined) break;
    eqs.push(eq);
  }
  const next = columns[eqs.length];
  const on = (ops: readonly RangeOp[]) =>
    preds.find((p) => p.column === next && ops.includes(p.op));
  return { index, columns, eqs, lower: on(['>', '>=']), upper: on(['<', '<=']) };
}

function score(c: Candidate): number {
  return c.eqs.length * 2 + (c.lower !== undefined || c.upper !== undefined ? 1 : 0);
}

export function chooseAccessPath(
  table: TableSchema,
  label: string,
  conjuncts: readonly Expr[],
  scope: BindScope,
): PlanNode {
  const preds = conjuncts.flatMap((expr, conjunct) =>
    keyPredicates(expr, { scope: scope.with({ clause: 'WHERE' }), table, conjunct }),
  );
  const candidates = [
    candidate(undefined, table.primaryKey, preds),
    ...table.indexes.map((i) => candidate(i.name, i.columns, preds)),
  ];
  let best = candidates[0] as Candidate;
  for (const c of candidates) if (score(c) > score(best)) best = c;
  const full = best.index === undefined && best.eqs.length === table.primaryKey.length;
  const list = full ? undefined : inListLookup(table, label, conjuncts, scope);
  if (list !== undefined) return list;
  if (score(best) === 0) {
    const filter = predicateOf(conjuncts, scope);
    return { kind: 'seq_scan', table, label: `SeqScan ${label}`, filter };
  }
  return keyNode(table, label, conjuncts, scope, best);
}

/** A `key IN (...)` conjunct on a one-column primary key whose values read no column here. */
function inListLookup(
  table: TableSchema,
  label: string,
  conjuncts: readonly Expr[],
  scope: BindScope,
): PlanNode | undefined {
  const [keyColumn, ...more] = table.primaryKey;
  const type = keyColumn === undefined ? undefined : table.columns[keyColumn]?.type;
  if (type === undefined || more.length > 0) return undefined;
  const at = conjuncts.findIndex((e) => {
    if (e.kind !== 'in_list' || e.negated || e.operand.kind !== 'column') return false;
    return findColumn(scope.options.columns, e.operand)?.slot === keyColumn;
  });
  const expr = conjuncts[at];
  if (expr?.kind !== 'in_list') return undefined;
  const keys: KeyValue[] = [];
  for (const item of expr.list) {
    const track = new Set<number>();
    const value = scope.with({ track }).compile(item);
    if (track.size > 0 || !fits(value, type)) return undefined;
    keys.push({ eval: value.eval, type });
  }
  const filter = predicateOf(
    conjuncts.filter((_, i) => i !== at),
    scope,
  );
  const text = `PrimaryKeyLookup ${label} [${conditionText([expr])}]`;
  return { kind: 'key_lookups', table, keys, label: text, filter };
}

function keyValue(p: KeyPredicate, table: TableSchema): KeyValue {
  return { eval: p.value.eval, type: (table.columns[p.column] as { type: ColumnType }).type };
}

function keyNode(
  table: TableSchema,
  label: string,
  conjuncts: readonly Expr[],
  scope: BindScope,
  best: Candidate,
): PlanNode {
  // Equalities are answered exactly by the key (a NULL or unencodable value matches nothing,
  // and NULL keys never equal a value). Ranges stay in the filter: an index range with an
  // open end can hold the NULL entries of a nullable column.
  const used = new Set(best.eqs.map((p) => p.conjunct));
  const residual = predicateOf(
    conjuncts.filter((_, i) => !used.has(i)),
    scope,
  );
  const shown = [...best.eqs, best.lower, best.upper].flatMap((p) =>
    p === undefined ? [] : [conjuncts[p.conjunct] as Expr],
  );
  const keyText = `[${conditionText([...new Set(shown)])}]`;
  const eqValues = best.eqs.map((p) => keyValue(p, table));
  if (best.index === undefined && best.eqs.length === table.primaryKey.length) {
    const text = `PrimaryKeyLookup ${label} ${keyText}`;
    return { kind: 'key_lookup', table, key: eqValues, label: text, filter: residual };
  }
  const bound = (p: KeyPredicate | undefined): KeyBoundPlan | undefined => {
    if (p === undefined) {
      return eqValues.length === 0
        ? undefined
        : { values: eqValues, inclusive: true, range: false };
    }
    return { values: [...eqValues, keyValue(p, table)], inclusive: p.op.length === 2, range: true };
  };
  const name =
    best.index === undefined
      ? `PrimaryKeyRange ${label}`
      : `IndexRange ${table.name}.${best.index}`;
  return {
    kind: 'key_range',
    table,
    index: best.index,
    lower: bound(best.lower),
    upper: bound(best.upper),
    label: `${name} ${keyText}`,
    filter: residual,
    prefix: best.eqs.length,
  };
}
