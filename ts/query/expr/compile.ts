/**
 * The expression compiler: an AST `Expr` to a typed closure `(row, ctx) => SqlValue`.
 *
 * Every node is first offered to the scope (`options.scope.resolve`), which answers what only
 * the query engine knows: columns, subqueries, aggregates and windows it computed into slots,
 * GROUP BY expressions. A column, subquery, aggregate or window node the scope does not answer
 * is an error for the scope's clause. Types are checked here, once, so evaluation never meets
 * a type it did not expect. Recursion is bounded by `LIMITS.statementDepthMax`.
 */
import type { ColumnType, SqlValue } from '../../types/index.js';
import { ErrorCode, KimberliteError, LIMITS, SQL_NULL, unreachable } from '../../types/index.js';
import type { Expr, FunctionCall } from '../ast.js';
import type { Compiled, CompileOptions, SqlType } from '../types.js';
import { isAggregateName, isWindowFunctionName } from './aggregates.js';
import { canCast, castValue } from './cast.js';
import {
  BIGINT,
  DOUBLE,
  INTEGER,
  numericType,
  TEXT,
  TIMESTAMP,
  typeName,
  UNKNOWN,
} from './coercion.js';
import {
  checkExtractField,
  extractFromDate,
  extractFromTimestamp,
  extractScale,
} from './datetime.js';
import { resolveFunction } from './functions.js';
import {
  coerce,
  contextNode,
  literalNode,
  makeNode,
  type Node,
  strictUnary,
  typeMismatch,
} from './node.js';
import { compileBinary, compileUnary } from './operators.js';
import {
  compileBetween,
  compileCase,
  compileInList,
  compileIsBool,
  compileIsDistinct,
  compileIsNull,
  compileLike,
} from './predicates.js';

const INT32_MIN = -(1n << 31n);
const INT32_MAX = (1n << 31n) - 1n;

/** The static type of a literal value: integers that fit 32 bits are `integer`, as in
 * PostgreSQL; NULL is `unknown`. */
export function literalType(value: SqlValue): SqlType {
  switch (value.kind) {
    case 'null':
      return UNKNOWN;
    case 'integer':
      return value.value >= INT32_MIN && value.value <= INT32_MAX ? INTEGER : BIGINT;
    case 'decimal':
      return numericType(value.scale);
    case 'float':
      return DOUBLE;
    case 'text':
      return TEXT;
    case 'bytes':
      return { kind: 'bytea' };
    default:
      return { kind: value.kind };
  }
}

class Compiler {
  constructor(private readonly options: CompileOptions) {}

  compile(expr: Expr, depth: number): Node {
    if (depth > LIMITS.statementDepthMax) {
      throw new KimberliteError(
        ErrorCode.LimitExceeded,
        `expression nested deeper than statementDepthMax (${LIMITS.statementDepthMax})`,
      );
    }
    const answered = this.options.scope.resolve(expr);
    if (answered !== undefined) return fromCompiled(answered);
    return this.compileNode(expr, depth + 1);
  }

  private compileNode(expr: Expr, depth: number): Node {
    const sub = (e: Expr): Node => this.compile(e, depth);
    switch (expr.kind) {
      case 'literal':
        return literalNode(literalType(expr.value), expr.value);
      case 'string':
        return literalNode(UNKNOWN, { kind: 'text', value: expr.value });
      case 'param':
        return this.param(expr.index);
      case 'column':
        throw new KimberliteError(
          ErrorCode.UnknownColumn,
          `Unknown column: ${expr.table === undefined ? '' : `${expr.table}.`}${expr.name}`,
        );
      case 'unary':
        return compileUnary(expr.op, sub(expr.operand));
      case 'binary':
        return compileBinary(expr.op, sub(expr.left), sub(expr.right));
      case 'is_null':
        return compileIsNull(sub(expr.operand), expr.negated);
      case 'is_bool':
        return compileIsBool(sub(expr.operand), expr.value, expr.negated);
      case 'is_distinct':
        return compileIsDistinct(sub(expr.left), sub(expr.right), expr.negated);
      case 'between':
        return compileBetween(sub(expr.operand), sub(expr.low), sub(expr.high), expr.negated);
      case 'in_list':
        return compileInList(sub(expr.operand), expr.list.map(sub), expr.negated);
      case 'in_query':
      case 'exists':
      case 'subquery':
        throw new KimberliteError(
          ErrorCode.NotSupported,
          `subqueries are not allowed in ${this.options.scope.clause}`,
        );
      case 'like':
        return compileLike(
          sub(expr.operand),
          sub(expr.pattern),
          expr.caseInsensitive,
          expr.negated,
        );
      case 'case':
        return compileCase(
          expr.operand === undefined ? undefined : sub(expr.operand),
          expr.whens.map((w) => ({ when: sub(w.when), result: sub(w.then) })),
          expr.else === undefined ? undefined : sub(expr.else),
        );
      case 'cast':
        return compileCast(sub(expr.operand), expr.type);
      case 'extract':
        return compileExtract(expr.field, sub(expr.operand));
      case 'function':
        return this.call(expr, sub);
      default:
        return unreachable(expr);
    }
  }

