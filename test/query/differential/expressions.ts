/**
 * Typed expression generation for the differential test: values of four classes (int, real,
 * text, bool), predicates, and correlated subqueries, all valid PostgreSQL whose answer SQLite
 * must reproduce. Every expression carries its class and a bound on its magnitude, and the
 * generator only builds what stays exact on both engines:
 *
 * - int4 results stay under 1e9 and int8 under 1e15 (PostgreSQL raises on overflow, SQLite
 *   silently turns to REAL; the overflow probe in queries.ts tests that apart);
 * - `/` and `%` only divide integers, by positive literals: whether SQLite's `/` truncates
 *   follows its operands' storage classes (affinity), not declared types as in PostgreSQL,
 *   and SQLite yields NULL where PostgreSQL raises DIVISION_BY_ZERO (the division probe in
 *   queries.ts tests that apart);
 * - REAL arithmetic stays a multiple of 0.25 under 1e4, and ints mixed with REALs stay under
 *   1e4, so float4 (PostgreSQL's REAL) and SQLite's double give the same value;
 * - classes never mix where PostgreSQL would refuse or coerce differently: no text-number
 *   comparisons or concatenations (SQLite prints 2.0 as "2.0", PostgreSQL real as "2"), no
 *   CASE/COALESCE mixing int and real (PostgreSQL resolves to float4);
 * - no text functions where the engines differ: substr only with a positive start, CAST to
 *   TEXT only from integers; LIKE patterns without backslashes (PostgreSQL's default escape);
 * - a scalar subquery yields at most one row (an aggregate, or ORDER BY a unique id LIMIT 1):
 *   PostgreSQL raises on more, SQLite takes the first;
 * - negative literals are parenthesised (`x - -1` would start an SQL comment).
 *
 * Aliases (`x0`, `x1`, ...) are unique in a query and every column reference is qualified,
 * so correlated subqueries never depend on name resolution rules.
 */
import { unreachable } from '../../../ts/types/index.js';
import type { Prng } from './prng.js';
import {
  type GenColumn,
  type GenTable,
  realLiteral,
  skewedInt,
  sqlText,
  TEXT_POOL,
} from './schema.js';

export type Cls = 'int' | 'real' | 'text' | 'bool';

export interface Ex {
  readonly sql: string;
  readonly cls: Cls;
  /** Upper bound of |value| for int and real; 0 for text and bool. */
  readonly bound: number;
  /** PostgreSQL types it as int8 (or wider): larger bounds are allowed. */
  readonly wide: boolean;
  /** PostgreSQL types it as numeric (SUM of int8, and what is computed from one): integral,
   * but `/` would not truncate as int division does. */
  readonly numeric?: boolean;
}

/** Whether any of `parts` is a PostgreSQL numeric. */
export function isNumeric(...parts: readonly Ex[]): boolean {
  return parts.some((e) => e.numeric === true);
}

/** What an expression may reference: leaves of this query level, and outer ones. */
export interface Scope {
  readonly cols: readonly Ex[];
  readonly outer: readonly Ex[];
}

/** A FROM-clause entry: a base table, a CTE or a derived table, under a unique alias. */
export interface Rel {
  readonly alias: string;
  readonly sql: string;
  readonly cols: readonly Ex[];
  /** Column names, aligned with `cols`. */
  readonly names: readonly string[];
  /** The unique row identifier (`x0.id`) of a base table. */
  readonly id: string | undefined;
  readonly rows: number;
}

const INT4_BOUND = 1e9;
const INT8_BOUND = 1e15;
const REAL_BOUND = 1e4;
const SUBQUERY_NESTING_MAX = 2;
/** Ids stay below this, generated rows' and inserted ones' (writes.ts) alike. */
export const ID_BOUND = 2000;
const LIKE_PATTERNS = ['a%', '%b', '_b%', '%', '', 'a_c', '%c', 'A%', 'ab', '%a%', '__', 'it%'];

