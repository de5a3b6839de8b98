/**
 * Predicates and conditionals on compiled operands, with SQL's three-valued logic:
 * IS [NOT] NULL, IS [NOT] TRUE/FALSE, IS [NOT] DISTINCT FROM, BETWEEN, IN (list), LIKE /
 * ILIKE, and CASE (simple and searched).
 *
 * `x IN (a, b)` is TRUE when x equals one item, else NULL when x or any item is NULL, else
 * FALSE; NOT IN negates that (NULL stays NULL). When every item is known at compile time the
 * items go into a hash set (keys from `groupKey`, which agrees with `compareValues`).
 */
import type { SqlValue } from '../../types/index.js';
import { SQL_NULL } from '../../types/index.js';
import type { Evaluator } from '../types.js';
import { categoryOf, commonType, TEXT, typeName } from './coercion.js';
import { compareValues, groupKey, isTrue } from './compare.js';
import { type LikePattern, likePattern } from './like.js';
import {
  bool,
  coerce,
  FALSE,
  makeNode,
  type Node,
  requireBoolean,
  strictBinary,
  TRUE,
  typeMismatch,
  unifyComparison,
} from './node.js';

const BOOLEAN_TYPE = { kind: 'boolean' } as const;

function not(v: SqlValue): SqlValue {
  return v.kind === 'boolean' ? bool(!v.value) : v;
}

export function compileIsNull(operand: Node, negated: boolean): Node {
  const inner = operand.eval;
  return makeNode(BOOLEAN_TYPE, (row, ctx) => bool((inner(row, ctx).kind === 'null') !== negated), [
    operand,
  ]);
}

export function compileIsBool(operand: Node, value: boolean, negated: boolean): Node {
  const n = requireBoolean(operand, value ? 'IS TRUE' : 'IS FALSE');
  const inner = n.eval;
  return makeNode(
    BOOLEAN_TYPE,
    (row, ctx) => {
      const v = inner(row, ctx);
      return bool((v.kind === 'boolean' && v.value === value) !== negated);
    },
    [n],
  );
}

export function compileIsDistinct(left: Node, right: Node, negated: boolean): Node {
  const [l, r] = unifyComparison(left, right, 'IS DISTINCT FROM');
  const [a, b] = [l.eval, r.eval];
  return makeNode(
    BOOLEAN_TYPE,
    (row, ctx) => bool((compareValues(a(row, ctx), b(row, ctx)) !== 0) !== negated),
    [l, r],
  );
}

/** Three-valued AND of two comparison results. */
function and3(a: SqlValue, b: SqlValue): SqlValue {
  if (a === FALSE || b === FALSE) return FALSE;
  if (a.kind === 'null' || b.kind === 'null') return SQL_NULL;
  return TRUE;
}

function compareOrNull(a: SqlValue, b: SqlValue, test: (c: number) => boolean): SqlValue {
  if (a.kind === 'null' || b.kind === 'null') return SQL_NULL;
  return bool(test(compareValues(a, b)));
}

export function compileBetween(operand: Node, low: Node, high: Node, negated: boolean): Node {
  const [x1, lo] = unifyComparison(operand, low, 'BETWEEN');
  const [x2, hi] = unifyComparison(x1, high, 'BETWEEN');
  const [x, l, h] = [x2.eval, lo.eval, hi.eval];
  return makeNode(
    BOOLEAN_TYPE,
    (row, ctx) => {
      const v = x(row, ctx);
      const result = and3(
        compareOrNull(v, l(row, ctx), (c) => c >= 0),
        compareOrNull(v, h(row, ctx), (c) => c <= 0),
      );
      return negated ? not(result) : result;
    },
    [x2, lo, hi],
  );
}

function inListOperand(operand: Node, list: readonly Node[]): Node {
  if (operand.type.kind !== 'unknown') return operand;
  return coerce(
    operand,
    commonType(
      list.map((n) => n.type),
      'IN',
    ),
  );
}

function inSetEvaluator(x: Evaluator, items: readonly SqlValue[], negated: boolean): Evaluator {
  const keys = new Set(items.filter((v) => v.kind !== 'null').map((v) => groupKey([v])));
  const hasNull = items.some((v) => v.kind === 'null');
  return (row, ctx) => {
    const v = x(row, ctx);
    if (v.kind === 'null') return SQL_NULL;
    if (keys.has(groupKey([v]))) return bool(!negated);
    return hasNull ? SQL_NULL : bool(negated);
  };
}

