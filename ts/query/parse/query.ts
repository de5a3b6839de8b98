/**
 * Queries: node-sql-parser's select nodes to our `Query` (ts/query/ast.ts).
 *
 * node-sql-parser chains set operations through `_next` / `set_op` and attaches a trailing
 * ORDER BY / LIMIT to the chain's last select; PostgreSQL applies them to the whole set
 * operation, so they are lifted here, and INTERSECT is grouped before UNION and EXCEPT (it
 * binds tighter).
 */

import { ErrorCode, KimberliteError } from '../../types/index.js';
import type {
  Cte,
  Expr,
  FromItem,
  OrderItem,
  Query,
  QueryBody,
  Select,
  SelectItem,
} from '../ast.js';
import type { Context } from './context.js';
import { translateExpr } from './expr.js';
import { identifier, tableName } from './names.js';
import {
  checkFields,
  isNode,
  list,
  type Node,
  node,
  notSupported,
  optionalList,
  present,
  text,
} from './node.js';
import { SET_ALL_MARKER, VALUES_WRAPPER_ALIAS } from './workarounds.js';

type SetOp = { op: 'union' | 'intersect' | 'except'; all: boolean };

/** Translates a query (a select node, possibly with WITH and set operations). */
export function translateQuery(cx: Context, value: unknown): Query {
  const n = node(value, 'this query');
  return cx.nested(() => query(cx, n));
}

function query(cx: Context, n: Node): Query {
  if (n.type === 'values') return plainQuery(valuesBody(cx, n));
  if (n.type !== 'select') throw notSupported(`${text(n.type, 'statement').toUpperCase()} here`);
  const members = chain(n);
  const last = members.at(-1)?.node ?? n;
  // A trailing ORDER BY / LIMIT belongs to the whole set operation unless the last member is
  // parenthesized; for a lone select it is simply its own.
  const lift = members.length === 1 || last.parentheses_symbol !== true;
  const body = members.length === 1 ? selectBody(cx, n) : setOperation(cx, members, lift);
  const limit = lift ? limitOffset(cx, last.limit) : { limit: undefined, offset: undefined };
  return {
    with: withClause(cx, n.with),
    body,
    orderBy: lift ? translateOrderBy(cx, last.orderby) : [],
    ...limit,
  };
}

function plainQuery(body: QueryBody): Query {
  return { with: undefined, body, orderBy: [], limit: undefined, offset: undefined };
}

interface Member {
  readonly node: Node;
  /** The operator joining this member to the previous one (undefined for the first). */
  readonly op: SetOp | undefined;
}

function chain(first: Node): Member[] {
  const members: Member[] = [{ node: first, op: undefined }];
  let current = first;
  while (present(current._next)) {
    const op = setOp(current.set_op);
    current = node(current._next, 'set operation member');
    const marked = withoutSetAllMarker(current);
    members.push({ node: marked ?? current, op: marked === undefined ? op : { ...op, all: true } });
  }
  return members;
}

/** The member without the pre-lexer's EXCEPT ALL / INTERSECT ALL marker column, if it has it. */
function withoutSetAllMarker(member: Node): Node | undefined {
  const columns = Array.isArray(member.columns) ? member.columns : [];
  const first: unknown = columns[0];
  const expr = isNode(first) && isNode(first.expr) ? first.expr : undefined;
  if (expr?.type !== 'column_ref' || present(expr.table)) return undefined;
  const column = isNode(expr.column) && isNode(expr.column.expr) ? expr.column.expr : undefined;
  if (column?.type !== 'double_quote_string' || column.value !== SET_ALL_MARKER) return undefined;
  return { ...member, columns: columns.slice(1) };
}

function setOp(value: unknown): SetOp {
  const words = text(value, 'set operation').toLowerCase().trim().split(/\s+/);
  const [op, modifier] = words;
  if (op !== 'union' && op !== 'intersect' && op !== 'except') {
    throw notSupported(`set operation ${words.join(' ').toUpperCase()}`);
  }
  if (modifier !== undefined && modifier !== 'all' && modifier !== 'distinct') {
    throw notSupported(`${op.toUpperCase()} ${modifier.toUpperCase()}`);
  }
  return { op, all: modifier === 'all' };
}

