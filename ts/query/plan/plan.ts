/**
 * Plan nodes: the physical operators of one planned query, as a discriminated union of plain
 * objects holding compiled evaluators. Planning builds them once; `execute.ts` runs them and
 * `explain.ts` prints them. A node's output row is a flat array of values whose layout the
 * planner fixed (a join's row is its left row, then its right row, then USING columns).
 *
 * `RunState` is what every evaluator of one plan shares while it runs: the snapshot (scans
 * inside subqueries need it, and evaluators only receive the row and the `EvalContext`) and a
 * run number that keys per-run caches (uncorrelated subqueries, CTEs).
 */
import type { ColumnType } from '../../types/index.js';
import type { Accumulator, EvalContext, Evaluator, Row, Snapshot, TableSchema } from '../types.js';

export interface RunState {
  snapshot: Snapshot | undefined;
  ctx: EvalContext;
  /** Incremented by every top-level run; per-run caches compare against it. */
  runId: number;
}

/** A compiled condition with its SQL text for EXPLAIN. */
export interface Predicate {
  readonly eval: Evaluator;
  readonly text: string;
}

/** A key value computed at run time and cast to its key column's type. */
export interface KeyValue {
  readonly eval: Evaluator;
  readonly type: ColumnType;
}

export interface KeyBoundPlan {
  readonly values: readonly KeyValue[];
  readonly inclusive: boolean;
  /** The last value is a range bound (`>`, `<=`...), the others equalities; false when all
   * are equalities (a key-prefix scan). */
  readonly range: boolean;
}

export interface SortKey {
  readonly eval: Evaluator;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
  readonly text: string;
}

export type JoinType = 'inner' | 'left' | 'right' | 'full' | 'cross';

/** A USING column: the left value for inner and left joins, the right one for right joins,
 * the first non-null for full joins. Slots are relative to each side's row. */
export interface MergedColumn {
  readonly left: number;
  readonly right: number;
}

export interface AggregateCall {
  readonly args: readonly Evaluator[];
  readonly filter: Evaluator | undefined;
  readonly create: () => Accumulator;
}

export type WindowFunction =
  | { readonly kind: 'row_number' }
  | { readonly kind: 'rank' }
  | { readonly kind: 'dense_rank' }
  | {
      readonly kind: 'lag' | 'lead';
      readonly value: Evaluator;
      readonly offset: Evaluator | undefined;
      readonly fallback: Evaluator | undefined;
    }
  | { readonly kind: 'first_value' | 'last_value'; readonly value: Evaluator }
  | { readonly kind: 'aggregate'; readonly call: AggregateCall };

/** Frame ends as row offsets; `peer` means the edge of the current row's peer group. */
export type FrameEdge =
  | { readonly kind: 'unbounded' }
  | { readonly kind: 'offset'; readonly rows: number }
  | { readonly kind: 'peer' };

export interface WindowCall {
  readonly partition: readonly Evaluator[];
  readonly order: readonly SortKey[];
  readonly fn: WindowFunction;
  /** Frame start and end relative to the current row (negative offsets precede it). */
  readonly start: FrameEdge;
  readonly end: FrameEdge;
  readonly text: string;
}

export interface CteCache {
  runId: number;
  rows: Row[];
}

/** A WITH query planned once and computed at most once per run (unless correlated). */
export interface CteHandle {
  readonly name: string;
  node: PlanNode;
  correlated: boolean;
  readonly cache: CteCache;
}

/** The rows a recursive CTE's recursive term reads in the current iteration. */
export interface WorkTable {
  readonly name: string;
  rows: Row[];
}

