/**
 * Kimberlite's own SQL syntax tree. `node-sql-parser`'s tree is translated into this one
 * (ts/query/parse/), so the binder, planner and executor never see the parser's shapes, and a
 * construct the translation does not know is refused there with `Not supported: ...`.
 *
 * Identifiers are folded as PostgreSQL folds them: unquoted ones to lower case, quoted ones
 * kept as written. Function names are lower case. Nothing here is resolved: names are names.
 */
import type { ColumnType, SqlValue } from '../types/index.js';

export type BinaryOp =
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '||'
  | '='
  | '<>'
  | '<'
  | '<='
  | '>'
  | '>='
  | 'and'
  | 'or'
  /** JSON member or element access, as json (`->`) or as text (`->>`). */
  | '->'
  | '->>';

export type Expr =
  /** A typed literal: numbers (integer when integral and in bigint range, else decimal),
   * booleans, NULL, and typed literals such as `DATE '2026-01-01'`. */
  | { readonly kind: 'literal'; readonly value: SqlValue }
  /** A quoted string literal: its type comes from context, as in PostgreSQL (`unknown`). */
  | { readonly kind: 'string'; readonly value: string }
  /** `$n`, 1-based. */
  | { readonly kind: 'param'; readonly index: number }
  | { readonly kind: 'column'; readonly table: string | undefined; readonly name: string }
  | { readonly kind: 'unary'; readonly op: 'not' | '-' | '+'; readonly operand: Expr }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'is_null'; readonly operand: Expr; readonly negated: boolean }
  /** `x IS [NOT] TRUE | FALSE`. */
  | {
      readonly kind: 'is_bool';
      readonly operand: Expr;
      readonly value: boolean;
      readonly negated: boolean;
    }
  /** `x IS [NOT] DISTINCT FROM y`. */
  | {
      readonly kind: 'is_distinct';
      readonly left: Expr;
      readonly right: Expr;
      readonly negated: boolean;
    }
  | {
      readonly kind: 'between';
      readonly operand: Expr;
      readonly low: Expr;
      readonly high: Expr;
      readonly negated: boolean;
    }
  | {
      readonly kind: 'in_list';
      readonly operand: Expr;
      readonly list: readonly Expr[];
      readonly negated: boolean;
    }
  | {
      readonly kind: 'in_query';
      readonly operand: Expr;
      readonly query: Query;
      readonly negated: boolean;
    }
  | { readonly kind: 'exists'; readonly query: Query; readonly negated: boolean }
  /** A scalar subquery: one column, at most one row (more is an error), none is NULL. */
  | { readonly kind: 'subquery'; readonly query: Query }
  | {
      readonly kind: 'like';
      readonly operand: Expr;
      readonly pattern: Expr;
      /** ILIKE. */
      readonly caseInsensitive: boolean;
      readonly negated: boolean;
    }
  | {
      readonly kind: 'case';
      /** `CASE x WHEN ...` (simple form); undefined for `CASE WHEN cond ...`. */
      readonly operand: Expr | undefined;
      readonly whens: readonly { readonly when: Expr; readonly then: Expr }[];
      readonly else: Expr | undefined;
    }
  | { readonly kind: 'cast'; readonly operand: Expr; readonly type: ColumnType }
  /** `EXTRACT(field FROM x)`; field lower case (`year`, `month`, `day`, `hour`, `epoch`...). */
  | { readonly kind: 'extract'; readonly field: string; readonly operand: Expr }
  | FunctionCall;

/** A function call: scalar, aggregate (`count(*)`, `sum(DISTINCT x) FILTER (WHERE ...)`) or
 * window (`rank() OVER (...)`); the binder tells them apart by name and by `over`. */
export interface FunctionCall {
  readonly kind: 'function';
  /** Lower case, e.g. `count`, `row_number`, `date_trunc`. */
  readonly name: string;
  readonly args: readonly Expr[];
  /** `count(*)`: `args` is empty and `star` is true. */
  readonly star: boolean;
  readonly distinct: boolean;
  readonly filter: Expr | undefined;
  readonly over: WindowSpec | undefined;
}

export interface WindowSpec {
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly OrderItem[];
  /** Undefined: the default frame (RANGE UNBOUNDED PRECEDING to CURRENT ROW with ORDER BY,
   * the whole partition without). */
  readonly frame: WindowFrame | undefined;
}

export interface WindowFrame {
  readonly units: 'rows' | 'range';
  readonly start: FrameBound;
  readonly end: FrameBound;
}

export type FrameBound =
  | { readonly kind: 'unbounded_preceding' }
  | { readonly kind: 'preceding'; readonly offset: number }
  | { readonly kind: 'current_row' }
  | { readonly kind: 'following'; readonly offset: number }
  | { readonly kind: 'unbounded_following' };

export interface OrderItem {
  readonly expr: Expr;
  readonly descending: boolean;
  /** Undefined: PostgreSQL's default (NULLs sort as larger than every value: last when
   * ascending, first when descending). */
  readonly nulls: 'first' | 'last' | undefined;
}