  private param(index: number): Node {
    const type = this.options.paramTypes[index - 1];
    if (type === undefined || !Number.isInteger(index) || index < 1) {
      throw new KimberliteError(ErrorCode.InvalidParameter, `there is no parameter $${index}`);
    }
    return contextNode(type, (_row, ctx) => {
      const value = ctx.params[index - 1];
      if (value === undefined) {
        throw new KimberliteError(ErrorCode.InvalidParameter, `there is no parameter $${index}`);
      }
      return value;
    });
  }

  private call(call: FunctionCall, sub: (e: Expr) => Node): Node {
    const clause = this.options.scope.clause;
    if (call.over !== undefined) {
      throw new KimberliteError(
        ErrorCode.GroupingError,
        `window functions are not allowed in ${clause}`,
      );
    }
    if (isAggregateName(call.name)) {
      throw new KimberliteError(
        ErrorCode.GroupingError,
        `aggregate functions are not allowed in ${clause}`,
      );
    }
    if (isWindowFunctionName(call.name)) {
      throw new KimberliteError(
        ErrorCode.GroupingError,
        `window function ${call.name} requires an OVER clause`,
      );
    }
    if (call.distinct || call.star || call.filter !== undefined) {
      throw new KimberliteError(
        ErrorCode.UnknownFunction,
        `${call.name} is not an aggregate function: DISTINCT, * and FILTER need one`,
      );
    }
    const args = call.args.map(sub);
    if (call.name === 'mod' && args.length === 2) {
      return compileBinary('%', args[0] as Node, args[1] as Node);
    }
    return compileCall(call.name, args);
  }
}

function fromCompiled(c: Compiled): Node {
  return { type: c.type, eval: c.eval, constant: c.constant === true };
}

function compileCall(name: string, args: readonly Node[]): Node {
  const resolved = resolveFunction(
    name,
    args.map((a) => a.type),
  );
  const converted = args.map((a, i) => coerce(a, resolved.argTypes[i] ?? a.type));
  const evals = converted.map((a) => a.eval);
  const impl = resolved.impl;
  switch (impl.kind) {
    case 'context':
      return contextNode(resolved.type, (_row, ctx) => impl.fn(ctx));
    case 'lazy':
      return makeNode(resolved.type, (row, ctx) => impl.fn(evals, row, ctx), converted);
    case 'values':
      return makeNode(
        resolved.type,
        (row, ctx) => {
          const values = evals.map((e) => e(row, ctx));
          if (impl.strict && values.some((v) => v.kind === 'null')) return SQL_NULL;
          return impl.fn(values);
        },
        converted,
      );
    default:
      return unreachable(impl);
  }
}

function compileCast(operand: Node, type: ColumnType): Node {
  if (!canCast(operand.type, type)) {
    throw typeMismatch(`cannot cast type ${typeName(operand.type)} to ${typeName(type)}`);
  }
  if (operand.type.kind === type.kind && type.kind !== 'decimal' && type.kind !== 'varchar') {
    return { ...operand, type }; // Nothing to convert or check.
  }
  const single = operand.type.kind === 'real';
  if (operand.literal !== undefined && operand.type.kind === 'unknown') {
    // A typed literal (`'2026-01-01'::date`): converted now, so a bad one fails compilation.
    return literalNode(type, castValue(operand.literal, type));
  }
  return makeNode(
    type,
    strictUnary(operand, (v) => castValue(v, type, single)),
    [operand],
  );
}

function compileExtract(field: string, operand: Node): Node {
  const n = operand.type.kind === 'unknown' ? coerce(operand, TIMESTAMP) : operand;
  if (n.type.kind !== 'date' && n.type.kind !== 'timestamp') {
    throw typeMismatch(`EXTRACT needs a date or timestamp, got ${typeName(n.type)}`);
  }
  const source = n.type.kind;
  checkExtractField(field, source);
  const type = numericType(extractScale(field, source));
  return makeNode(
    type,
    strictUnary(n, (v) => {
      const d =
        v.kind === 'date'
          ? extractFromDate(field, v.value)
          : extractFromTimestamp(field, (v as { value: bigint }).value);
      return { kind: 'decimal', unscaled: d.unscaled, scale: d.scale };
    }),
    [n],
  );
}

/**
 * Type-checks and compiles an expression. Columns, subqueries, aggregates and windows must be
 * answered by `options.scope`; `$n` takes its type from `options.paramTypes` and its value
 * from `ctx.params`. The result is `constant` when it depends only on literals, parameters and
 * the statement clock.
 *
 * @example
 * const c = compileExpr(
 *   { kind: 'binary', op: '+', left: lit(1n), right: { kind: 'param', index: 1 } },
 *   { scope: { resolve: () => undefined, clause: 'WHERE' }, paramTypes: [{ kind: 'integer' }] },
 * );
 * c.eval([], { params: [{ kind: 'integer', value: 2n }], nowMicros: 0n }); // integer 3
 */
export function compileExpr(expr: Expr, options: CompileOptions): Compiled {
  const node = new Compiler(options).compile(expr, 0);
  return { type: node.type, eval: node.eval, constant: node.constant };
}
