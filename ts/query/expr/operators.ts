/**
 * Unary and binary operators on compiled operands: AND / OR / NOT (three-valued),
 * comparisons, arithmetic, `||` and the JSON accessors. Typing follows PostgreSQL (node.ts
 * for unknowns, coercion.ts for categories); arithmetic.ts computes.
 */
import type { ColumnType, SqlValue } from '../../types/index.js';
import { SQL_NULL, unreachable } from '../../types/index.js';
import type { BinaryOp } from '../ast.js';
import type { SqlType } from '../types.js';
import { type ArithmeticOp, dateOperation, negate, numericOperation } from './arithmetic.js';
import {
  categoryOf,
  DATE,
  INTEGER,
  isIntegerType,
  JSON_TYPE,
  numericResultType,
  numericType,
  TEXT,
  typeName,
} from './coercion.js';
import { compareValues } from './compare.js';
import { jsonAccess } from './json.js';
import {
  adoptedType,
  bool,
  coerce,
  FALSE,
  makeNode,
  type Node,
  requireBoolean,
  strictBinary,
  strictUnary,
  TRUE,
  typeMismatch,
  unifyComparison,
} from './node.js';
import { valueToText } from './text_format.js';

export type ComparisonOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

export function comparisonTest(op: ComparisonOp): (cmp: number) => boolean {
  switch (op) {
    case '=':
      return (c) => c === 0;
    case '<>':
      return (c) => c !== 0;
    case '<':
      return (c) => c < 0;
    case '<=':
      return (c) => c <= 0;
    case '>':
      return (c) => c > 0;
    case '>=':
      return (c) => c >= 0;
  }
}

export function compileComparison(op: ComparisonOp, left: Node, right: Node): Node {
  const [l, r] = unifyComparison(left, right, op);
  const test = comparisonTest(op);
  return makeNode(
    { kind: 'boolean' },
    strictBinary(l, r, (a, b) => bool(test(compareValues(a, b)))),
    [l, r],
  );
}

function compileLogic(op: 'and' | 'or', left: Node, right: Node): Node {
  const label = op.toUpperCase();
  const [l, r] = [requireBoolean(left, label).eval, requireBoolean(right, label).eval];
  // The value that decides alone: FALSE for AND, TRUE for OR.
  const decisive = op === 'or';
  return makeNode(
    { kind: 'boolean' },
    (row, ctx) => {
      const a = l(row, ctx);
      if (a.kind === 'boolean' && a.value === decisive) return a;
      const b = r(row, ctx);
      if (b.kind === 'boolean' && b.value === decisive) return b;
      if (a.kind === 'null' || b.kind === 'null') return SQL_NULL;
      return decisive ? FALSE : TRUE;
    },
    [left, right],
  );
}

function mismatch(left: SqlType, op: string, right: SqlType): never {
  throw typeMismatch(`operator does not exist: ${typeName(left)} ${op} ${typeName(right)}`);
}

/** The type an unknown operand of arithmetic takes next to `other`. */
function arithmeticAdoption(op: ArithmeticOp, other: SqlType): SqlType {
  if (other.kind === 'date') return op === '-' ? DATE : INTEGER;
  return adoptedType(other);
}

/** The static type of a numeric result (decimal.ts documents the value scales). */
function staticResultType(op: ArithmeticOp, left: SqlType, right: SqlType): ColumnType {
  const result = numericResultType(left, right);
  if (result.kind !== 'decimal') return result;
  const scaleOf = (t: SqlType): number => (t.kind === 'decimal' ? t.scale : 0);
  const [a, b] = [scaleOf(left), scaleOf(right)];
  if (op === '*') return numericType(a + b);
  if (op === '/') return numericType(Math.max(a, b, 16));
  return numericType(Math.max(a, b));
}

