/**
 * Function calls: node-sql-parser reports plain functions (`function`), aggregates it knows
 * (`aggr_func`, upper-case names, `count(*)` as a star) and window-only functions
 * (`window_func`) differently; all become our one `FunctionCall` (names lower case), except
 * `EXISTS (...)`, which the parser reports as a function, and `CURRENT_TIMESTAMP` /
 * `CURRENT_DATE`, which become `now()` / `current_date()`.
 */
import type { Expr, FrameBound, FunctionCall, OrderItem, WindowFrame, WindowSpec } from '../ast.js';
import type { Context } from './context.js';
import { subquery, translateExpr } from './expr.js';
import { identifier } from './names.js';
import {
  isNode,
  list,
  type Node,
  node,
  notSupported,
  optionalList,
  present,
  text,
} from './node.js';
import { translateOrderBy } from './query.js';
import { DISTINCT_MARKER, PAREN_MARKER, RANGE_MARKER } from './workarounds.js';

const SPECIAL_NAMES: Record<string, string> = {
  current_timestamp: 'now',
  localtimestamp: 'now',
  current_date: 'current_date',
};

export function translateFunction(cx: Context, n: Node): Expr {
  switch (n.type) {
    case 'aggr_func':
      return aggregate(cx, n);
    case 'window_func':
      return plain(cx, n, text(n.name, 'window function name').toLowerCase());
    default:
      return functionCall(cx, n);
  }
}

function functionName(n: Node): string {
  const name = n.name;
  if (typeof name === 'string') return name.toLowerCase();
  const parts = list(node(name, 'function name').name, 'function name');
  if (parts.length !== 1) throw notSupported('schema-qualified function names');
  const part = parts[0];
  // CURRENT_TIMESTAMP and friends come as `{ type: 'origin', value }`.
  if (isNode(part) && part.type === 'origin')
    return text(part.value, 'function name').toLowerCase();
  return identifier(part, 'function name').toLowerCase();
}

/** The arguments inside the pre-lexer's `kimberlite_distinct(...)` (workarounds.ts), if
 * `value` is that call. */
function distinctMarkerArgs(value: unknown): readonly unknown[] | undefined {
  if (!isNode(value) || value.type !== 'function' || !isNode(value.name)) return undefined;
  const parts = Array.isArray(value.name.name) ? value.name.name : [];
  const first: unknown = parts[0];
  if (parts.length !== 1 || !isNode(first) || first.value !== DISTINCT_MARKER) return undefined;
  return isNode(value.args) ? optionalList(value.args.value, 'DISTINCT arguments') : [];
}

function functionCall(cx: Context, n: Node): Expr {
  const name = functionName(n);
  if (name === 'exists') {
    const args = node(n.args, 'EXISTS (...)');
    return { kind: 'exists', query: subquery(cx, args), negated: false };
  }
  if (name === PAREN_MARKER) return parenthesized(cx, n);
  if (name === 'any' || name === 'some' || name === 'all') {
    throw notSupported(`${name.toUpperCase()} (...) comparisons (write IN (...))`);
  }
  if (name === 'trim') {
    const keywordForm = trimKeywordForm(cx, n);
    if (keywordForm !== undefined) return keywordForm;
  }
  const special = SPECIAL_NAMES[name];
  if (special !== undefined && !present(n.args)) {
    return call(special, [], { over: window(cx, n.over) });
  }
  return plain(cx, n, name);
}

function originWord(value: unknown): string | undefined {
  return isNode(value) && value.type === 'origin' && typeof value.value === 'string'
    ? value.value.toLowerCase()
    : undefined;
}

/**
 * `trim([BOTH | LEADING | TRAILING] [characters] FROM source)`, which the grammar gives as an
 * argument list with the keywords as `origin` nodes: `btrim` / `ltrim` / `rtrim(source
 * [, characters])`. Undefined for the plain call `trim(source)`.
 */
function trimKeywordForm(cx: Context, n: Node): Expr | undefined {
  const args = present(n.args) ? optionalList(node(n.args, 'TRIM').value, 'TRIM') : [];
  const from = args.findIndex((arg) => originWord(arg) === 'from');
  if (from < 0) return undefined;
  const before = args.slice(0, from);
  const side = originWord(before[0]);
  const characters = side === undefined ? before : before.slice(1);
  const sources = args.slice(from + 1);
  if (characters.length > 1 || sources.length !== 1) throw notSupported('this form of TRIM');
  const name = side === 'leading' ? 'ltrim' : side === 'trailing' ? 'rtrim' : 'btrim';
  if (side !== undefined && !['both', 'leading', 'trailing'].includes(side)) {
    throw notSupported(`TRIM(${side.toUpperCase()} ...)`);
  }
  checkNoFilter(n, 'trim');
  const translated = [...sources, ...characters].map((arg) => translateExpr(cx, arg));
  return call(name, translated, { over: window(cx, n.over) });
}

/** The pre-lexer's `kimberlite_paren(x)` for a parenthesized operand of CASE or NOT
 * (workarounds.ts). */
function parenthesized(cx: Context, n: Node): Expr {
  const args = optionalList(node(n.args, 'operand').value, 'operand');
  if (args.length !== 1) throw notSupported('a row value (a, b)');
  return translateExpr(cx, args[0]);
}

