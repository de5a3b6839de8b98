/**
 * Subqueries inside expressions: scalar (`(SELECT ...)`), `EXISTS` and `IN (SELECT ...)`.
 * The inner query is planned with the enclosing scope as its parent. If nothing inside
 * referred to an enclosing scope, it is uncorrelated and runs at most once per run (its rows
 * cached under the run number); otherwise it runs for each outer row, which it reads through
 * the enclosing scope's frame.
 */
import { ErrorCode, KimberliteError, SQL_NULL, type SqlValue } from '../../types/index.js';
import type { Expr } from '../ast.js';
import { commonType, groupKey } from '../expr/index.js';
import type { Compiled, EvalContext, Row } from '../types.js';
import { execute } from './execute.js';
import type { PlanNode, RunState } from './plan.js';
import { mentionsTable, planQuery } from './query.js';
import type { BindScope } from './scope.js';

type SubqueryExpr = Extract<Expr, { kind: 'subquery' | 'exists' | 'in_query' }>;

const BOOLEAN = { kind: 'boolean' } as const;

/** Runs the inner plan with `row` as the outer row, reading at most `max` rows. */
function runInner(
  node: PlanNode,
  state: RunState,
  frame: { row: Row },
  row: Row,
  max: number,
): Row[] {
  const saved = frame.row;
  frame.row = row;
  try {
    const rows: Row[] = [];
    for (const r of execute(node, state)) {
      rows.push(r);
      if (rows.length >= max) break;
    }
    return rows;
  } finally {
    frame.row = saved;
  }
}

/** Evaluates `compute` once per run when uncorrelated, once per call otherwise. */
function perRun<T>(correlated: boolean, state: RunState, compute: (row: Row) => T) {
  if (correlated) return compute;
  let runId = -1;
  let value: T | undefined;
  return (row: Row): T => {
    if (runId !== state.runId || value === undefined) {
      value = compute(row);
      runId = state.runId;
    }
    return value;
  };
}

function oneColumn(width: number, what: string): void {
  if (width !== 1) {
    throw new KimberliteError(
      ErrorCode.SyntaxError,
      `${what} subquery must return exactly one column; it returns ${width}`,
    );
  }
}

/** A subquery is cached per run when uncorrelated, which a recursive query's working table
 * (new rows every round) would defeat; PostgreSQL refuses the shape too. */
function checkNoWorkTable(expr: SubqueryExpr, scope: BindScope): void {
  for (let cte = scope.env.ctes; cte !== undefined; cte = cte.next) {
    if (cte.target.kind === 'work' && mentionsTable(expr.query, cte.name)) {
      throw new KimberliteError(
        ErrorCode.NotSupported,
        `Not supported: recursive reference to ${cte.name} inside a subquery`,
      );
    }
  }
}

export function planSubqueryExpr(expr: SubqueryExpr, scope: BindScope): Compiled {
  checkNoWorkTable(expr, scope);
  const before = scope.outerHits;
  const planned = planQuery(expr.query, scope.env, scope);
  const correlated = scope.outerHits !== before;
  const { state } = scope.env;
  const run = (row: Row, max: number) => runInner(planned.node, state, scope.frame, row, max);
  switch (expr.kind) {
    case 'subquery': {
      oneColumn(planned.columns.length, 'A scalar');
      const value = perRun(correlated, state, (row) => scalar(run(row, 2)));
      return { type: (planned.columns[0] as { type: Compiled['type'] }).type, eval: value };
    }
    case 'exists': {
      const found = perRun(correlated, state, (row) => run(row, 1).length > 0);
      const negated = expr.negated;
      return { type: BOOLEAN, eval: (row) => ({ kind: 'boolean', value: found(row) !== negated }) };
    }
    case 'in_query': {
      oneColumn(planned.columns.length, 'An IN');
      const operand = scope.compile(expr.operand);
      commonType([operand.type, (planned.columns[0] as { type: Compiled['type'] }).type], 'IN');
      const set = perRun(correlated, state, (row) => valueSet(run(row, Infinity)));
      return { type: BOOLEAN, eval: inEvaluator(operand, set, expr.negated) };
    }
  }
}

function scalar(rows: readonly Row[]): SqlValue {
  if (rows.length > 1) {
    throw new KimberliteError(
      ErrorCode.CardinalityViolation,
      'more than one row returned by a subquery used as an expression',
    );
  }
  return rows[0]?.[0] ?? SQL_NULL;
}

interface ValueSet {
  readonly keys: Set<string>;
  readonly hasNull: boolean;
  readonly empty: boolean;
}

function valueSet(rows: readonly Row[]): ValueSet {
  const keys = new Set<string>();
  let hasNull = false;
  for (const row of rows) {
    const value = row[0] as SqlValue;
    if (value.kind === 'null') hasNull = true;
    else keys.add(groupKey([value]));
  }
  return { keys, hasNull, empty: rows.length === 0 };
}

/** `x IN (subquery)` in three-valued logic: TRUE on a match, NULL when x is NULL or the
 * subquery holds a NULL and nothing matched, FALSE otherwise (and always for no rows). */
function inEvaluator(
  operand: Compiled,
  set: (row: Row) => ValueSet,
  negated: boolean,
): (row: Row, ctx: EvalContext) => SqlValue {
  return (row, ctx) => {
    const values = set(row);
    if (values.empty) return { kind: 'boolean', value: negated };
    const v = operand.eval(row, ctx);
    if (v.kind === 'null') return SQL_NULL;
    if (values.keys.has(groupKey([v]))) return { kind: 'boolean', value: !negated };
    if (values.hasNull) return SQL_NULL;
    return { kind: 'boolean', value: negated };
  };
}