export function compileArithmetic(op: ArithmeticOp, left: Node, right: Node): Node {
  let [l, r] = [left, right];
  if (l.type.kind === 'unknown' && r.type.kind === 'unknown') {
    mismatch(l.type, op, r.type);
  }
  if (l.type.kind === 'unknown') l = coerce(l, arithmeticAdoption(op, r.type));
  if (r.type.kind === 'unknown') r = coerce(r, arithmeticAdoption(op, l.type));
  const [lt, rt] = [l.type as ColumnType, r.type as ColumnType];
  const date = dateOperation(op, lt, rt);
  if (date !== undefined) return makeNode(date.type, strictBinary(l, r, date.fn), [l, r]);
  if (categoryOf(lt) !== 'numeric' || categoryOf(rt) !== 'numeric') mismatch(lt, op, rt);
  const type = staticResultType(op, lt, rt);
  const [lc, rc] = [coerce(l, type), coerce(r, type)];
  return makeNode(type, strictBinary(lc, rc, numericOperation(op, type)), [lc, rc]);
}

function concatBytes(a: SqlValue, b: SqlValue): SqlValue {
  if (a.kind !== 'bytes' || b.kind !== 'bytes') return SQL_NULL;
  const out = new Uint8Array(a.value.length + b.value.length);
  out.set(a.value);
  out.set(b.value, a.value.length);
  return { kind: 'bytes', value: out };
}

/** `||`: text concatenation (other kinds printed as text), or bytea with bytea. */
function compileConcat(left: Node, right: Node): Node {
  const isBytes = (t: SqlType): boolean => t.kind === 'bytea' || t.kind === 'unknown';
  if (
    isBytes(left.type) &&
    isBytes(right.type) &&
    (left.type.kind === 'bytea' || right.type.kind === 'bytea')
  ) {
    const [l, r] = [coerce(left, { kind: 'bytea' }), coerce(right, { kind: 'bytea' })];
    return makeNode({ kind: 'bytea' }, strictBinary(l, r, concatBytes), [l, r]);
  }
  const l = left.type.kind === 'unknown' ? coerce(left, TEXT) : left;
  const r = right.type.kind === 'unknown' ? coerce(right, TEXT) : right;
  const [singleL, singleR] = [l.type.kind === 'real', r.type.kind === 'real'];
  const fn = (a: SqlValue, b: SqlValue): SqlValue => ({
    kind: 'text',
    value: valueToText(a, singleL) + valueToText(b, singleR),
  });
  return makeNode(TEXT, strictBinary(l, r, fn), [l, r]);
}

function compileJson(op: '->' | '->>', left: Node, right: Node): Node {
  const l = left.type.kind === 'unknown' ? coerce(left, JSON_TYPE) : left;
  const r = right.type.kind === 'unknown' ? coerce(right, TEXT) : right;
  if (l.type.kind !== 'json' || (categoryOf(r.type) !== 'string' && !isIntegerType(r.type))) {
    mismatch(l.type, op, r.type);
  }
  const asText = op === '->>';
  return makeNode(
    asText ? TEXT : JSON_TYPE,
    strictBinary(l, r, (a, b) => jsonAccess(a, b, asText)),
    [l, r],
  );
}

export function compileBinary(op: BinaryOp, left: Node, right: Node): Node {
  switch (op) {
    case 'and':
    case 'or':
      return compileLogic(op, left, right);
    case '=':
    case '<>':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compileComparison(op, left, right);
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return compileArithmetic(op, left, right);
    case '||':
      return compileConcat(left, right);
    case '->':
    case '->>':
      return compileJson(op, left, right);
    default:
      return unreachable(op);
  }
}

export function compileUnary(op: 'not' | '-' | '+', operand: Node): Node {
  if (op === 'not') {
    const n = requireBoolean(operand, 'NOT');
    return makeNode(
      { kind: 'boolean' },
      strictUnary(n, (v) => bool(!(v as { value: boolean }).value)),
      [n],
    );
  }
  const n = operand.type.kind === 'unknown' ? coerce(operand, numericType(0)) : operand;
  if (categoryOf(n.type) !== 'numeric') {
    throw typeMismatch(`operator does not exist: ${op} ${typeName(n.type)}`);
  }
  if (op === '+') return n;
  return makeNode(n.type, strictUnary(n, negate(n.type as ColumnType)), [n]);
}
