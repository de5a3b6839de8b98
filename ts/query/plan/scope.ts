/**
 * Name binding: which column a reference means, and the `Scope` the expression compiler asks.
 *
 * A `BindScope` answers column references from its own columns (slots of the row its
 * evaluators receive), then from the enclosing query's scope. An outer reference reads the
 * enclosing scope's `frame.row`, which the subquery evaluator sets to the outer row before it
 * runs the inner plan; that is how correlated subqueries see their outer row without any
 * change to the evaluator signature. Every outer reference counts in the enclosing scope's
 * `outerHits`, which is how a subquery learns it is correlated.
 *
 * Invariant: `frame.row` is only read while a subquery evaluator of this scope is running.
 */

import { ErrorCode, KimberliteError, type SqlValue } from '../../types/index.js';
import type { Expr } from '../ast.js';
import { compileExpr } from '../expr/index.js';
import type { Compiled, Row, Scope, Snapshot, SqlType } from '../types.js';
import type { CteHandle, RunState, WorkTable } from './plan.js';
import { planSubqueryExpr } from './subquery.js';

export interface ScopeColumn {
  /** The table alias that qualifies it; undefined for USING columns. */
  readonly qualifier: string | undefined;
  readonly name: string;
  readonly type: SqlType;
  readonly slot: number;
  /** Visible to unqualified references and `*` (false for the two sides of a USING column). */
  readonly unqualified: boolean;
}

export type ColumnExpr = Extract<Expr, { kind: 'column' }>;

/** A WITH name visible while planning, innermost first. */
export interface CteBinding {
  readonly name: string;
  readonly target:
    | { readonly kind: 'cte'; readonly handle: CteHandle; readonly columns: readonly ColumnInfo[] }
    | { readonly kind: 'work'; readonly work: WorkTable; readonly columns: readonly ColumnInfo[] };
  readonly next: CteBinding | undefined;
}

export interface ColumnInfo {
  readonly name: string;
  readonly type: SqlType;
}

/** What planning one statement shares. */
export interface PlanEnv {
  readonly catalog: Pick<Snapshot, 'table' | 'tables'>;
  readonly paramTypes: readonly SqlType[];
  readonly state: RunState;
  readonly ctes: CteBinding | undefined;
}

/** One query level (a SELECT, VALUES list, ORDER BY of a set operation): the scope of the
 * expression that encloses it, if it is a subquery. */
export interface QueryLevel {
  readonly parent: BindScope | undefined;
}

export interface BindOptions {
  readonly clause: string;
  readonly columns: readonly ScopeColumn[];
  /** After GROUP BY: a local column not answered by `special` is a grouping error. */
  readonly grouped?: boolean;
  /** Answers grouped expressions, aggregates and windows before anything else. */
  readonly special?: (expr: Expr) => Compiled | undefined;
  /** Collects the slots of the local columns referenced (predicate placement). */
  readonly track?: Set<number>;
}

export class BindScope implements Scope {
  readonly frame: { row: Row } = { row: [] };
  /** Lookups from inner queries that this scope (or one enclosing it) answered. */
  outerHits = 0;

  constructor(
    readonly env: PlanEnv,
    readonly level: QueryLevel,
    readonly options: BindOptions,
  ) {}

  get clause(): string {
    return this.options.clause;
  }

  resolve(expr: Expr): Compiled | undefined {
    const special = this.options.special?.(expr);
    if (special !== undefined) return special;
    switch (expr.kind) {
      case 'column':
        return this.column(expr);
      case 'subquery':
      case 'exists':
      case 'in_query':
        return planSubqueryExpr(expr, this);
      default:
        return undefined;
    }
  }

  /** The same columns under another clause name (and optionally tracking). */
  with(options: Partial<BindOptions>): BindScope {
    return new BindScope(this.env, this.level, { ...this.options, ...options });
  }

  compile(expr: Expr): Compiled {
    return compileExpr(expr, { scope: this, paramTypes: this.env.paramTypes });
  }

  private column(expr: ColumnExpr): Compiled {
    const found = this.lookup(expr);
    if (found !== undefined) return found;
    throw unknownColumn(expr, this.visibleNames());
  }

  /** Resolves a reference here or in an enclosing scope; undefined when no scope has it. */
  lookup(expr: ColumnExpr): Compiled | undefined {
    const special = this.options.special?.(expr);
    if (special !== undefined) return special;
    const local = findColumn(this.options.columns, expr);
    if (local !== undefined) {
      if (this.options.grouped === true) throw groupingError(expr);
      this.options.track?.add(local.slot);
      const slot = local.slot;
      return { type: local.type, eval: (row) => row[slot] as SqlValue };
    }
    const parent = this.level.parent;
    if (parent === undefined) return undefined;
    const outer = parent.lookup(expr);
    if (outer === undefined) return undefined;
    parent.outerHits++;
    const frame = parent.frame;
    const read = outer.eval;
    return { type: outer.type, eval: (_row, ctx) => read(frame.row, ctx) };
  }

  private visibleNames(): string[] {
    const names = this.options.columns.map((c) => c.name);
    const parent = this.level.parent;
    return parent === undefined ? names : [...names, ...parent.visibleNames()];
  }
}

/** The column a reference means among `columns`, undefined when none; ambiguity is an error. */
export function findColumn(
  columns: readonly ScopeColumn[],
  expr: ColumnExpr,
): ScopeColumn | undefined {
  const { table, name } = expr;
  let found: ScopeColumn | undefined;
  for (const column of columns) {
    if (column.name !== name) continue;
    if (table === undefined ? !column.unqualified : column.qualifier !== table) continue;
    if (found !== undefined) {
      throw new KimberliteError(
        ErrorCode.AmbiguousColumn,
        `Ambiguous column: ${name} (qualify it with its table name, e.g. ${
          found.qualifier ?? 't'
        }.${name})`,
      );
    }
    found = column;
  }
  return found;
}

export function groupingError(expr: ColumnExpr): KimberliteError {
  const name = expr.table === undefined ? expr.name : `${expr.table}.${expr.name}`;
  return new KimberliteError(
    ErrorCode.GroupingError,
    `column ${name} must appear in the GROUP BY clause or be used in an aggregate function`,
  );
}

function unknownColumn(expr: ColumnExpr, names: readonly string[]): KimberliteError {
  const shown = expr.table === undefined ? expr.name : `${expr.table}.${expr.name}`;
  const suggestion = closestName(expr.name, names);
  const hint = suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
  return new KimberliteError(ErrorCode.UnknownColumn, `Unknown column: ${shown}${hint}`);
}

/** The name nearest to `name` by edit distance, if near enough to be a likely typo. */
export function closestName(name: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of new Set(names)) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const previous = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (previous[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row.push(best);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}
