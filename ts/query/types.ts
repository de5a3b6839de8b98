/**
 * The seams between the SQL engine's parts, fixed here so each can be built and tested on its
 * own: the parser gives an AST (ast.ts); the expression compiler (expr/) turns an `Expr` into
 * a typed evaluator, asking a `Scope` for what only the query engine knows (columns,
 * subqueries, aggregates, windows); the planner (plan/) plans and runs queries against a
 * `Snapshot`; the statement layer (statement.ts) runs DDL and DML through the runtime.
 *
 * Everything below is synchronous and pure given its snapshot: the runtime resolves DML by
 * running queries at sequencing time, which must not yield.
 */
import type { ColumnType, SqlValue } from '../types/index.js';
import type { Expr } from './ast.js';

/** An expression's static type: a column type, or `unknown` for NULL and untyped string
 * literals and parameters (PostgreSQL's `unknown`), which take their type from context. */
export type SqlType = ColumnType | { readonly kind: 'unknown' };

/** One row flowing between operators: values by slot. */
export type Row = readonly SqlValue[];

/** What every evaluation of one statement shares. */
export interface EvalContext {
  /** `$1` is `params[0]`, already converted to SQL values by the statement layer. */
  readonly params: readonly SqlValue[];
  /** `NOW()` / `CURRENT_TIMESTAMP`: stamped once per statement by the runtime, microseconds
   * since the epoch, UTC. Never read from the clock while evaluating. */
  readonly nowMicros: bigint;
}

export type Evaluator = (row: Row, ctx: EvalContext) => SqlValue;

export interface Compiled {
  readonly type: SqlType;
  readonly eval: Evaluator;
  /** The value when it depends on nothing but the statement's parameters and clock (the planner
   * uses constants as index bounds); undefined otherwise. */
  readonly constant?: boolean;
}

/**
 * What the expression compiler asks of whoever compiles an expression. `resolve` sees every
 * node before the compiler does; an answer replaces the node. The query engine answers column
 * references (with "did you mean" errors), subqueries, aggregate and window calls it has
 * computed into slots, and GROUP BY expressions. The compiler reports a column, subquery,
 * aggregate or window node nobody answered as an error for its context.
 */
export interface Scope {
  resolve(expr: Expr): Compiled | undefined;
  /** Names the clause for errors: `aggregate functions are not allowed in WHERE`. */
  readonly clause: string;
}

export interface CompileOptions {
  readonly scope: Scope;
  /** Static types of `$1..$n` as the statement layer inferred them from the values passed. */
  readonly paramTypes: readonly SqlType[];
}

/** One running aggregate (one group, or one window frame). */
export interface Accumulator {
  /** The call's argument values for one input row (empty for `count(*)`); the caller has
   * applied FILTER already. */
  add(args: readonly SqlValue[]): void;
  result(): SqlValue;
}

export interface AggregateFunction {
  readonly type: SqlType;
  create(): Accumulator;
}

/** A table as the SQL engine sees it at a snapshot: live columns in order. */
export interface TableSchema {
  readonly name: string;
  readonly columns: readonly {
    readonly name: string;
    readonly type: ColumnType;
    readonly notNull: boolean;
  }[];
  /** Indexes into `columns`, in key order. */
  readonly primaryKey: readonly number[];
  readonly indexes: readonly { readonly name: string; readonly columns: readonly number[] }[];
}

/** One end of a key range: values of the first key columns, and whether keys equal to that
 * prefix are in the range. */
export interface KeyBound {
  readonly values: readonly SqlValue[];
  readonly inclusive: boolean;
}

export interface ScanRange {
  /** Undefined: the primary key. Otherwise an index name from `TableSchema.indexes`. */
  readonly index?: string;
  readonly lower?: KeyBound;
  readonly upper?: KeyBound;
  readonly reverse?: boolean;
}

/**
 * A consistent view of one tenant at one log position: everything a query reads. Rows come as
 * values aligned with `TableSchema.columns`. A key value is already of its column's kind
 * (the planner casts bounds before asking).
 */
export interface Snapshot {
  /** The log position read. */
  readonly position: bigint;
  table(name: string): TableSchema | undefined;
  tables(): readonly TableSchema[];
  scan(table: TableSchema, range: ScanRange): Iterable<Row>;
  /** The row with this full primary key, or undefined. */
  get(table: TableSchema, key: readonly SqlValue[]): Row | undefined;
}

export interface ResultColumn {
  readonly name: string;
  readonly type: SqlType;
}

/** A planned query, reusable across executions at snapshots whose tables have the same schema. */
export interface PreparedQuery {
  readonly columns: readonly ResultColumn[];
  /** Runs the query; the rows are the whole answer (limits are errors, never cuts). */
  run(snapshot: Snapshot, ctx: EvalContext): Row[];
  /** The plan, one operator per line, indented by depth (`EXPLAIN`). */
  explain(): string[];
}