/** A call whose `args` is `{ type: 'expr_list', value }` (or absent). */
function plain(cx: Context, n: Node, name: string): FunctionCall {
  const args = present(n.args) ? node(n.args, `arguments of ${name}`) : undefined;
  if (args !== undefined && present(args.distinct)) throw notSupported(`DISTINCT in ${name}()`);
  const written = args === undefined ? [] : optionalList(args.value, `arguments of ${name}`);
  const distinctArgs = written.length === 1 ? distinctMarkerArgs(written[0]) : undefined;
  const values = distinctArgs ?? written;
  checkNoFilter(n, name);
  return call(
    name,
    values.map((arg) => translateExpr(cx, arg)),
    { distinct: distinctArgs !== undefined, over: window(cx, n.over) },
  );
}

function checkNoFilter(n: Node, name: string): void {
  if (present(n.filter)) throw notSupported(`FILTER on ${name}(), which is not an aggregate`);
}

function aggregate(cx: Context, n: Node): Expr {
  const name = text(n.name, 'aggregate name').toLowerCase();
  const args = node(n.args, `arguments of ${name}`);
  if (optionalList(args.orderby, 'ORDER BY in an aggregate').length > 0) {
    throw notSupported(`ORDER BY inside ${name}()`);
  }
  const star = isNode(args.expr) && args.expr.type === 'star';
  const distinctArgs = distinctMarkerArgs(args.expr);
  const values: Expr[] = [];
  if (distinctArgs !== undefined) values.push(...distinctArgs.map((a) => translateExpr(cx, a)));
  else if (!star) values.push(translateExpr(cx, args.expr));
  if (isNode(args.separator)) values.push(translateExpr(cx, args.separator.delimiter));
  const filter = isNode(n.filter) ? translateExpr(cx, n.filter.where) : undefined;
  return call(name, values, {
    star,
    distinct: present(args.distinct) || distinctArgs !== undefined,
    filter,
    over: window(cx, n.over),
  });
}

function call(
  name: string,
  args: readonly Expr[],
  options: {
    star?: boolean;
    distinct?: boolean;
    filter?: Expr | undefined;
    over: WindowSpec | undefined;
  },
): FunctionCall {
  return {
    kind: 'function',
    name,
    args,
    star: options.star ?? false,
    distinct: options.distinct ?? false,
    filter: options.filter,
    over: options.over,
  };
}

function window(cx: Context, value: unknown): WindowSpec | undefined {
  if (!present(value)) return undefined;
  const over = node(value, 'OVER (...)');
  const spec = over.as_window_specification;
  if (!isNode(spec)) throw notSupported('named windows (OVER w)');
  const body = node(spec.window_specification, 'window specification');
  if (present(body.name)) throw notSupported('windows based on a named window');
  const partitionBy = optionalList(body.partitionby, 'PARTITION BY').map((item) => {
    const entry = node(item, 'PARTITION BY item');
    return translateExpr(cx, entry.type === 'expr' && isNode(entry.expr) ? entry.expr : entry);
  });
  const written = optionalList(body.orderby, 'window ORDER BY');
  // The pre-lexer's RANGE marker (workarounds.ts) is the last ORDER BY item when present.
  const range = written.length > 0 && isRangeMarker(written[written.length - 1]);
  const orderBy: readonly OrderItem[] = translateOrderBy(
    cx,
    range ? written.slice(0, -1) : written,
  );
  const clause = body.window_frame_clause;
  const frame = present(clause) ? windowFrame(clause) : undefined;
  if (range && frame === undefined) throw notSupported('this RANGE frame');
  return { partitionBy, orderBy, frame: frame && range ? { ...frame, units: 'range' } : frame };
}

function isRangeMarker(value: unknown): boolean {
  const expr = isNode(value) && isNode(value.expr) ? value.expr : undefined;
  const column = isNode(expr?.column) && isNode(expr.column.expr) ? expr.column.expr : undefined;
  return expr?.type === 'column_ref' && column?.type === 'default' && column.value === RANGE_MARKER;
}

function windowFrame(value: unknown): WindowFrame {
  const clause = node(value, 'window frame');
  if (clause.type === 'binary_expr' && clause.operator === 'BETWEEN') {
    const units = frameUnits(node(clause.left, 'frame units').value);
    const bounds = list(node(clause.right, 'frame bounds').value, 'frame bounds');
    if (bounds.length !== 2) throw notSupported('this window frame');
    return { units, start: frameBound(bounds[0]), end: frameBound(bounds[1]) };
  }
  // `ROWS <start>` is short for `ROWS BETWEEN <start> AND CURRENT ROW`.
  const units = frameUnits(clause.type);
  return { units, start: frameBound(clause.expr), end: { kind: 'current_row' } };
}

function frameUnits(value: unknown): 'rows' | 'range' {
  const units = text(value, 'window frame units').toLowerCase();
  if (units === 'rows' || units === 'range') return units;
  throw notSupported(`${units.toUpperCase()} window frames`);
}

function frameBound(value: unknown): FrameBound {
  const bound = node(value, 'window frame bound');
  const words = text(bound.value, 'window frame bound').toLowerCase().trim().split(/\s+/);
  const [first, second] = words;
  if (words.length === 2 && first === 'unbounded' && second === 'preceding') {
    return { kind: 'unbounded_preceding' };
  }
  if (words.length === 2 && first === 'unbounded' && second === 'following') {
    return { kind: 'unbounded_following' };
  }
  if (words.length === 2 && first === 'current' && second === 'row') return { kind: 'current_row' };
  const offset = Number(first);
  if (words.length === 2 && /^[0-9]+$/.test(first ?? '') && Number.isSafeInteger(offset)) {
    if (second === 'preceding') return { kind: 'preceding', offset };
    if (second === 'following') return { kind: 'following', offset };
  }
  throw notSupported(`window frame bound ${words.join(' ').toUpperCase().slice(0, 40)}`);
}
