/**
 * Expressions: node-sql-parser's expression nodes to our `Expr` (ts/query/ast.ts).
 *
 * node-sql-parser gives AND and OR one precedence (and associates them differently in WHERE
 * and in the select list), so chains of AND/OR are flattened in source order and rebuilt here
 * with PostgreSQL's precedence: AND binds tighter than OR, both associate to the left.
 */

import { ErrorCode, KimberliteError, type SqlValue } from '../../types/index.js';
import type { BinaryOp, Expr, Query } from '../ast.js';
import type { Context } from './context.js';
import { translateFunction } from './functions.js';
import { columnType, identifier } from './names.js';
import {
  checkFields,
  fields,
  isNode,
  list,
  type Node,
  node,
  notSupported,
  optionalList,
  present,
  text,
} from './node.js';
import { translateQuery } from './query.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const BINARY_OPS: Record<string, BinaryOp> = {
  '+': '+',
  '-': '-',
  '*': '*',
  '/': '/',
  '%': '%',
  '||': '||',
  '=': '=',
  '<>': '<>',
  '!=': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
  '->': '->',
  '->>': '->>',
};

/** A numeric literal's text: integers in bigint range are integers, other integers and
 * `1.5` decimals, and anything with an exponent a float (double precision), as in PostgreSQL. */
function numberLiteral(value: unknown): SqlValue {
  const raw = typeof value === 'number' ? String(value) : text(value, 'this number');
  if (/^-?[0-9]+$/.test(raw)) {
    const integer = BigInt(raw);
    if (integer >= INT64_MIN && integer <= INT64_MAX) return { kind: 'integer', value: integer };
    return { kind: 'decimal', unscaled: integer, scale: 0 };
  }
  const decimal = /^(-?)([0-9]*)\.([0-9]*)$/.exec(raw);
  if (decimal !== null) {
    const [, sign, whole, fraction] = decimal;
    const unscaled = BigInt(`${whole ?? ''}${fraction ?? ''}` || '0');
    return {
      kind: 'decimal',
      unscaled: sign === '-' ? -unscaled : unscaled,
      scale: (fraction ?? '').length,
    };
  }
  const float = Number(raw);
  if (!/^-?[0-9.]+[eE][+-]?[0-9]+$/.test(raw) || !Number.isFinite(float)) {
    throw notSupported(`number ${raw.slice(0, 40)}`);
  }
  return { kind: 'float', value: float };
}

/** Translates one expression node. */
export function translateExpr(cx: Context, value: unknown): Expr {
  const n = node(value, 'this expression');
  return cx.nested(() => dispatch(cx, n));
}

/** The fields each expression node type may carry (node.ts `checkFields`). */
const EXPR_FIELDS: Record<string, ReadonlySet<string>> = {
  number: fields('value'),
  bigint: fields('value'),
  bool: fields('value'),
  null: fields('value'),
  single_quote_string: fields('value'),
  var: fields('name', 'members', 'prefix'),
  column_ref: fields('table', 'column', 'collate'),
  unary_expr: fields('operator', 'expr'),
  binary_expr: fields('operator', 'left', 'right'),
  case: fields('expr', 'args'),
  cast: fields('keyword', 'expr', 'symbol', 'target', 'as', 'tail'),
  date: fields('value'),
  timestamp: fields('value'),
  extract: fields('args'),
  function: fields('name', 'args', 'over'),
  aggr_func: fields('name', 'args', 'filter', 'over'),
  window_func: fields('name', 'args', 'over'),
};

function dispatch(cx: Context, n: Node): Expr {
  if (isNode(n.ast)) return { kind: 'subquery', query: translateQuery(cx, n.ast) };
  const allowed = typeof n.type === 'string' ? EXPR_FIELDS[n.type] : undefined;
  if (allowed !== undefined) checkFields(n, allowed, describeNode(n));
  switch (n.type) {
    case 'number':
    case 'bigint':
      return { kind: 'literal', value: numberLiteral(n.value) };
    case 'bool':
      return { kind: 'literal', value: { kind: 'boolean', value: n.value === true } };
    case 'null':
      return { kind: 'literal', value: { kind: 'null' } };
    case 'single_quote_string':
      return { kind: 'string', value: cx.string(n.value) };
    case 'var':
      return param(n);
    case 'column_ref':
      return column(n);
    case 'unary_expr':
      return unary(cx, n);
    case 'binary_expr':
      return binary(cx, n);
    case 'case':
      return caseExpr(cx, n);
    case 'cast':
      return cast(cx, n);
    case 'date':
    case 'timestamp':
      return typedLiteral(cx, n);
    case 'extract':
      return extract(cx, n);
    case 'function':
    case 'aggr_func':
    case 'window_func':
      return translateFunction(cx, n);
    default:
      throw notSupported(describeNode(n));
  }
}

