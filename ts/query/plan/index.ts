/**
 * The query planner and executor: `planQuery` binds, types and plans a query once; the
 * returned `PreparedQuery` runs it synchronously against any snapshot of the same schema.
 *
 * A primary-key point lookup (`SELECT ... FROM t WHERE id = $1`) runs as one `get` and a
 * projection, with no iterator stack, since it is the hot path of the whole database.
 *
 * @example
 * const prepared = planQuery(query, snapshot, { paramTypes: [{ kind: 'integer' }] });
 * const rows = prepared.run(snapshot, { params: [{ kind: 'integer', value: 1n }], nowMicros });
 */
import type { Query } from '../ast.js';
import { isTrue } from '../expr/index.js';
import type { EvalContext, PreparedQuery, Row, Snapshot, SqlType } from '../types.js';
import { execute } from './execute.js';
import { explainPlan } from './explain.js';
import { checkLimit } from './limits.js';
import type { PlanNode, RunState } from './plan.js';
import { planQuery as planTree } from './query.js';
import { keyValues } from './scan.js';
import type { PlanEnv } from './scope.js';

const NO_CONTEXT: EvalContext = { params: [], nowMicros: 0n };

export function planQuery(
  query: Query,
  catalog: Pick<Snapshot, 'table' | 'tables'>,
  options: { paramTypes: readonly SqlType[] },
): PreparedQuery {
  const state: RunState = { snapshot: undefined, ctx: NO_CONTEXT, runId: 0 };
  const env: PlanEnv = { catalog, paramTypes: options.paramTypes, state, ctes: undefined };
  const planned = planTree(query, env, undefined);
  const root = planned.node;
  return {
    columns: planned.columns,
    run: fastRun(root, state) ?? ((snapshot, ctx) => runAll(root, state, snapshot, ctx)),
    explain: () => explainPlan(root),
  };
}

function begin(state: RunState, snapshot: Snapshot, ctx: EvalContext): void {
  state.snapshot = snapshot;
  state.ctx = ctx;
  state.runId++;
}

function runAll(root: PlanNode, state: RunState, snapshot: Snapshot, ctx: EvalContext): Row[] {
  begin(state, snapshot, ctx);
  const rows: Row[] = [];
  for (const row of execute(root, state)) {
    rows.push(row);
    checkLimit(rows.length, 'resultRowsMax', 'query result');
  }
  return rows;
}

/** The point-lookup path: a `get`, then the projection (or the stored row as it is). */
function fastRun(root: PlanNode, state: RunState): PreparedQuery['run'] | undefined {
  const project = root.kind === 'project' ? root.exprs : undefined;
  const lookup = root.kind === 'project' ? root.input : root;
  if (lookup.kind !== 'key_lookup') return undefined;
  const { table, key } = lookup;
  const filter = lookup.filter?.eval;
  return (snapshot, ctx) => {
    begin(state, snapshot, ctx);
    const values = keyValues(key, ctx);
    if (values === undefined) return [];
    const row = snapshot.get(table, values);
    if (row === undefined || (filter !== undefined && !isTrue(filter(row, ctx)))) return [];
    if (project === undefined) return [row];
    const out = new Array(project.length);
    for (let i = 0; i < project.length; i++)
      out[i] = (project[i] as (typeof project)[number])(row, ctx);
    return [out];
  };
}