const COMPARISONS = ['=', '<>', '<', '<=', '>', '>='] as const;

export function intLiteral(value: number): Ex {
  const sql = value < 0 ? `(${value})` : `${value}`;
  return { sql, cls: 'int', bound: Math.abs(value), wide: false };
}

function withinBound(bound: number, wide: boolean): boolean {
  return bound <= (wide ? INT8_BOUND : INT4_BOUND);
}

/** A base table column as an expression: its class and the bound its values keep. */
function columnEx(sql: string, column: GenColumn): Ex {
  switch (column.kind) {
    case 'integer':
      return { sql, cls: 'int', bound: column.name === 'id' ? ID_BOUND : 1000, wide: false };
    case 'bigint':
      return { sql, cls: 'int', bound: 1e12, wide: true };
    case 'real':
      return { sql, cls: 'real', bound: 10, wide: false };
    case 'text':
      return { sql, cls: 'text', bound: 0, wide: false };
    case 'boolean':
      return { sql, cls: 'bool', bound: 0, wide: false };
    default:
      return unreachable(column.kind);
  }
}

export class ExprGen {
  readonly prng: Prng;
  readonly tables: readonly GenTable[];
  #aliases = 0;
  #nesting = 0;

  constructor(prng: Prng, tables: readonly GenTable[]) {
    this.prng = prng;
    this.tables = tables;
  }

  alias(): string {
    return `x${this.#aliases++}`;
  }

  /** A base table under a fresh alias. */
  baseRel(table: GenTable = this.prng.pick(this.tables)): Rel {
    const alias = this.alias();
    const cols = table.columns.map((c) => columnEx(`${alias}.${c.name}`, c));
    return {
      alias,
      sql: `${table.name} AS ${alias}`,
      cols,
      names: table.columns.map((c) => c.name),
      id: `${alias}.id`,
      rows: Math.max(1, table.rows.length),
    };
  }

  literal(cls: Cls): Ex {
    switch (cls) {
      case 'int':
        return intLiteral(skewedInt(this.prng));
      case 'real': {
        const text = realLiteral(this.prng);
        const sql = text.startsWith('-') ? `(${text})` : text;
        return { sql, cls, bound: 10, wide: false };
      }
      case 'text':
        return { sql: sqlText(this.prng.pick(TEXT_POOL)), cls, bound: 0, wide: false };
      case 'bool':
        return { sql: this.prng.chance(0.5) ? 'TRUE' : 'FALSE', cls, bound: 0, wide: false };
    }
  }

  leaf(cls: Cls, scope: Scope): Ex {
    const own = scope.cols.filter((c) => c.cls === cls);
    const outer = scope.outer.filter((c) => c.cls === cls);
    if (outer.length > 0 && this.prng.chance(0.2)) return this.prng.pick(outer);
    if (own.length > 0 && this.prng.chance(0.8)) return this.prng.pick(own);
    return this.literal(cls);
  }

  expr(cls: Cls, scope: Scope, depth: number): Ex {
    if (depth <= 0 || this.prng.chance(0.35)) return this.leaf(cls, scope);
    switch (cls) {
      case 'int':
        return this.intExpr(scope, depth - 1);
      case 'real':
        return this.realExpr(scope, depth - 1);
      case 'text':
        return this.textExpr(scope, depth - 1);
      case 'bool':
        return this.predicate(scope, depth);
    }
  }

  /** An int expression no larger than `bound` (falls back to a column or literal). */
  smallInt(scope: Scope, depth: number, bound: number): Ex {
    for (let attempt = 0; attempt < 4; attempt++) {
      const e = this.expr('int', scope, depth);
      if (e.bound <= bound && !e.wide) return e;
    }
    return intLiteral(this.prng.int(-5, 10));
  }