/** A short description of a node for `Not supported: ...`. */
function describeNode(n: Node): string {
  if (n.type === 'interval') return 'INTERVAL';
  if (n.type === 'expr_list') return 'a row value (a, b)';
  if (n.type === 'column_ref') return 'a column reference';
  if (n.type === 'aggr_func' || n.type === 'window_func') return 'a function call';
  const type = typeof n.type === 'string' ? n.type.replaceAll('_', ' ') : 'unknown';
  return `expression of type ${type}`;
}

function param(n: Node): Expr {
  if (n.prefix !== '$' || typeof n.name !== 'number' || n.name < 1) {
    throw notSupported('this variable or dollar form');
  }
  if (optionalList(n.members, 'parameter members').length > 0) {
    throw notSupported('members of a parameter');
  }
  return { kind: 'param', index: n.name };
}

function column(n: Node): Expr {
  if (n.column === '*') throw notSupported('* inside an expression');
  // Unquoted `DEFAULT` comes as a column named default; a quoted "default" is a column.
  const written = isNode(n.column) && isNode(n.column.expr) ? n.column.expr : undefined;
  if (written?.type === 'default' && written.value === 'default' && !present(n.table)) {
    throw notSupported('DEFAULT (write the value, or leave the column out)');
  }
  const name = identifier(n.column, 'this column reference');
  const table = present(n.table) ? identifier(n.table, 'this column qualifier') : undefined;
  if (present(n.schema) || present(n.db)) throw notSupported('schema-qualified column names');
  return { kind: 'column', table, name };
}

function unary(cx: Context, n: Node): Expr {
  const operator = text(n.operator, 'this unary operator').toUpperCase();
  switch (operator) {
    case '-':
      return negated(cx, n.expr);
    case '+':
      return { kind: 'unary', op: '+', operand: translateExpr(cx, n.expr) };
    case 'NOT':
    case '!':
      return { kind: 'unary', op: 'not', operand: translateExpr(cx, n.expr) };
    case 'NOT EXISTS':
      return { kind: 'exists', query: subquery(cx, n.expr), negated: true };
    // The pre-lexer's IS [NOT] DISTINCT FROM (workarounds.ts) with nothing on its left.
    case '~':
    case '!~':
      throw new KimberliteError(
        ErrorCode.SyntaxError,
        'IS [NOT] DISTINCT FROM needs a value on each side',
      );
    default:
      throw notSupported(`operator ${operator}`);
  }
}

/** `-x`; a minus before a numeric literal is part of the literal, as in PostgreSQL (so
 * `-9223372036854775808` is a bigint). */
function negated(cx: Context, operand: unknown): Expr {
  const n = node(operand, 'operand of -');
  if ((n.type === 'number' || n.type === 'bigint') && n.parentheses !== true) {
    const raw = typeof n.value === 'number' ? String(n.value) : text(n.value, 'this number');
    if (!raw.startsWith('-')) return { kind: 'literal', value: numberLiteral(`-${raw}`) };
  }
  return { kind: 'unary', op: '-', operand: translateExpr(cx, n) };
}

/** The query of a parenthesized subquery node `{ ast }`. */
export function subquery(cx: Context, value: unknown): Query {
  const n = node(value, 'this subquery');
  if (isNode(n.ast)) return translateQuery(cx, n.ast);
  const items = n.type === 'expr_list' ? optionalList(n.value, 'subquery') : [];
  const only = items.length === 1 ? items[0] : undefined;
  if (isNode(only) && isNode(only.ast)) return translateQuery(cx, only.ast);
  throw notSupported('expected a subquery here');
}