function setOperation(cx: Context, members: readonly Member[], lifted: boolean): QueryBody {
  cx.checkDepth(members.length);
  const bodies = members.map((member, i) =>
    memberBody(cx, member.node, lifted && i === members.length - 1),
  );
  // Two precedence levels: fold INTERSECT runs first, then UNION / EXCEPT left to right.
  let result: QueryBody | undefined;
  let pending: SetOp | undefined;
  let term = bodies[0] as QueryBody;
  for (let i = 1; i < members.length; i++) {
    const op = members[i]?.op as SetOp;
    const right = bodies[i] as QueryBody;
    if (op.op === 'intersect') {
      term = { kind: 'set_op', op: 'intersect', all: op.all, left: term, right };
      continue;
    }
    result = combine(result, pending, term);
    pending = op;
    term = right;
  }
  return combine(result, pending, term);
}

function combine(left: QueryBody | undefined, op: SetOp | undefined, right: QueryBody): QueryBody {
  if (left === undefined || op === undefined) return right;
  return { kind: 'set_op', op: op.op, all: op.all, left, right };
}

/** One member of a set operation; `lifted` when its ORDER BY / LIMIT were taken for the whole. */
function memberBody(cx: Context, n: Node, lifted: boolean): QueryBody {
  const hasTail = translateOrderBy(cx, n.orderby).length > 0 || limitValues(n.limit).length > 0;
  if (n.parentheses_symbol === true && (hasTail || present(n.with))) {
    const inner = { ...n, parentheses_symbol: false, _next: null };
    return { kind: 'nested', query: query(cx, inner) };
  }
  if (hasTail && !lifted) {
    throw new KimberliteError(
      ErrorCode.SyntaxError,
      'ORDER BY and LIMIT inside a UNION, INTERSECT or EXCEPT need parentheses around the query',
    );
  }
  if (present(n.with)) throw notSupported('WITH inside a set operation without parentheses');
  return selectBody(cx, n);
}

const CTE_FIELDS = new Set(['name', 'stmt', 'columns', 'recursive']);

function withClause(cx: Context, value: unknown): Query['with'] {
  const items = optionalList(value, 'WITH');
  if (items.length === 0) return undefined;
  let recursive = false;
  const ctes: Cte[] = items.map((item) => {
    const cte = node(item, 'common table expression');
    checkFields(cte, CTE_FIELDS, 'WITH');
    if (cte.recursive === true) recursive = true;
    const columns = optionalList(cte.columns, 'CTE column list').map((c) =>
      identifier(isNode(c) && c.type === 'column_ref' ? c.column : c, 'CTE column name'),
    );
    const stmt = node(cte.stmt, 'CTE query');
    return {
      name: identifier(cte.name, 'CTE name'),
      columns: columns.length > 0 ? columns : undefined,
      query: translateQuery(cx, isNode(stmt.ast) ? stmt.ast : stmt),
    };
  });
  return { recursive, ctes };
}

function selectBody(cx: Context, n: Node): QueryBody {
  const values = valuesWrapper(n);
  if (values !== undefined) return valuesBody(cx, values);
  checkUnsupportedSelect(n);
  const select: Select = {
    kind: 'select',
    distinct: distinct(n.distinct),
    columns: list(n.columns, 'select list').map((item) => selectItem(cx, item)),
    from: fromClause(cx, n.from),
    where: optionalExpr(cx, n.where),
    groupBy: groupBy(cx, n.groupby),
    having: optionalExpr(cx, n.having),
  };
  return select;
}

const SELECT_FIELDS = new Set([
  'with',
  'type',
  'distinct',
  'columns',
  'into',
  'from',
  'where',
  'groupby',
  'having',
  'orderby',
  'limit',
  'window',
  '_next',
  'set_op',
  'parentheses_symbol',
  'locking_read',
]);

function checkUnsupportedSelect(n: Node): void {
  checkFields(n, SELECT_FIELDS, 'SELECT');
  if (present(n.window)) throw notSupported('WINDOW clauses (write the window in OVER (...))');
  const into = n.into;
  if (isNode(into) && present(into.expr)) throw notSupported('SELECT ... INTO');
  if (present(n.locking_read)) throw notSupported('SELECT ... FOR UPDATE');
}

/** The `VALUES` of `SELECT * FROM (VALUES ...) AS <wrapper>` made by the pre-lexer. */
function valuesWrapper(n: Node): Node | undefined {
  const from = Array.isArray(n.from) ? n.from : [];
  const only = from.length === 1 ? from[0] : undefined;
  if (!isNode(only) || only.as !== VALUES_WRAPPER_ALIAS || !isNode(only.expr)) return undefined;
  return only.expr.type === 'values' ? only.expr : undefined;
}

