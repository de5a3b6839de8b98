/**
 * Planning a whole query: WITH (plain and recursive), the body (SELECT, VALUES, set
 * operations, parenthesized queries), then ORDER BY and LIMIT over the body's output columns
 * (a SELECT handles its own, since it may order by input expressions).
 */
import { ErrorCode, KimberliteError, type SqlValue } from '../../types/index.js';
import type { Cte, Expr, Query, QueryBody } from '../ast.js';
import { castValue, commonType } from '../expr/index.js';
import type { Evaluator, SqlType } from '../types.js';
import { ordinalOf, sortKey, withLimit } from './order.js';
import type { CteHandle, PlanNode, WorkTable } from './plan.js';
import { BindScope, type ColumnInfo, type CteBinding, type PlanEnv } from './scope.js';
import { planSelect, type Tail } from './select.js';

export interface Planned {
  readonly node: PlanNode;
  readonly columns: readonly ColumnInfo[];
}

const NO_TAIL: Tail = { orderBy: [], limit: undefined, offset: undefined };

export function planQuery(query: Query, env: PlanEnv, parent: BindScope | undefined): Planned {
  const inner = query.with === undefined ? env : withCtes(query.with, env, parent);
  if (query.body.kind === 'select') return planSelect(query.body, query, inner, parent);
  const body = planBody(query.body, inner, parent);
  return { node: orderAndLimit(body, query, inner, parent), columns: body.columns };
}

function planBody(body: QueryBody, env: PlanEnv, parent: BindScope | undefined): Planned {
  switch (body.kind) {
    case 'select':
      return planSelect(body, NO_TAIL, env, parent);
    case 'values':
      return planValues(body.rows, env, parent);
    case 'set_op':
      return planSetOp(body, env, parent);
    case 'nested':
      return planQuery(body.query, env, parent);
  }
}

function orderAndLimit(body: Planned, tail: Tail, env: PlanEnv, parent: BindScope | undefined) {
  const columns = body.columns.map((c, slot) => ({
    qualifier: undefined,
    name: c.name,
    type: c.type,
    slot,
    unqualified: true,
  }));
  const scope = new BindScope(env, { parent }, { clause: 'ORDER BY', columns });
  let node = body.node;
  if (tail.orderBy.length > 0) {
    const keys = tail.orderBy.map((item) => {
      const ordinal = ordinalOf(item.expr);
      if (ordinal === undefined) return sortKey(item, scope.compile(item.expr));
      const column = body.columns[ordinal - 1];
      if (column === undefined) {
        throw new KimberliteError(
          ErrorCode.UnknownColumn,
          `ORDER BY position ${ordinal} is not in the select list`,
        );
      }
      const slot = ordinal - 1;
      return sortKey(item, { type: column.type, eval: (row) => row[slot] as SqlValue });
    });
    node = { kind: 'sort', input: node, keys };
  }
  return withLimit(node, tail, env, parent);
}

function sameType(a: SqlType, b: SqlType): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Casts columns whose type differs from `types` (set operations, VALUES, recursion). */
function castTo(planned: Planned, types: readonly SqlType[]): PlanNode {
  const casts = planned.columns.map((c, i) => {
    const to = types[i] as SqlType;
    return sameType(c.type, to) || to.kind === 'unknown' ? undefined : to;
  });
  if (casts.every((c) => c === undefined)) return planned.node;
  const exprs: Evaluator[] = casts.map((to, i) =>
    to === undefined ? (row) => row[i] as SqlValue : (row) => castValue(row[i] as SqlValue, to),
  );
  return { kind: 'project', input: planned.node, exprs };
}

function unify(left: Planned, right: Planned, context: string): SqlType[] {
  if (left.columns.length !== right.columns.length) {
    throw new KimberliteError(
      ErrorCode.SyntaxError,
      `each ${context} query must have the same number of columns ` +
        `(${left.columns.length} and ${right.columns.length})`,
    );
  }
  return left.columns.map((c, i) =>
    commonType([c.type, (right.columns[i] as ColumnInfo).type], context),
  );
}

function planSetOp(
  body: Extract<QueryBody, { kind: 'set_op' }>,
  env: PlanEnv,
  parent: BindScope | undefined,
): Planned {
  const left = planBody(body.left, env, parent);
  const right = planBody(body.right, env, parent);
  const types = unify(left, right, body.op.toUpperCase());
  return {
    node: {
      kind: 'set_op',
      op: body.op,
      all: body.all,
      left: castTo(left, types),
      right: castTo(right, types),
    },
    columns: left.columns.map((c, i) => ({ name: c.name, type: types[i] as SqlType })),
  };
}