  intExpr(scope: Scope, depth: number): Ex {
    const a = this.expr('int', scope, depth);
    switch (this.prng.int(0, 10)) {
      case 0:
      case 1: {
        const b = this.expr('int', scope, depth);
        const op = this.prng.pick(['+', '-']);
        const bound = a.bound + b.bound;
        const wide = a.wide || b.wide;
        const numeric = isNumeric(a, b);
        return withinBound(bound, wide)
          ? { sql: `(${a.sql} ${op} ${b.sql})`, cls: 'int', bound, wide, numeric }
          : a;
      }
      case 2: {
        const b = this.expr('int', scope, depth);
        const bound = Math.max(1, a.bound) * Math.max(1, b.bound);
        const wide = a.wide || b.wide;
        const numeric = isNumeric(a, b);
        return withinBound(bound, wide)
          ? { sql: `(${a.sql} * ${b.sql})`, cls: 'int', bound, wide, numeric }
          : a;
      }
      case 3: {
        const divisor = this.prng.int(1, 9);
        const op = isNumeric(a) ? '%' : this.prng.pick(['/', '%']);
        const bound = op === '%' ? Math.min(a.bound, divisor) : a.bound;
        const numeric = isNumeric(a);
        return { sql: `(${a.sql} ${op} ${divisor})`, cls: 'int', bound, wide: a.wide, numeric };
      }
      case 4:
        return { ...a, sql: `(-${a.sql})` };
      case 5:
        if (this.prng.chance(0.3) && !isNumeric(a)) {
          return { ...a, sql: `CAST(${a.sql} AS BIGINT)`, wide: true };
        }
        return { ...a, sql: `abs(${a.sql})` };
      case 6: {
        const t = this.expr('text', scope, depth);
        return { sql: `length(${t.sql})`, cls: 'int', bound: 1000, wide: false };
      }
      case 7:
        return this.scalarSubquery('int', scope);
      default:
        return this.choice('int', scope, depth, a);
    }
  }

  /** CASE, COALESCE or NULLIF over two expressions of one class. */
  choice(cls: Cls, scope: Scope, depth: number, a: Ex): Ex {
    const b = this.expr(cls, scope, depth);
    const bound = Math.max(a.bound, b.bound);
    const wide = a.wide || b.wide;
    const numeric = isNumeric(a, b);
    const kind = this.prng.int(0, 4);
    if (kind === 4 && cls !== 'real') return this.simpleCase(cls, scope, depth, a, b);
    if (kind === 0) return { sql: `coalesce(${a.sql}, ${b.sql})`, cls, bound, wide, numeric };
    if (kind === 1 && cls !== 'bool') {
      return { sql: `nullif(${a.sql}, ${b.sql})`, cls, bound: a.bound, wide: a.wide, numeric };
    }
    const when = this.predicate(scope, depth);
    const then = this.prng.chance(0.15) ? 'NULL' : a.sql;
    if (kind === 2) {
      const sql = `(CASE WHEN ${when.sql} THEN ${then} ELSE ${b.sql} END)`;
      return { sql, cls, bound, wide, numeric };
    }
    const when2 = this.predicate(scope, depth);
    const c = this.leaf(cls, scope);
    const tail = this.prng.chance(0.5) ? ` ELSE ${c.sql}` : '';
    return {
      sql: `(CASE WHEN ${when.sql} THEN ${then} WHEN ${when2.sql} THEN ${b.sql}${tail} END)`,
      cls,
      bound: Math.max(bound, c.bound),
      wide: wide || c.wide,
      numeric: isNumeric(a, b, c),
    };
  }