export function valuesBody(cx: Context, n: Node): QueryBody {
  const rows = list(n.values, 'VALUES rows').map((row) => {
    const r = node(row, 'VALUES row');
    return list(r.value, 'VALUES row').map((v) => translateExpr(cx, v));
  });
  return { kind: 'values', rows };
}

function distinct(value: unknown): boolean {
  if (!isNode(value) || !present(value.type)) return false;
  const type = text(value.type, 'DISTINCT').toUpperCase();
  if (type === 'DISTINCT') return true;
  throw notSupported(type);
}

export function selectItem(cx: Context, value: unknown): SelectItem {
  const item = node(value, 'select list item');
  // Usually `{ type: 'expr', expr, as }`, but a `::` cast comes as the item itself.
  const wrapped = item.type === 'expr' || item.type === undefined || item.type === null;
  const expr = wrapped ? node(item.expr, 'select list item') : withoutAlias(item);
  if (expr.type === 'column_ref' && expr.column === '*') {
    const table = present(expr.table) ? identifier(expr.table, 'qualifier of *') : undefined;
    return { kind: 'star', table };
  }
  if (expr.type === 'star') return { kind: 'star', table: undefined };
  const alias = present(item.as) ? identifier(item.as, 'column alias') : undefined;
  return { kind: 'expr', expr: translateExpr(cx, expr), alias };
}

function withoutAlias(item: Node): Node {
  const { as: _alias, ...expr } = item;
  return expr;
}

function optionalExpr(cx: Context, value: unknown): Expr | undefined {
  return present(value) ? translateExpr(cx, value) : undefined;
}

function groupBy(cx: Context, value: unknown): Expr[] {
  if (!present(value)) return [];
  const columns = Array.isArray(value) ? value : node(value, 'GROUP BY').columns;
  if (isNode(value) && present(value.modifiers)) throw notSupported('GROUP BY modifiers');
  return optionalList(columns, 'GROUP BY').map((item) => {
    const fn =
      isNode(item) && item.type === 'function' && isNode(item.name) ? item.name : undefined;
    const parts = Array.isArray(fn?.name) ? fn.name : [];
    const first: unknown = parts[0];
    // ROLLUP / CUBE parse as calls; refuse them here rather than as unknown functions.
    if (
      isNode(first) &&
      first.type === 'default' &&
      ['rollup', 'cube'].includes(String(first.value))
    ) {
      throw notSupported(`GROUP BY ${String(first.value).toUpperCase()}`);
    }
    return translateExpr(cx, item);
  });
}

export function translateOrderBy(cx: Context, value: unknown): OrderItem[] {
  return optionalList(value, 'ORDER BY').map((entry) => {
    const item = node(entry, 'ORDER BY item');
    const direction = present(item.type) ? text(item.type, 'sort direction').toUpperCase() : 'ASC';
    if (direction !== 'ASC' && direction !== 'DESC')
      throw notSupported(`ORDER BY ... ${direction}`);
    const nulls = present(item.nulls) ? text(item.nulls, 'NULLS').toLowerCase() : undefined;
    return {
      expr: translateExpr(cx, item.expr),
      descending: direction === 'DESC',
      nulls: nulls === undefined ? undefined : nullsOrder(nulls),
    };
  });
}

function nullsOrder(value: string): 'first' | 'last' {
  if (value.endsWith('first')) return 'first';
  if (value.endsWith('last')) return 'last';
  throw notSupported(value.toUpperCase());
}

function limitValues(value: unknown): readonly unknown[] {
  return isNode(value) ? optionalList(value.value, 'LIMIT') : [];
}

function limitOffset(cx: Context, value: unknown): Pick<Query, 'limit' | 'offset'> {
  const values = limitValues(value);
  const separator = isNode(value) ? value.seperator : undefined;
  const translate = (v: unknown): Expr | undefined =>
    isNode(v) && v.type === 'origin' && String(v.value).toLowerCase() === 'all'
      ? undefined
      : translateExpr(cx, v);
  if (values.length === 0) return { limit: undefined, offset: undefined };
  if (values.length === 1) {
    const only = translate(values[0]);
    return separator === 'offset'
      ? { limit: undefined, offset: only }
      : { limit: only, offset: undefined };
  }
  if (values.length === 2 && separator === 'offset') {
    return { limit: translate(values[0]), offset: translate(values[1]) };
  }
  throw notSupported('this LIMIT form (write LIMIT n OFFSET m)');
}