export type SelectItem =
  /** `*` or `t.*`. */
  | { readonly kind: 'star'; readonly table: string | undefined }
  | { readonly kind: 'expr'; readonly expr: Expr; readonly alias: string | undefined };

export type FromItem =
  | {
      readonly kind: 'table';
      /** Lower-cased unless quoted; `information_schema.tables` keeps its schema prefix. */
      readonly name: string;
      readonly alias: string | undefined;
    }
  | {
      readonly kind: 'subquery';
      readonly query: Query;
      readonly alias: string;
      readonly columnAliases: readonly string[] | undefined;
    }
  | {
      readonly kind: 'join';
      readonly type: 'inner' | 'left' | 'right' | 'full' | 'cross';
      readonly left: FromItem;
      readonly right: FromItem;
      readonly on: Expr | undefined;
      readonly using: readonly string[] | undefined;
    };

export interface Select {
  readonly kind: 'select';
  readonly distinct: boolean;
  readonly columns: readonly SelectItem[];
  /** Comma-separated items are cross joined; empty for `SELECT 1`. */
  readonly from: readonly FromItem[];
  readonly where: Expr | undefined;
  readonly groupBy: readonly Expr[];
  readonly having: Expr | undefined;
}

export type QueryBody =
  | Select
  | { readonly kind: 'values'; readonly rows: readonly (readonly Expr[])[] }
  | {
      readonly kind: 'set_op';
      readonly op: 'union' | 'intersect' | 'except';
      readonly all: boolean;
      readonly left: QueryBody;
      readonly right: QueryBody;
    }
  /** A parenthesized query with its own ORDER BY / LIMIT inside a set operation. */
  | { readonly kind: 'nested'; readonly query: Query };

export interface Cte {
  readonly name: string;
  readonly columns: readonly string[] | undefined;
  readonly query: Query;
}

export interface Query {
  readonly with: { readonly recursive: boolean; readonly ctes: readonly Cte[] } | undefined;
  readonly body: QueryBody;
  readonly orderBy: readonly OrderItem[];
  readonly limit: Expr | undefined;
  readonly offset: Expr | undefined;
}

export interface ColumnDefinition {
  readonly name: string;
  readonly type: ColumnType;
  readonly notNull: boolean;
  /** Declared `PRIMARY KEY` inline. */
  readonly primaryKey: boolean;
}

export interface Assignment {
  readonly column: string;
  readonly value: Expr;
}

export type Statement =
  | { readonly kind: 'query'; readonly query: Query }
  | { readonly kind: 'explain'; readonly query: Query }
  | {
      readonly kind: 'create_table';
      readonly name: string;
      readonly ifNotExists: boolean;
      readonly columns: readonly ColumnDefinition[];
      /** Inline and table-level `PRIMARY KEY` columns, in key order; empty is an error the
       * statement layer reports. */
      readonly primaryKey: readonly string[];
    }
  | { readonly kind: 'drop_table'; readonly name: string; readonly ifExists: boolean }
  | { readonly kind: 'add_column'; readonly table: string; readonly column: ColumnDefinition }
  | { readonly kind: 'drop_column'; readonly table: string; readonly column: string }
  | {
      readonly kind: 'create_index';
      readonly name: string;
      readonly table: string;
      readonly columns: readonly string[];
      readonly ifNotExists: boolean;
    }
  | {
      readonly kind: 'insert';
      readonly table: string;
      readonly columns: readonly string[] | undefined;
      /** `VALUES` is a query whose body is `values`; `INSERT ... SELECT` any query. */
      readonly source: Query;
      readonly onConflict: OnConflict | undefined;
      readonly returning: readonly SelectItem[] | undefined;
    }
  | {
      readonly kind: 'update';
      readonly table: string;
      readonly alias: string | undefined;
      readonly set: readonly Assignment[];
      readonly where: Expr | undefined;
      readonly returning: readonly SelectItem[] | undefined;
    }
  | {
      readonly kind: 'delete';
      readonly table: string;
      readonly alias: string | undefined;
      readonly where: Expr | undefined;
      readonly returning: readonly SelectItem[] | undefined;
    }
  | { readonly kind: 'show_tables' }
  | { readonly kind: 'show_columns'; readonly table: string };

export interface OnConflict {
  /** The conflict target's columns; must be the primary key. */
  readonly target: readonly string[];
  readonly action:
    | { readonly kind: 'nothing' }
    | {
        readonly kind: 'update';
        readonly set: readonly Assignment[];
        readonly where: Expr | undefined;
      };
}

/** Where a statement reads from: the pre-lexer's `AT OFFSET n` / `AS OF ...` clauses. */
export type TimeTravel =
  | { readonly kind: 'position'; readonly position: bigint }
  /** Microseconds since the epoch, UTC, parsed from the clause's literal. */
  | { readonly kind: 'timestamp'; readonly micros: bigint; readonly text: string };

/** One parsed statement, as the statement cache keeps it. */
export interface ParsedStatement {
  readonly statement: Statement;
  readonly timeTravel: TimeTravel | undefined;
  /** The highest `$n` used (0 when none). */
  readonly paramCount: number;
}