  /** `CASE x WHEN v THEN a ... END`, comparing an int or text with literals of its class. */
  simpleCase(cls: Cls, scope: Scope, depth: number, a: Ex, b: Ex): Ex {
    const on = this.prng.pick(['int', 'text'] as const);
    const operand = this.expr(on, scope, depth);
    const first = this.literal(on);
    const second = this.literal(on);
    const fallback = this.prng.chance(0.5) ? ` ELSE ${this.literal(cls).sql}` : '';
    const whens = `WHEN ${first.sql} THEN ${a.sql} WHEN ${second.sql} THEN ${b.sql}`;
    return {
      sql: `(CASE ${operand.sql} ${whens}${fallback} END)`,
      cls,
      bound: Math.max(a.bound, b.bound, 1000),
      wide: a.wide || b.wide,
      numeric: isNumeric(a, b),
    };
  }

  realExpr(scope: Scope, depth: number): Ex {
    const a = this.expr('real', scope, depth);
    switch (this.prng.int(0, 6)) {
      case 0:
      case 1: {
        const b = this.prng.chance(0.5)
          ? this.expr('real', scope, depth)
          : this.smallInt(scope, depth, REAL_BOUND);
        const bound = a.bound + b.bound;
        const op = this.prng.pick(['+', '-']);
        return bound <= REAL_BOUND
          ? { sql: `(${a.sql} ${op} ${b.sql})`, cls: 'real', bound, wide: false }
          : a;
      }
      case 2: {
        const factor = this.prng.int(1, 3);
        const bound = a.bound * factor;
        return bound <= REAL_BOUND
          ? { sql: `(${a.sql} * ${factor})`, cls: 'real', bound, wide: false }
          : a;
      }
      case 3:
        return { ...a, sql: `(-${a.sql})` };
      case 4:
        return { ...a, sql: `abs(${a.sql})` };
      case 5:
        return this.scalarSubquery('real', scope);
      default:
        return this.choice('real', scope, depth, a);
    }
  }

  textExpr(scope: Scope, depth: number): Ex {
    const a = this.expr('text', scope, depth);
    switch (this.prng.int(0, 7)) {
      case 0:
      case 1: {
        const b = this.expr('text', scope, depth);
        return { sql: `(${a.sql} || ${b.sql})`, cls: 'text', bound: 0, wide: false };
      }
      case 2:
        return { ...a, sql: `${this.prng.pick(['upper', 'lower'])}(${a.sql})` };
      case 3:
        return this.scalarSubquery('text', scope);
      case 4:
        return this.textFunction(a);
      case 5: {
        // Integers print alike; REALs (2.0 vs 2) and booleans (true vs 1) do not.
        const i = this.expr('int', scope, depth);
        return isNumeric(i)
          ? a
          : { sql: `CAST(${i.sql} AS TEXT)`, cls: 'text', bound: 0, wide: false };
      }
      default:
        return this.choice('text', scope, depth, a);
    }
  }

  /** substr with a positive start (SQLite counts a negative one from the end, PostgreSQL
   * does not), replace, trim. */
  textFunction(a: Ex): Ex {
    const p = this.prng;
    const text = (sql: string): Ex => ({ sql, cls: 'text', bound: 0, wide: false });
    switch (p.int(0, 2)) {
      case 0:
        return text(`substr(${a.sql}, ${p.int(1, 3)}, ${p.int(0, 3)})`);
      case 1: {
        const from = sqlText(p.pick(['a', 'b', 'ab']));
        return text(`replace(${a.sql}, ${from}, ${sqlText(p.pick(['', 'x', 'AB']))})`);
      }
      default:
        return text(`trim(${a.sql})`);
    }
  }