function inScanEvaluator(x: Evaluator, items: readonly Evaluator[], negated: boolean): Evaluator {
  return (row, ctx) => {
    const v = x(row, ctx);
    if (v.kind === 'null') return SQL_NULL;
    let sawNull = false;
    for (const item of items) {
      const w = item(row, ctx);
      if (w.kind === 'null') sawNull = true;
      else if (compareValues(v, w) === 0) return bool(!negated);
    }
    return sawNull ? SQL_NULL : bool(negated);
  };
}

export function compileInList(operand: Node, list: readonly Node[], negated: boolean): Node {
  const x = inListOperand(operand, list);
  const items = list.map((item) => unifyComparison(x, item, 'IN')[1]);
  const literals = items.map((n) => n.literal);
  const evaluate = literals.every((v) => v !== undefined)
    ? inSetEvaluator(x.eval, literals as SqlValue[], negated)
    : inScanEvaluator(
        x.eval,
        items.map((n) => n.eval),
        negated,
      );
  return makeNode(BOOLEAN_TYPE, evaluate, [x, ...items]);
}

function asText(n: Node, what: string): Node {
  if (n.type.kind === 'unknown') return coerce(n, TEXT);
  if (categoryOf(n.type) !== 'string') {
    throw typeMismatch(`${what} needs text operands, got ${typeName(n.type)}`);
  }
  return n;
}

export function compileLike(
  operand: Node,
  pattern: Node,
  caseInsensitive: boolean,
  negated: boolean,
): Node {
  const what = caseInsensitive ? 'ILIKE' : 'LIKE';
  const [s, p] = [asText(operand, what), asText(pattern, what)];
  const fixed =
    p.literal?.kind === 'text' ? likePattern(p.literal.value, caseInsensitive) : undefined;
  // A pattern computed per row is compiled once per distinct value in a row.
  let last: { text: string; pattern: LikePattern } | undefined;
  const compiled = (text: string): LikePattern => {
    if (fixed !== undefined) return fixed;
    if (last?.text !== text) last = { text, pattern: likePattern(text, caseInsensitive) };
    return last.pattern;
  };
  const fn = (a: SqlValue, b: SqlValue): SqlValue => {
    const matched = compiled((b as { value: string }).value).matches(
      (a as { value: string }).value,
    );
    return bool(matched !== negated);
  };
  return makeNode(BOOLEAN_TYPE, strictBinary(s, p, fn), [s, p]);
}

export interface CaseArm {
  readonly when: Node;
  readonly result: Node;
}

function caseResults(arms: readonly CaseArm[], otherwise: Node | undefined): Node[] {
  const results = [...arms.map((a) => a.result), ...(otherwise === undefined ? [] : [otherwise])];
  const type = commonType(
    results.map((n) => n.type),
    'CASE',
  );
  return results.map((n) => coerce(n, type));
}

/** Searched CASE (`operand` undefined) or simple CASE (`CASE x WHEN v ...`, x = v each). */
export function compileCase(
  operand: Node | undefined,
  arms: readonly CaseArm[],
  otherwise: Node | undefined,
): Node {
  const results = caseResults(arms, otherwise);
  const thens = results.slice(0, arms.length).map((n) => n.eval);
  const fallback = otherwise === undefined ? undefined : (results[arms.length] as Node).eval;
  const conditions =
    operand === undefined
      ? arms.map((a) => requireBoolean(a.when, 'CASE WHEN'))
      : arms.map((a) => unifyComparison(operand, a.when, 'CASE'));
  const type = (results[0] as Node).type;
  const parts = [...results, ...conditions.flat()];
  if (operand === undefined) {
    const tests = (conditions as Node[]).map((c) => c.eval);
    return makeNode(
      type,
      (row, ctx) => {
        for (let i = 0; i < tests.length; i++) {
          if (isTrue((tests[i] as Evaluator)(row, ctx))) return (thens[i] as Evaluator)(row, ctx);
        }
        return fallback === undefined ? SQL_NULL : fallback(row, ctx);
      },
      parts,
    );
  }
  const pairs = (conditions as [Node, Node][]).map(([x, w]) => [x.eval, w.eval] as const);
  return makeNode(
    type,
    (row, ctx) => {
      for (let i = 0; i < pairs.length; i++) {
        const [x, w] = pairs[i] as readonly [Evaluator, Evaluator];
        const v = x(row, ctx);
        const candidate = w(row, ctx);
        if (v.kind !== 'null' && candidate.kind !== 'null' && compareValues(v, candidate) === 0) {
          return (thens[i] as Evaluator)(row, ctx);
        }
      }
      return fallback === undefined ? SQL_NULL : fallback(row, ctx);
    },
    parts,
  );
}
