/**
 * The pieces scalar functions are built from: how a resolved function computes, what a
 * function entry answers, and small helpers shared by the function families
 * (text_functions.ts, math_functions.ts, functions.ts).
 */
import type { SqlValue } from '../../types/index.js';
import { ErrorCode, KimberliteError, LIMITS } from '../../types/index.js';
import type { EvalContext, Evaluator, Row, SqlType } from '../types.js';
import { categoryOf } from './coercion.js';
import { valueToText } from './text_format.js';

/** How a resolved function computes. */
export type Implementation =
  /** Called with the converted argument values; strict ones see no NULLs. */
  | {
      readonly kind: 'values';
      readonly strict: boolean;
      readonly fn: (args: readonly SqlValue[]) => SqlValue;
    }
  /** Called with the arguments' evaluators (COALESCE evaluates only what it needs). */
  | {
      readonly kind: 'lazy';
      readonly fn: (args: readonly Evaluator[], row: Row, ctx: EvalContext) => SqlValue;
    }
  /** Reads the statement's context (now()); constant within a statement. */
  | { readonly kind: 'context'; readonly fn: (ctx: EvalContext) => SqlValue };

export interface ResolvedFunction {
  readonly type: SqlType;
  /** What each argument is converted to before the call. */
  readonly argTypes: readonly SqlType[];
  readonly impl: Implementation;
}

export interface ScalarFunction {
  /** Accepted signatures, for messages: `substring(text, integer[, integer])`. */
  readonly accepts: string;
  resolve(args: readonly SqlType[]): ResolvedFunction | undefined;
}

export const isStringish = (t: SqlType): boolean =>
  categoryOf(t) === 'string' || t.kind === 'unknown';
export const isNumberish = (t: SqlType): boolean =>
  categoryOf(t) === 'numeric' || t.kind === 'unknown';
export const isIntegerish = (t: SqlType): boolean =>
  t.kind === 'smallint' || t.kind === 'integer' || t.kind === 'bigint' || t.kind === 'unknown';

export function text(v: SqlValue): string {
  return v.kind === 'text' ? v.value : valueToText(v);
}

export function int(v: SqlValue): bigint {
  return v.kind === 'integer' ? v.value : 0n;
}

export function float(v: SqlValue): number {
  return v.kind === 'float' ? v.value : Number.NaN;
}

export function textResult(value: string): SqlValue {
  return { kind: 'text', value };
}

export function strict(
  type: SqlType,
  argTypes: readonly SqlType[],
  fn: (args: readonly SqlValue[]) => SqlValue,
): ResolvedFunction {
  return { type, argTypes, impl: { kind: 'values', strict: true, fn } };
}

export function invalid(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.InvalidValue, message);
}

/** Text built by a function may not outgrow a record: past that, LIMIT_EXCEEDED. */
export function checkTextSize(length: bigint): number {
  if (length > BigInt(LIMITS.recordSizeBytesMax)) {
    throw new KimberliteError(
      ErrorCode.LimitExceeded,
      `result of ${length} characters is over recordSizeBytesMax (${LIMITS.recordSizeBytesMax})`,
    );
  }
  return Number(length);
}