  predicate(scope: Scope, depth: number): Ex {
    const bool = (sql: string): Ex => ({ sql, cls: 'bool', bound: 0, wide: false });
    if (depth <= 0) return this.comparison(scope, 0);
    const d = depth - 1;
    switch (this.prng.int(0, 15)) {
      case 0:
      case 1:
        return bool(`(${this.predicate(scope, d).sql} AND ${this.predicate(scope, d).sql})`);
      case 2:
        return bool(`(${this.predicate(scope, d).sql} OR ${this.predicate(scope, d).sql})`);
      case 3:
        return bool(`(NOT ${this.predicate(scope, d).sql})`);
      case 4: {
        if (this.prng.chance(0.3)) {
          const truth = this.prng.pick(['TRUE', 'FALSE']);
          return bool(`(${this.predicate(scope, d).sql} IS ${this.not()}${truth})`);
        }
        const e = this.expr(this.anyClass(), scope, d);
        return bool(`(${e.sql} IS ${this.not()}NULL)`);
      }
      case 5:
        return this.inList(scope, d);
      case 6:
        return this.between(scope, d);
      case 7: {
        const e = this.expr('text', scope, d);
        const pattern = sqlText(this.prng.pick(LIKE_PATTERNS));
        return bool(`(${e.sql} ${this.not()}LIKE ${pattern})`);
      }
      case 8:
        return this.leaf('bool', scope);
      case 9:
        return this.exists(scope);
      case 10:
        return this.inSubquery(scope, d);
      case 11: {
        const cls = this.anyClass();
        const a = this.expr(cls, scope, d);
        const b = this.expr(cls, scope, d);
        return bool(`(${a.sql} IS ${this.not()}DISTINCT FROM ${b.sql})`);
      }
      default:
        return this.comparison(scope, d);
    }
  }

  not(): string {
    return this.prng.chance(0.3) ? 'NOT ' : '';
  }

  anyClass(): Cls {
    return this.prng.pick(['int', 'int', 'int', 'real', 'text', 'text', 'bool'] as const);
  }

  /** Two operands PostgreSQL and SQLite compare alike: one class, or small ints with reals. */
  operands(scope: Scope, depth: number): [Ex, Ex] {
    if (this.prng.chance(0.1)) {
      const i = this.smallInt(scope, depth, REAL_BOUND);
      const r = this.expr('real', scope, depth);
      return this.prng.chance(0.5) ? [i, r] : [r, i];
    }
    const cls = this.anyClass();
    const a = this.expr(cls, scope, depth);
    const b = this.prng.chance(0.5) ? this.literal(cls) : this.expr(cls, scope, depth);
    return [a, b];
  }

  comparison(scope: Scope, depth: number): Ex {
    const [a, b] = this.operands(scope, depth);
    const op = a.cls === 'bool' ? this.prng.pick(['=', '<>']) : this.prng.pick(COMPARISONS);
    return { sql: `(${a.sql} ${op} ${b.sql})`, cls: 'bool', bound: 0, wide: false };
  }

  inList(scope: Scope, depth: number): Ex {
    const cls = this.prng.pick(['int', 'int', 'real', 'text'] as const);
    const e = this.expr(cls, scope, depth);
    const items = Array.from({ length: this.prng.int(1, 4) }, () =>
      this.prng.chance(0.1) ? 'NULL' : this.leaf(cls, scope).sql,
    );
    if (!items.some((item) => item !== 'NULL')) items.push(this.literal(cls).sql);
    return {
      sql: `(${e.sql} ${this.not()}IN (${items.join(', ')}))`,
      cls: 'bool',
      bound: 0,
      wide: false,
    };
  }

  between(scope: Scope, depth: number): Ex {
    const cls = this.prng.pick(['int', 'int', 'real', 'text'] as const);
    const e = this.expr(cls, scope, depth);
    const low = this.leaf(cls, scope);
    const high = this.leaf(cls, scope);
    const sql = `(${e.sql} ${this.not()}BETWEEN ${low.sql} AND ${high.sql})`;
    return { sql, cls: 'bool', bound: 0, wide: false };
  }

