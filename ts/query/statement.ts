/**
 * Statements: a parsed statement in, either a read plan or a write resolution out. Reads are
 * planned queries (`SELECT`, `EXPLAIN`, `SHOW ...`). Writes resolve at sequencing, against the
 * sequenced snapshot, into one kernel operation: DDL as itself, DML as the row changes the
 * statement makes (the log keeps resolved facts, never SQL to re-run; ARCHITECTURE.md 1), plus
 * the rows of `RETURNING`.
 *
 * DML is planned as queries so every access path the planner knows serves it: `UPDATE t SET
 * a = e WHERE p` reads `SELECT t.*, e FROM t WHERE p`; `DELETE` reads `SELECT t.*`; `INSERT`
 * runs its `VALUES` or `SELECT` source. Values are assigned to columns with the assignment
 * casts and checks of `assignValue`; NOT NULL and key checks are the kernel's.
 */
import type { ColumnSpec, Operation, RowChange } from '../kernel/index.js';
import { ErrorCode, KimberliteError, SQL_NULL, type SqlValue } from '../types/index.js';
import type {
  Assignment,
  ColumnDefinition,
  Expr,
  OnConflict,
  Query,
  SelectItem,
  Statement,
} from './ast.js';
import { assignValue, compileExpr, groupKey, isTrue, valueToText } from './expr/index.js';
import { parseStatement } from './parse/index.js';
import { planQuery } from './plan/index.js';
import type {
  Compiled,
  EvalContext,
  PreparedQuery,
  ResultColumn,
  Row,
  Scope,
  Snapshot,
  SqlType,
  TableSchema,
} from './types.js';

/** What planning reads of a snapshot: its tables. */
export type Catalog = Pick<Snapshot, 'table' | 'tables'>;

/** A write resolved against the sequenced state. */
export interface WriteResolution {
  /** `undefined`: nothing to write (`IF NOT EXISTS` that exists, no row matched). */
  readonly operation: Operation | undefined;
  readonly rowsAffected: number;
  /** `RETURNING`'s columns and rows (empty without it). */
  readonly columns: readonly ResultColumn[];
  readonly rows: Row[];
}

export type PreparedStatement =
  | { readonly kind: 'read'; readonly query: PreparedQuery }
  | {
      readonly kind: 'write';
      resolve(snapshot: Snapshot, ctx: EvalContext): WriteResolution;
    };

function fail(code: ErrorCode, message: string): never {
  throw new KimberliteError(code, message);
}

function tableOf(catalog: Catalog, name: string): TableSchema {
  return catalog.table(name) ?? fail(ErrorCode.UnknownTable, `Unknown table: ${name}`);
}

function columnIndex(table: TableSchema, name: string): number {
  const wanted = name.toLowerCase();
  const index = table.columns.findIndex((c) => c.name.toLowerCase() === wanted);
  if (index < 0) fail(ErrorCode.UnknownColumn, `Unknown column: ${name} in ${table.name}`);
  return index;
}

/** Plans a statement against `catalog` (the snapshot it will run at, or one with the same
 * schema). Throws the statement's errors: unknown names, types, unsupported forms. */
export function prepareStatement(
  statement: Statement,
  catalog: Catalog,
  paramTypes: readonly SqlType[],
): PreparedStatement {
  const plan = (query: Query) => planQuery(query, catalog, { paramTypes });
  switch (statement.kind) {
    case 'query':
      return { kind: 'read', query: plan(statement.query) };
    case 'explain':
      return { kind: 'read', query: explained(plan(statement.query)) };
    case 'show_tables':
      return { kind: 'read', query: plan(internalQuery(SHOW_TABLES)) };
    case 'show_columns': {
      const table = tableOf(catalog, statement.table);
      const literal = `'${table.name.replaceAll("'", "''")}'`;
      return { kind: 'read', query: plan(internalQuery(SHOW_COLUMNS.replace('$table', literal))) };
    }
    case 'create_table':
    case 'drop_table':
    case 'add_column':
    case 'drop_column':
    case 'create_index':
      return { kind: 'write', resolve: (snapshot) => schemaChange(statement, snapshot) };
    case 'insert':
      return prepareInsert(statement, catalog, paramTypes);
    case 'update':
      return prepareUpdate(statement, catalog, paramTypes);
    case 'delete':
      return prepareDelete(statement, catalog, paramTypes);
    default:
      return statement satisfies never;
  }
}

