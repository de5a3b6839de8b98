/**
 * What a name in FROM denotes: a WITH query (innermost first), a recursive query's working
 * table, one of the `information_schema` views, or a catalog table (with a "did you mean"
 * hint when it is none of these).
 */
import { ErrorCode, formatColumnType, KimberliteError, type SqlValue } from '../../types/index.js';
import type { Row, Snapshot, SqlType, TableSchema } from '../types.js';
import type { PlanNode } from './plan.js';
import { type ColumnInfo, closestName, type PlanEnv } from './scope.js';

export type TableTarget =
  | { readonly kind: 'table'; readonly table: TableSchema; readonly columns: readonly ColumnInfo[] }
  | { readonly kind: 'node'; readonly node: PlanNode; readonly columns: readonly ColumnInfo[] };

const TEXT: SqlType = { kind: 'text' };
const INTEGER: SqlType = { kind: 'integer' };

const text = (value: string): SqlValue => ({ kind: 'text', value });

function tablesRows(snapshot: Snapshot): Row[] {
  return snapshot.tables().map((t) => [text('public'), text(t.name), text('BASE TABLE')]);
}

function columnsRows(snapshot: Snapshot): Row[] {
  return snapshot
    .tables()
    .flatMap((t) =>
      t.columns.map(
        (c, i): Row => [
          text('public'),
          text(t.name),
          text(c.name),
          { kind: 'integer', value: BigInt(i + 1) },
          text(formatColumnType(c.type)),
          text(c.notNull ? 'NO' : 'YES'),
        ],
      ),
    );
}

const VIRTUAL: Record<string, { columns: ColumnInfo[]; rows: (s: Snapshot) => Row[] }> = {
  'information_schema.tables': {
    columns: [
      { name: 'table_schema', type: TEXT },
      { name: 'table_name', type: TEXT },
      { name: 'table_type', type: TEXT },
    ],
    rows: tablesRows,
  },
  'information_schema.columns': {
    columns: [
      { name: 'table_schema', type: TEXT },
      { name: 'table_name', type: TEXT },
      { name: 'column_name', type: TEXT },
      { name: 'ordinal_position', type: INTEGER },
      { name: 'data_type', type: TEXT },
      { name: 'is_nullable', type: TEXT },
    ],
    rows: columnsRows,
  },
};

export function resolveTableName(name: string, env: PlanEnv): TableTarget {
  for (let cte = env.ctes; cte !== undefined; cte = cte.next) {
    if (cte.name !== name) continue;
    const target = cte.target;
    const node: PlanNode =
      target.kind === 'cte'
        ? { kind: 'cte_scan', cte: target.handle }
        : { kind: 'work_table_scan', work: target.work };
    return { kind: 'node', node, columns: target.columns };
  }
  const view = VIRTUAL[name];
  if (view !== undefined) {
    return {
      kind: 'node',
      node: { kind: 'virtual_scan', name, rows: view.rows },
      columns: view.columns,
    };
  }
  const table = env.catalog.table(name);
  if (table !== undefined) return { kind: 'table', table, columns: table.columns };
  const suggestion = closestName(
    name,
    env.catalog.tables().map((t) => t.name),
  );
  const hint = suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
  throw new KimberliteError(ErrorCode.UnknownTable, `Unknown table: ${name}${hint}`);
}