  /** Runs `body` one subquery level deeper, or returns undefined at the nesting limit. */
  nested<T>(body: () => T): T | undefined {
    if (this.#nesting >= SUBQUERY_NESTING_MAX) return undefined;
    this.#nesting++;
    try {
      return body();
    } finally {
      this.#nesting--;
    }
  }

  /** Runs `body` where expressions contain no subqueries (aggregate and window arguments,
   * HAVING: a correlated reference there would have to be grouped). */
  flat<T>(body: () => T): T {
    const saved = this.#nesting;
    this.#nesting = SUBQUERY_NESTING_MAX;
    try {
      return body();
    } finally {
      this.#nesting = saved;
    }
  }

  /** An argument for an aggregate or window function. A bare string literal is wrapped:
   * PostgreSQL cannot infer a polymorphic function's type from an `unknown` literal. */
  argument(cls: Cls, scope: Scope): Ex {
    const e = this.flat(() => this.expr(cls, scope, 1));
    return e.sql.startsWith("'") ? { ...e, sql: `lower(${e.sql})` } : e;
  }

  /** A WHERE clause for a subquery over `rel`: often correlated with an outer int column. */
  subqueryWhere(rel: Rel, scope: Scope): string {
    const inner: Scope = { cols: rel.cols, outer: [...scope.cols, ...scope.outer] };
    const outerInts = inner.outer.filter((c) => c.cls === 'int');
    const parts: string[] = [];
    if (outerInts.length > 0 && this.prng.chance(0.7)) {
      const mine = this.prng.pick(rel.cols.filter((c) => c.cls === 'int'));
      parts.push(`${mine.sql} ${this.prng.pick(COMPARISONS)} ${this.prng.pick(outerInts).sql}`);
    }
    if (parts.length === 0 || this.prng.chance(0.5)) parts.push(this.predicate(inner, 1).sql);
    return parts.join(' AND ');
  }

  scalarSubquery(cls: 'int' | 'real' | 'text', scope: Scope): Ex {
    const made = this.nested((): Ex | undefined => {
      const rel = this.baseRel();
      const candidates = rel.cols.filter((c) => c.cls === cls);
      const where = this.subqueryWhere(rel, scope);
      if (cls === 'int' && (candidates.length === 0 || this.prng.chance(0.4))) {
        const sql = `(SELECT count(*) FROM ${rel.sql} WHERE ${where})`;
        return { sql, cls, bound: 1e5, wide: true };
      }
      if (candidates.length === 0) return undefined;
      const col = this.prng.pick(candidates);
      if (this.prng.chance(0.3)) {
        // The first row by a unique key: one answer in every engine.
        const direction = this.prng.pick(['ASC', 'DESC']);
        const order = `ORDER BY ${rel.id} ${direction} LIMIT 1`;
        return { ...col, sql: `(SELECT ${col.sql} FROM ${rel.sql} WHERE ${where} ${order})` };
      }
      const agg = this.prng.pick(['min', 'max']);
      return { ...col, sql: `(SELECT ${agg}(${col.sql}) FROM ${rel.sql} WHERE ${where})` };
    });
    return made ?? this.leaf(cls, scope);
  }

  exists(scope: Scope): Ex {
    const made = this.nested(() => {
      const rel = this.baseRel();
      const where = this.subqueryWhere(rel, scope);
      return `(${this.not()}EXISTS (SELECT 1 FROM ${rel.sql} WHERE ${where}))`;
    });
    return { sql: made ?? 'TRUE', cls: 'bool', bound: 0, wide: false };
  }

  inSubquery(scope: Scope, depth: number): Ex {
    const made = this.nested(() => {
      const rel = this.baseRel();
      const col = this.prng.pick(rel.cols.filter((c) => c.cls !== 'bool'));
      const e = this.expr(col.cls, scope, depth);
      const where = this.prng.chance(0.7) ? ` WHERE ${this.subqueryWhere(rel, scope)}` : '';
      return `(${e.sql} ${this.not()}IN (SELECT ${col.sql} FROM ${rel.sql}${where}))`;
    });
    return made === undefined
      ? this.comparison(scope, depth)
      : { sql: made, cls: 'bool', bound: 0, wide: false };
  }
}