const SHOW_TABLES = 'SELECT table_name FROM information_schema.tables ORDER BY table_name';
const SHOW_COLUMNS =
  'SELECT column_name, data_type, is_nullable FROM information_schema.columns ' +
  'WHERE table_name = $table ORDER BY ordinal_position';

function internalQuery(sql: string): Query {
  const { statement } = parseStatement(sql);
  if (statement.kind !== 'query') throw new Error(`internal query is not a query: ${sql}`);
  return statement.query;
}

function explained(query: PreparedQuery): PreparedQuery {
  const lines = query.explain();
  return {
    columns: [{ name: 'QUERY PLAN', type: { kind: 'text' } }],
    run: () => lines.map((line) => [{ kind: 'text', value: line }]),
    explain: () => lines,
  };
}

// ---- DDL ------------------------------------------------------------------------------------

function columnSpec(column: ColumnDefinition, key: boolean): ColumnSpec {
  // Key columns are NOT NULL, as PostgreSQL makes them.
  return { name: column.name, type: column.type, notNull: column.notNull || key };
}

function schemaChange(
  statement: Extract<
    Statement,
    { kind: 'create_table' | 'drop_table' | 'add_column' | 'drop_column' | 'create_index' }
  >,
  snapshot: Snapshot,
): WriteResolution {
  const operation = schemaOperation(statement, snapshot);
  return { operation, rowsAffected: 0, columns: [], rows: [] };
}

function schemaOperation(
  statement: Parameters<typeof schemaChange>[0],
  snapshot: Snapshot,
): Operation | undefined {
  switch (statement.kind) {
    case 'create_table': {
      if (statement.ifNotExists && snapshot.table(statement.name) !== undefined) return undefined;
      if (statement.primaryKey.length === 0) {
        fail(
          ErrorCode.InvalidSchema,
          `table ${statement.name} has no primary key: declare one inline ` +
            '(id BIGINT PRIMARY KEY) or as PRIMARY KEY (a, b)',
        );
      }
      const key = new Set(statement.primaryKey.map((name) => name.toLowerCase()));
      return {
        kind: 'create_table',
        name: statement.name,
        columns: statement.columns.map((c) => columnSpec(c, key.has(c.name.toLowerCase()))),
        primaryKey: statement.primaryKey,
      };
    }
    case 'drop_table':
      if (statement.ifExists && snapshot.table(statement.name) === undefined) return undefined;
      return { kind: 'drop_table', table: statement.name };
    case 'add_column':
      if (statement.column.primaryKey) {
        fail(ErrorCode.NotSupported, 'Not supported: adding a PRIMARY KEY column to a table');
      }
      return {
        kind: 'add_column',
        table: statement.table,
        column: columnSpec(statement.column, false),
      };
    case 'drop_column':
      return { kind: 'drop_column', table: statement.table, column: statement.column };
    case 'create_index': {
      const wanted = statement.name.toLowerCase();
      const exists = snapshot
        .tables()
        .some((t) => t.indexes.some((index) => index.name.toLowerCase() === wanted));
      if (statement.ifNotExists && exists) return undefined;
      return {
        kind: 'create_index',
        table: statement.table,
        name: statement.name,
        columns: statement.columns,
      };
    }
    default:
      return statement satisfies never;
  }
}

// ---- row scopes (SET, ON CONFLICT, RETURNING) ------------------------------------------------

/**
 * Names of one table's row, and optionally of `EXCLUDED` (the row an INSERT proposed) after
 * it: `[...row, ...excluded]`. Nothing else (no subqueries) is in scope.
 */