function binary(cx: Context, n: Node): Expr {
  const operator = text(n.operator, 'this operator').toUpperCase();
  if (operator === 'AND' || operator === 'OR') return logicalChain(cx, n);
  const op = BINARY_OPS[operator];
  if (op !== undefined) {
    return {
      kind: 'binary',
      op,
      left: translateExpr(cx, n.left),
      right: translateExpr(cx, n.right),
    };
  }
  switch (operator) {
    case 'IS':
    case 'IS NOT':
      return isExpr(cx, n, operator === 'IS NOT');
    case 'BETWEEN':
    case 'NOT BETWEEN':
      return between(cx, n, operator === 'NOT BETWEEN');
    case 'IN':
    case 'NOT IN':
      return inExpr(cx, n, operator === 'NOT IN');
    case 'LIKE':
    case 'NOT LIKE':
    case 'ILIKE':
    case 'NOT ILIKE':
      return like(cx, n, operator);
    // The pre-lexer's spelling of IS [NOT] DISTINCT FROM (workarounds.ts).
    case '~':
    case '!~':
      return distinct(cx, n, operator === '!~');
    default:
      throw notSupported(`operator ${operator}`);
  }
}

function distinct(cx: Context, n: Node, negated: boolean): Expr {
  return {
    kind: 'is_distinct',
    left: translateExpr(cx, n.left),
    right: translateExpr(cx, n.right),
    negated,
  };
}

function isExpr(cx: Context, n: Node, negated: boolean): Expr {
  const right = node(n.right, 'IS ...');
  const operand = translateExpr(cx, n.left);
  if (right.type === 'null') return { kind: 'is_null', operand, negated };
  if (right.type === 'bool') {
    return { kind: 'is_bool', operand, value: right.value === true, negated };
  }
  // `IS UNKNOWN` (the parser reads UNKNOWN as a column name) is IS NULL for a boolean.
  const name = isNode(right.column) && isNode(right.column.expr) ? right.column.expr : undefined;
  if (right.type === 'column_ref' && !present(right.table) && name?.type === 'default') {
    if (name.value === 'unknown') return { kind: 'is_null', operand, negated };
  }
  throw notSupported(`IS ${negated ? 'NOT ' : ''}${describeNode(right)}`);
}

function between(cx: Context, n: Node, negated: boolean): Expr {
  const bounds = list(node(n.right, 'BETWEEN bounds').value, 'BETWEEN bounds');
  if (bounds.length !== 2) throw notSupported('this BETWEEN form');
  return {
    kind: 'between',
    operand: translateExpr(cx, n.left),
    low: translateExpr(cx, bounds[0]),
    high: translateExpr(cx, bounds[1]),
    negated,
  };
}

function inExpr(cx: Context, n: Node, negated: boolean): Expr {
  const operand = translateExpr(cx, n.left);
  const right = node(n.right, 'IN (...)');
  const items = right.type === 'expr_list' ? list(right.value, 'IN list') : [right];
  const only = items.length === 1 ? items[0] : undefined;
  if (isNode(only) && isNode(only.ast)) {
    return { kind: 'in_query', operand, query: translateQuery(cx, only.ast), negated };
  }
  if (right.type !== 'expr_list') throw notSupported('IN without a list or subquery');
  return { kind: 'in_list', operand, list: items.map((item) => translateExpr(cx, item)), negated };
}

function like(cx: Context, n: Node, operator: string): Expr {
  const right = node(n.right, 'LIKE pattern');
  if (present(right.escape)) throw notSupported('LIKE ... ESCAPE');
  return {
    kind: 'like',
    operand: translateExpr(cx, n.left),
    pattern: translateExpr(cx, right),
    caseInsensitive: operator.endsWith('ILIKE'),
    negated: operator.startsWith('NOT'),
  };
}

/** The operands and operators of an unparenthesized AND/OR chain, in source order. */
function flattenLogical(root: Node): { operands: unknown[]; operators: ('and' | 'or')[] } {
  const operands: unknown[] = [];
  const operators: ('and' | 'or')[] = [];
  // In-order walk with an explicit stack: the chain can be long, and a binary tree's in-order
  // sequence is the source order whatever way the parser associated it.
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      operators.push(item === 'AND' ? 'and' : 'or');
      continue;
    }
    const op = isNode(item) && typeof item.operator === 'string' ? item.operator.toUpperCase() : '';
    const chain = isNode(item) && item.type === 'binary_expr' && (op === 'AND' || op === 'OR');
    if (chain && (item === root || item.parentheses !== true)) {
      stack.push(item.right, op, item.left);
    } else {
      operands.push(item);
    }
  }
  return { operands, operators };
}

/** Runs of AND / OR up to this many operands associate to the left as in PostgreSQL; longer
 * runs (generated `a = 1 OR a = 2 OR ...`) are balanced so that their depth grows with the
 * logarithm of their length, not against `statementDepthMax`. Both operators are associative
 * in three-valued logic, so the shape does not change the result. */
