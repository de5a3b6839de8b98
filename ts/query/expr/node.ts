/**
 * The compiler's working form of an expression (`Node`: a `Compiled` that may also know its
 * value at compile time) and the implicit conversions between nodes.
 *
 * Folding: a node whose inputs are all known at compile time is evaluated once, at compile
 * time, unless it reads the statement context (parameters, now()); if evaluating it fails, the
 * failure is left for run time, so `CASE WHEN false THEN 1/0 END` does not fail to compile.
 *
 * Unknowns (NULL, string literals, untyped parameters) adopt the type they meet, as in
 * PostgreSQL: a string literal is converted once, at compile time, and a bad literal fails
 * compilation with INVALID_VALUE quoting it. A literal adopting a constrained type takes the
 * unconstrained one (`numeric(10,2) = '1.234'` compares with 1.234, not 1.23).
 */
import type { ColumnType, SqlValue } from '../../types/index.js';
import { ErrorCode, KimberliteError, SQL_NULL, valueKindOf } from '../../types/index.js';
import type { Compiled, EvalContext, Evaluator, SqlType } from '../types.js';
import { convertImplicit } from './cast.js';
import { BOOLEAN, categoryOf, numericType, TEXT, typeName } from './coercion.js';

export interface Node extends Compiled {
  readonly constant: boolean;
  /** The value, when it is known at compile time. */
  readonly literal?: SqlValue;
}

export const TRUE: SqlValue = Object.freeze({ kind: 'boolean', value: true });
export const FALSE: SqlValue = Object.freeze({ kind: 'boolean', value: false });

export function bool(value: boolean): SqlValue {
  return value ? TRUE : FALSE;
}

const FOLD_CONTEXT: EvalContext = { params: [], nowMicros: 0n };

export function literalNode(type: SqlType, value: SqlValue): Node {
  return { type, eval: () => value, constant: true, literal: value };
}

/** A node computed from `parts`; folded when they are all known (see the file comment). */
export function makeNode(type: SqlType, evaluate: Evaluator, parts: readonly Node[]): Node {
  const constant = parts.every((p) => p.constant);
  if (parts.every((p) => p.literal !== undefined)) {
    try {
      return literalNode(type, evaluate([], FOLD_CONTEXT));
    } catch {
      // Left for run time: only rows that reach it should fail.
    }
  }
  return { type, eval: evaluate, constant };
}

/** A node that reads the statement context: constant within a statement, never folded. */
export function contextNode(type: SqlType, evaluate: Evaluator): Node {
  return { type, eval: evaluate, constant: true };
}

/** The type an unknown takes when it meets `type`: constraints dropped (see file comment). */
export function adoptedType(type: SqlType): SqlType {
  if (type.kind === 'decimal') return numericType(type.scale);
  if (type.kind === 'varchar') return TEXT;
  return type;
}

function needsConversion(from: SqlType, to: ColumnType): boolean {
  return from.kind === 'unknown' || valueKindOf(from as ColumnType) !== valueKindOf(to);
}

/**
 * `n` as a node of type `to`: an unknown takes the type (a literal converted now, anything
 * else per value at run time); a known type is widened (integer to numeric, date to
 * timestamp...). The caller has checked that the conversion makes sense.
 */
export function coerce(n: Node, to: SqlType): Node {
  if (to.kind === 'unknown') return n;
  if (!needsConversion(n.type, to)) return { ...n, type: to };
  if (n.literal !== undefined) return literalNode(to, convertImplicit(n.literal, to));
  const inner = n.eval;
  const kind = valueKindOf(to);
  return {
    type: to,
    constant: n.constant,
    eval: (row, ctx) => {
      const v = inner(row, ctx);
      return v.kind === 'null' || v.kind === kind ? v : convertImplicit(v, to);
    },
  };
}

export function typeMismatch(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.TypeMismatch, message);
}

/** `n` as a boolean condition (an unknown becomes boolean), else TYPE_MISMATCH naming where. */
export function requireBoolean(n: Node, context: string): Node {
  if (n.type.kind === 'unknown') return coerce(n, BOOLEAN);
  if (n.type.kind !== 'boolean') {
    throw typeMismatch(`argument of ${context} must be type boolean, not type ${typeName(n.type)}`);
  }
  return n;
}

/**
 * Two operands made comparable, as for `=`: unknowns adopt the other side's type (two
 * unknowns compare as text); known types must be of one category (numbers compare exactly
 * across kinds, dates with timestamps), else TYPE_MISMATCH naming both types.
 */
export function unifyComparison(left: Node, right: Node, op: string): [Node, Node] {
  if (left.type.kind === 'unknown' && right.type.kind === 'unknown') {
    return [coerce(left, TEXT), coerce(right, TEXT)];
  }
  if (left.type.kind === 'unknown') return [coerce(left, adoptedType(right.type)), right];
  if (right.type.kind === 'unknown') return [left, coerce(right, adoptedType(left.type))];
  if (categoryOf(left.type) !== categoryOf(right.type)) {
    throw typeMismatch(
      `operator does not exist: ${typeName(left.type)} ${op} ${typeName(right.type)}`,
    );
  }
  return [left, right];
}

/** An evaluator of `fn` over two operands that gives NULL when either is NULL. */
export function strictBinary(
  left: Node,
  right: Node,
  fn: (a: SqlValue, b: SqlValue) => SqlValue,
): Evaluator {
  const [l, r] = [left.eval, right.eval];
  return (row, ctx) => {
    const a = l(row, ctx);
    if (a.kind === 'null') return SQL_NULL;
    const b = r(row, ctx);
    if (b.kind === 'null') return SQL_NULL;
    return fn(a, b);
  };
}

/** An evaluator of `fn` over one operand that gives NULL for NULL. */
export function strictUnary(operand: Node, fn: (v: SqlValue) => SqlValue): Evaluator {
  const inner = operand.eval;
  return (row, ctx) => {
    const v = inner(row, ctx);
    return v.kind === 'null' ? SQL_NULL : fn(v);
  };
}