function fromClause(cx: Context, value: unknown): FromItem[] {
  const items = optionalList(value, 'FROM');
  const result: FromItem[] = [];
  let current: FromItem | undefined;
  for (const entry of items) {
    const item = node(entry, 'FROM item');
    const source = fromSource(cx, item);
    if (current !== undefined && present(item.join)) {
      current = join(cx, current, source, item);
    } else {
      if (present(item.join)) throw notSupported('a JOIN without a left side');
      if (current !== undefined) result.push(current);
      current = source;
    }
  }
  if (current !== undefined) result.push(current);
  return result;
}

const JOIN_TYPES: Record<string, 'inner' | 'left' | 'right' | 'full' | 'cross'> = {
  JOIN: 'inner',
  'INNER JOIN': 'inner',
  'LEFT JOIN': 'left',
  'LEFT OUTER JOIN': 'left',
  'RIGHT JOIN': 'right',
  'RIGHT OUTER JOIN': 'right',
  'FULL JOIN': 'full',
  'FULL OUTER JOIN': 'full',
  'CROSS JOIN': 'cross',
};

function join(cx: Context, left: FromItem, right: FromItem, item: Node): FromItem {
  const written = text(item.join, 'JOIN').toUpperCase().replace(/\s+/g, ' ');
  const type = JOIN_TYPES[written];
  if (type === undefined) throw notSupported(written);
  const on = present(item.on) ? translateExpr(cx, item.on) : undefined;
  const using = present(item.using)
    ? list(item.using, 'USING').map((c) => identifier(c, 'USING column'))
    : undefined;
  if (type === 'cross' && (on !== undefined || using !== undefined)) {
    throw new KimberliteError(ErrorCode.SyntaxError, 'CROSS JOIN takes no ON or USING');
  }
  if (type !== 'cross' && on === undefined && using === undefined) {
    throw new KimberliteError(
      ErrorCode.SyntaxError,
      `${written} needs ON <condition> or USING (...)`,
    );
  }
  return { kind: 'join', type, left, right, on, using };
}

const FROM_FIELDS = new Set(['db', 'table', 'as', 'join', 'on', 'using', 'expr']);

function fromSource(cx: Context, item: Node): FromItem {
  if (present(item.prefix)) throw notSupported(`${text(item.prefix, 'FROM prefix').toUpperCase()}`);
  checkFields(item, FROM_FIELDS, 'a FROM item');
  if (isNode(item.expr)) return derivedTable(cx, item);
  if (present(item.table)) {
    const alias = present(item.as) ? identifier(item.as, 'table alias') : undefined;
    if (alias?.includes('(')) throw notSupported('column aliases on a table');
    return { kind: 'table', name: tableName(item), alias };
  }
  throw notSupported('this FROM item');
}

/** `(subquery) AS s(a, b)` or `(VALUES ...) AS v(a, b)`. */
function derivedTable(cx: Context, item: Node): FromItem {
  const expr = node(item.expr, 'FROM subquery');
  if (!present(item.as)) {
    throw new KimberliteError(ErrorCode.SyntaxError, 'a subquery in FROM must have an alias');
  }
  const { alias, columns } = aliasWithColumns(text(item.as, 'subquery alias'));
  let subquery: Query;
  if (expr.type === 'values') subquery = plainQuery(valuesBody(cx, expr));
  else if (isNode(expr.ast)) subquery = translateQuery(cx, expr.ast);
  else throw notSupported('this FROM item');
  return { kind: 'subquery', query: subquery, alias, columnAliases: columns };
}

/** node-sql-parser reports `s(a, "B")` as one string: split it into the alias and columns. */
function aliasWithColumns(written: string): { alias: string; columns: string[] | undefined } {
  const match = /^\s*("(?:[^"])+"|[^\s("]+)\s*(?:\((.*)\))?\s*$/s.exec(written);
  if (match === null) throw notSupported(`alias ${written.slice(0, 40)}`);
  const unquote = (name: string): string => {
    const trimmed = name.trim();
    return trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
  };
  const columns = match[2]?.split(',').map(unquote);
  if (columns?.some((c) => c.length === 0)) throw notSupported(`alias ${written.slice(0, 40)}`);
  return { alias: unquote(match[1] ?? ''), columns };
}