function planValues(
  rows: readonly (readonly Expr[])[],
  env: PlanEnv,
  parent: BindScope | undefined,
): Planned {
  const scope = new BindScope(env, { parent }, { clause: 'VALUES', columns: [] });
  const width = rows[0]?.length ?? 0;
  const compiled = rows.map((row) => {
    if (row.length !== width) {
      throw new KimberliteError(ErrorCode.SyntaxError, 'VALUES lists must all be the same length');
    }
    return row.map((e) => scope.compile(e));
  });
  const types = Array.from({ length: width }, (_, i) =>
    commonType(
      compiled.map((row) => (row[i] as { type: SqlType }).type),
      'VALUES',
    ),
  );
  const evals = compiled.map((row) =>
    row.map((c, i): Evaluator => {
      const to = types[i] as SqlType;
      if (sameType(c.type, to) || to.kind === 'unknown') return c.eval;
      return (r, ctx) => castValue(c.eval(r, ctx), to);
    }),
  );
  return {
    node: { kind: 'values', rows: evals },
    columns: types.map((type, i) => ({ name: `column${i + 1}`, type })),
  };
}

function renamed(columns: readonly ColumnInfo[], names: readonly string[] | undefined, cte: Cte) {
  if (names !== undefined && names.length > columns.length) {
    throw new KimberliteError(
      ErrorCode.InvalidArgument,
      `WITH query ${cte.name} has ${columns.length} columns but ${names.length} names`,
    );
  }
  return columns.map((c, i) => ({ name: names?.[i] ?? c.name, type: c.type }));
}

/** Whether `node` (any part of an AST) reads a table called `name`. */
export function mentionsTable(node: unknown, name: string): boolean {
  if (typeof node !== 'object' || node === null) return false;
  if (Array.isArray(node)) return node.some((n) => mentionsTable(n, name));
  const record = node as Record<string, unknown>;
  if (record.kind === 'table' && record.name === name) return true;
  return Object.values(record).some((v) => mentionsTable(v, name));
}

function hits(parent: BindScope | undefined): number {
  return parent?.outerHits ?? 0;
}

function planCte(cte: Cte, env: PlanEnv, parent: BindScope | undefined): CteBinding['target'] {
  const before = hits(parent);
  const planned = planQuery(cte.query, env, parent);
  const handle: CteHandle = {
    name: cte.name,
    node: planned.node,
    correlated: hits(parent) !== before,
    cache: { runId: -1, rows: [] },
  };
  return { kind: 'cte', handle, columns: renamed(planned.columns, cte.columns, cte) };
}

function planRecursive(
  cte: Cte,
  body: Extract<QueryBody, { kind: 'set_op' }>,
  env: PlanEnv,
  parent: BindScope | undefined,
): CteBinding['target'] {
  const before = hits(parent);
  const initial = planBody(body.left, env, parent);
  const columns = renamed(initial.columns, cte.columns, cte);
  const work: WorkTable = { name: cte.name, rows: [] };
  const withWork: PlanEnv = {
    ...env,
    ctes: { name: cte.name, target: { kind: 'work', work, columns }, next: env.ctes },
  };
  const recursive = planBody(body.right, withWork, parent);
  unify(initial, recursive, 'recursive UNION');
  const node: PlanNode = {
    kind: 'recursive_union',
    all: body.all,
    initial: initial.node,
    recursive: castTo(
      recursive,
      columns.map((c) => c.type),
    ),
    work,
  };
  const handle: CteHandle = {
    name: cte.name,
    node,
    correlated: hits(parent) !== before,
    cache: { runId: -1, rows: [] },
  };
  return { kind: 'cte', handle, columns };
}

function withCtes(
  clause: NonNullable<Query['with']>,
  env: PlanEnv,
  parent: BindScope | undefined,
): PlanEnv {
  let ctes = env.ctes;
  for (const cte of clause.ctes) {
    const current: PlanEnv = { ...env, ctes };
    const body = cte.query.body;
    const recursive =
      clause.recursive &&
      body.kind === 'set_op' &&
      body.op === 'union' &&
      mentionsTable(body.right, cte.name);
    const target =
      recursive && body.kind === 'set_op'
        ? planRecursive(cte, body, current, parent)
        : planCte(cte, current, parent);
    ctes = { name: cte.name, target, next: ctes };
  }
  return { ...env, ctes };
}