export type PlanNode =
  /** `SELECT` without FROM: one row of no columns. */
  | { readonly kind: 'one_row' }
  | { readonly kind: 'values'; readonly rows: readonly (readonly Evaluator[])[] }
  | {
      readonly kind: 'seq_scan';
      readonly table: TableSchema;
      /** How the table is read, for EXPLAIN (the filter and order are added there). */
      readonly label: string;
      readonly filter: Predicate | undefined;
      /** Primary-key order descending (an ORDER BY served by the scan). */
      readonly reverse?: boolean;
    }
  | {
      readonly kind: 'key_lookup';
      readonly table: TableSchema;
      readonly key: readonly KeyValue[];
      readonly label: string;
      readonly filter: Predicate | undefined;
    }
  /** `key IN (a, b, ...)` on a one-column primary key: one `get` per distinct value. */
  | {
      readonly kind: 'key_lookups';
      readonly table: TableSchema;
      readonly keys: readonly KeyValue[];
      readonly label: string;
      readonly filter: Predicate | undefined;
    }
  | {
      readonly kind: 'key_range';
      readonly table: TableSchema;
      readonly index: string | undefined;
      readonly lower: KeyBoundPlan | undefined;
      readonly upper: KeyBoundPlan | undefined;
      readonly label: string;
      readonly filter: Predicate | undefined;
      /** Key columns fixed by equalities (rows come ordered by the columns after them). */
      readonly prefix: number;
      readonly reverse?: boolean;
    }
  | {
      readonly kind: 'virtual_scan';
      readonly name: string;
      readonly rows: (snapshot: Snapshot) => Row[];
    }
  | { readonly kind: 'filter'; readonly input: PlanNode; readonly predicate: Predicate }
  | {
      readonly kind: 'project';
      readonly input: PlanNode;
      readonly exprs: readonly Evaluator[];
    }
  | {
      readonly kind: 'join';
      readonly method: 'hash' | 'nested_loop';
      readonly type: JoinType;
      readonly left: PlanNode;
      readonly right: PlanNode;
      readonly leftKeys: readonly Evaluator[];
      readonly rightKeys: readonly Evaluator[];
      readonly condition: Predicate | undefined;
      readonly leftWidth: number;
      readonly rightWidth: number;
      readonly merged: readonly MergedColumn[];
      /** Hash the left input instead of the right (it is a bounded key read, the right not). */
      readonly buildLeft?: boolean;
      readonly label: string;
    }
  /** Index nested loop: for each left row, the right access path (whose key values read
   * `frame.row`, the current left row) returns the matching right rows. */
  | {
      readonly kind: 'lookup_join';
      readonly type: 'inner' | 'left';
      readonly left: PlanNode;
      readonly right: PlanNode;
      readonly frame: { row: Row };
      readonly condition: Predicate | undefined;
      readonly rightWidth: number;
      readonly label: string;
    }
  | {
      readonly kind: 'aggregate';
      readonly input: PlanNode;
      readonly keys: readonly Evaluator[];
      readonly aggregates: readonly AggregateCall[];
      readonly label: string;
    }
  | { readonly kind: 'window'; readonly input: PlanNode; readonly calls: readonly WindowCall[] }
  | {
      readonly kind: 'sort';
      readonly input: PlanNode;
      readonly keys: readonly SortKey[];
      /** The LIMIT and OFFSET above: only the first `limit + offset` rows are kept. */
      readonly top?: { readonly limit: Predicate; readonly offset: Predicate | undefined };
    }
  | { readonly kind: 'distinct'; readonly input: PlanNode }
  | {
      readonly kind: 'limit';
      readonly input: PlanNode;
      readonly limit: Predicate | undefined;
      readonly offset: Predicate | undefined;
    }
  | {
      readonly kind: 'set_op';
      readonly op: 'union' | 'intersect' | 'except';
      readonly all: boolean;
      readonly left: PlanNode;
      readonly right: PlanNode;
    }
  | { readonly kind: 'cte_scan'; readonly cte: CteHandle }
  | {
      readonly kind: 'recursive_union';
      readonly all: boolean;
      readonly initial: PlanNode;
      readonly recursive: PlanNode;
      readonly work: WorkTable;
    }
  | { readonly kind: 'work_table_scan'; readonly work: WorkTable };