const LOGICAL_RUN_LEFT_DEEP_MAX = 32;

function logicalChain(cx: Context, n: Node): Expr {
  const { operands, operators } = flattenLogical(n);
  // Precedence over two levels: group the runs joined by AND, then join the groups by OR.
  const groups: unknown[][] = [[operands[0]]];
  operators.forEach((operator, i) => {
    if (operator === 'or') groups.push([]);
    groups[groups.length - 1]?.push(operands[i + 1]);
  });
  const levels = runLevels(groups.length) + Math.max(...groups.map((g) => runLevels(g.length)));
  cx.checkDepth(levels);
  const terms = groups.map((group) =>
    fold(
      'and',
      group.map((o) => translateExpr(cx, o)),
    ),
  );
  return fold('or', terms);
}

/** How many levels `fold` adds for a run of `count` operands. */
function runLevels(count: number): number {
  return count <= LOGICAL_RUN_LEFT_DEEP_MAX ? count - 1 : Math.ceil(Math.log2(count));
}

function fold(op: 'and' | 'or', items: readonly Expr[]): Expr {
  if (items.length <= LOGICAL_RUN_LEFT_DEEP_MAX) {
    let result = items[0] as Expr;
    for (const right of items.slice(1)) result = { kind: 'binary', op, left: result, right };
    return result;
  }
  return balanced(op, items, 0, items.length);
}

/** A balanced tree over `items[from, to)`; recursion depth is the logarithm of the length. */
function balanced(op: 'and' | 'or', items: readonly Expr[], from: number, to: number): Expr {
  if (to - from === 1) return items[from] as Expr;
  const middle = from + Math.ceil((to - from) / 2);
  return {
    kind: 'binary',
    op,
    left: balanced(op, items, from, middle),
    right: balanced(op, items, middle, to),
  };
}

function caseExpr(cx: Context, n: Node): Expr {
  const whens: { when: Expr; then: Expr }[] = [];
  let otherwise: Expr | undefined;
  for (const arm of list(n.args, 'CASE arms')) {
    const a = node(arm, 'CASE arm');
    if (a.type === 'when') {
      const when = translateExpr(cx, a.cond);
      // biome-ignore lint/suspicious/noThenProperty: ast.ts names a CASE arm's result `then`.
      whens.push({ when, then: translateExpr(cx, a.result) });
    } else if (a.type === 'else') {
      otherwise = translateExpr(cx, a.result);
    } else {
      throw notSupported('this CASE arm');
    }
  }
  const operand = present(n.expr) ? translateExpr(cx, n.expr) : undefined;
  return { kind: 'case', operand, whens, else: otherwise };
}

function cast(cx: Context, n: Node): Expr {
  // The grammar hangs `op rest` after a leading `$1::type` in a select item on the cast as a
  // `tail`, with `rest` already grouped (`$1::int * 2 + 3` as `$1::int * (2 + 3)`): refused
  // rather than given the wrong precedence.
  if (present(n.tail)) {
    throw notSupported('an operator after a select item starting with $n::type (write CAST)');
  }
  const targets = list(n.target, 'CAST target');
  if (targets.length === 0) throw notSupported('CAST without a type');
  let result = translateExpr(cx, n.expr);
  cx.checkDepth(targets.length);
  for (const target of targets) {
    result = { kind: 'cast', operand: result, type: columnType(node(target, 'CAST type'), 'cast') };
  }
  return result;
}

function typedLiteral(cx: Context, n: Node): Expr {
  const type = n.type === 'date' ? { kind: 'date' as const } : { kind: 'timestamp' as const };
  return { kind: 'cast', operand: { kind: 'string', value: cx.string(n.value) }, type };
}

function extract(cx: Context, n: Node): Expr {
  const args = node(n.args, 'EXTRACT arguments');
  const field = text(args.field, 'EXTRACT field').toLowerCase();
  const source = translateExpr(cx, args.source);
  // `EXTRACT(f FROM DATE '...')`: the grammar keeps the literal's type apart, in `cast_type`.
  if (!present(args.cast_type)) return { kind: 'extract', field, operand: source };
  const typeName = text(args.cast_type, 'EXTRACT source type').toLowerCase();
  if (typeName !== 'date' && typeName !== 'timestamp') {
    throw notSupported(`EXTRACT from a ${typeName.toUpperCase()} literal`);
  }
  const operand: Expr = { kind: 'cast', operand: source, type: { kind: typeName } };
  return { kind: 'extract', field, operand };
}