class RowScope implements Scope {
  readonly clause: string;
  readonly #table: TableSchema;
  readonly #names: ReadonlySet<string>;
  readonly #excluded: boolean;

  constructor(table: TableSchema, options: { alias?: string; excluded: boolean; clause: string }) {
    this.#table = table;
    this.#names = new Set([table.name.toLowerCase(), (options.alias ?? table.name).toLowerCase()]);
    this.#excluded = options.excluded;
    this.clause = options.clause;
  }

  resolve(expr: Expr): Compiled | undefined {
    if (expr.kind !== 'column') return undefined;
    const qualifier = expr.table?.toLowerCase();
    let offset = 0;
    if (qualifier === 'excluded' && this.#excluded) offset = this.#table.columns.length;
    else if (qualifier !== undefined && !this.#names.has(qualifier)) {
      fail(ErrorCode.UnknownTable, `Unknown table: ${expr.table} (in ${this.clause})`);
    }
    const index = columnIndex(this.#table, expr.name);
    const slot = offset + index;
    return {
      type: (this.#table.columns[index] as TableSchema['columns'][number]).type,
      eval: (row) => row[slot] as SqlValue,
    };
  }
}

interface Returning {
  readonly columns: readonly ResultColumn[];
  readonly eval: readonly Compiled[];
}

function returningOf(
  items: readonly SelectItem[] | undefined,
  table: TableSchema,
  alias: string | undefined,
  paramTypes: readonly SqlType[],
): Returning | undefined {
  if (items === undefined) return undefined;
  const scope = new RowScope(table, {
    ...(alias === undefined ? {} : { alias }),
    excluded: false,
    clause: 'RETURNING',
  });
  const columns: ResultColumn[] = [];
  const compiled: Compiled[] = [];
  for (const item of items) {
    if (item.kind === 'star') {
      table.columns.forEach((column, slot) => {
        columns.push({ name: column.name, type: column.type });
        compiled.push({ type: column.type, eval: (row) => row[slot] as SqlValue });
      });
      continue;
    }
    const result = compileExpr(item.expr, { scope, paramTypes });
    const name =
      item.alias ??
      (item.expr.kind === 'column'
        ? item.expr.name
        : item.expr.kind === 'function'
          ? item.expr.name
          : '?column?');
    columns.push({ name, type: result.type });
    compiled.push(result);
  }
  return { columns, eval: compiled };
}

function resolution(
  table: TableSchema,
  changes: RowChange[],
  returning: Returning | undefined,
  images: Row[],
  ctx: EvalContext,
): WriteResolution {
  return {
    operation:
      changes.length === 0 ? undefined : { kind: 'write_rows', table: table.name, changes },
    rowsAffected: changes.length,
    columns: returning?.columns ?? [],
    rows:
      returning === undefined
        ? []
        : images.map((image) => returning.eval.map((column) => column.eval(image, ctx))),
  };
}

/** The column slots `SET` assigns, each at most once. */
function targetSlots(set: readonly Assignment[], table: TableSchema): number[] {
  const slots: number[] = [];
  for (const assignment of set) {
    const slot = columnIndex(table, assignment.column);
    if (slots.includes(slot)) {
      fail(
        ErrorCode.InvalidArgument,
        `multiple assignments to the same column ${assignment.column}`,
      );
    }
    slots.push(slot);
  }
  return slots;
}

function assign(table: TableSchema, slot: number, value: SqlValue, from: SqlType): SqlValue {
  const column = table.columns[slot] as TableSchema['columns'][number];
  return assignValue(value, from, column.type, column.name);
}

// ---- INSERT ---------------------------------------------------------------------------------

function prepareInsert(
  statement: Extract<Statement, { kind: 'insert' }>,
  catalog: Catalog,
  paramTypes: readonly SqlType[],
): PreparedStatement {
  const table = tableOf(catalog, statement.table);
  const source = planQuery(statement.source, catalog, { paramTypes });
  // Without a column list, the values fill the first columns and the rest are NULL (the
  // default of every column: there are no DEFAULT clauses), as in PostgreSQL.
  const targets =
    statement.columns === undefined
      ? table.columns.slice(0, source.columns.length).map((_, i) => i)
      : statement.columns.map((name) => columnIndex(table, name));
  if (new Set(targets).size !== targets.length) {
    fail(ErrorCode.InvalidArgument, `a column is named twice in INSERT INTO ${table.name}`);
  }
  if (source.columns.length !== targets.length) {
    const more =
      source.columns.length > targets.length
        ? 'expressions than target columns'
        : 'target columns than expressions';
    fail(ErrorCode.InvalidArgument, `INSERT INTO ${table.name} has more ${more}`);
  }
  const conflict =
    statement.onConflict === undefined
      ? undefined
      : conflictOf(statement.onConflict, table, paramTypes);
  const returning = returningOf(statement.returning, table, undefined, paramTypes);
  const fromTypes = source.columns.map((column) => column.type);
  return {
    kind: 'write',
    resolve(snapshot, ctx) {
      const width = table.columns.length;
      const proposed = source.run(snapshot, ctx).map((row) => {
        const image = new Array<SqlValue>(width).fill(SQL_NULL);
        for (let i = 0; i < targets.length; i++) {
          const slot = targets[i] as number;
          image[slot] = assign(table, slot, row[i] as SqlValue, fromTypes[i] as SqlType);
        }
        return image;
      });
      if (conflict === undefined) {
        const changes: RowChange[] = proposed.map((row) => ({ kind: 'insert', row }));
        return resolution(table, changes, returning, proposed, ctx);
      }
      return conflict.resolve(snapshot, ctx, proposed, returning);
    },
  };
}

interface Conflict {
  resolve(
    snapshot: Snapshot,
    ctx: EvalContext,
    proposed: SqlValue[][],
    returning: Returning | undefined,
  ): WriteResolution;
}

function keyNames(table: TableSchema): string {
  return table.primaryKey.map((slot) => table.columns[slot]?.name ?? '?').join(', ');
}

function conflictOf(
  onConflict: OnConflict,
  table: TableSchema,
  paramTypes: readonly SqlType[],
): Conflict {
  const action = onConflict.action;
  const target = onConflict.target.map((name) => columnIndex(table, name)).sort();
  const key = [...table.primaryKey].sort();
  // The primary key is a table's only unique constraint, so DO NOTHING without a target (any
  // conflict) means a conflict on it; DO UPDATE needs its target, as in PostgreSQL.
  if (target.length === 0 && action.kind === 'update') {
    fail(
      ErrorCode.InvalidArgument,
      `ON CONFLICT DO UPDATE needs a conflict target: ON CONFLICT (${keyNames(table)})`,
    );
  }
  const onKey = target.length === key.length && target.every((slot, i) => slot === key[i]);
  if (target.length > 0 && !onKey) {
    fail(
      ErrorCode.NotSupported,
      `Not supported: ON CONFLICT on columns other than the primary key of ${table.name} ` +
        `(${keyNames(table)})`,
    );
  }
  const scope = new RowScope(table, { excluded: true, clause: 'ON CONFLICT DO UPDATE' });
  const compile = (expr: Expr) => compileExpr(expr, { scope, paramTypes });
  const update =
    action.kind === 'update'
      ? {
          slots: targetSlots(action.set, table),
          values: action.set.map((assignment) => compile(assignment.value)),
          where: action.where === undefined ? undefined : compile(action.where),
        }
      : undefined;
  return {
    resolve(snapshot, ctx, proposed, returning) {
      const changes: RowChange[] = [];
      const images: Row[] = [];
      const seen = new Set<string>();
      for (const row of proposed) {
        const keyValues = table.primaryKey.map((slot) => row[slot] as SqlValue);
        if (keyValues.some((value) => value.kind === 'null')) {
          // No row has a NULL key: the kernel refuses this one with NOT_NULL_VIOLATION.
          changes.push({ kind: 'insert', row });
          images.push(row);
          continue;
        }
        const keyText = groupKey(keyValues);
        const existing = seen.has(keyText) ? 'again' : snapshot.get(table, keyValues);
        if (existing === 'again' && update !== undefined) {
          fail(
            ErrorCode.CardinalityViolation,
            `ON CONFLICT DO UPDATE would change the row with key ` +
              `(${keyValues.map((value) => valueToText(value)).join(', ')}) of ${table.name} ` +
              'a second time: the inserted rows repeat a key',
          );
        }
        seen.add(keyText);
        if (existing === undefined) {
          changes.push({ kind: 'insert', row });
          images.push(row);
          continue;
        }
        if (update === undefined || existing === 'again') continue;
        const both = [...existing, ...row];
        if (update.where !== undefined && !isTrue(update.where.eval(both, ctx))) continue;
        const after = [...existing];
        update.slots.forEach((slot, i) => {
          const value = update.values[i] as Compiled;
          after[slot] = assign(table, slot, value.eval(both, ctx), value.type);
        });
        changes.push({ kind: 'update', before: existing, after });
        images.push(after);
      }
      return resolution(table, changes, returning, images, ctx);
    },
  };
}

// ---- UPDATE and DELETE ----------------------------------------------------------------------

/** `SELECT <alias>.*, extra... FROM table [alias] [WHERE where]`. */
function matchingRows(
  table: string,
  alias: string | undefined,
  where: Expr | undefined,
  extra: readonly Expr[],
): Query {
  return {
    with: undefined,
    body: {
      kind: 'select',
      distinct: false,
      columns: [
        { kind: 'star', table: alias ?? table },
        ...extra.map((expr) => ({ kind: 'expr' as const, expr, alias: undefined })),
      ],
      from: [{ kind: 'table', name: table, alias }],
      where,
      groupBy: [],
      having: undefined,
    },
    orderBy: [],
    limit: undefined,
    offset: undefined,
  };
}

function prepareUpdate(
  statement: Extract<Statement, { kind: 'update' }>,
  catalog: Catalog,
  paramTypes: readonly SqlType[],
): PreparedStatement {
  const table = tableOf(catalog, statement.table);
  const width = table.columns.length;
  const query = planQuery(
    matchingRows(
      statement.table,
      statement.alias,
      statement.where,
      statement.set.map((a) => a.value),
    ),
    catalog,
    { paramTypes },
  );
  const slots = targetSlots(statement.set, table);
  const returning = returningOf(statement.returning, table, statement.alias, paramTypes);
  return {
    kind: 'write',
    resolve(snapshot, ctx) {
      const changes: RowChange[] = [];
      const images: Row[] = [];
      for (const row of query.run(snapshot, ctx)) {
        const before = row.slice(0, width);
        const after = [...before];
        slots.forEach((slot, i) => {
          const from = (query.columns[width + i] as ResultColumn).type;
          after[slot] = assign(table, slot, row[width + i] as SqlValue, from);
        });
        changes.push({ kind: 'update', before, after });
        images.push(after);
      }
      return resolution(table, changes, returning, images, ctx);
    },
  };
}

function prepareDelete(
  statement: Extract<Statement, { kind: 'delete' }>,
  catalog: Catalog,
  paramTypes: readonly SqlType[],
): PreparedStatement {
  const table = tableOf(catalog, statement.table);
  const query = planQuery(
    matchingRows(statement.table, statement.alias, statement.where, []),
    catalog,
    { paramTypes },
  );
  const returning = returningOf(statement.returning, table, statement.alias, paramTypes);
  return {
    kind: 'write',
    resolve(snapshot, ctx) {
      const rows = query.run(snapshot, ctx);
      const changes: RowChange[] = rows.map((before) => ({ kind: 'delete', before }));
      return resolution(table, changes, returning, rows, ctx);
    },
  };
}
