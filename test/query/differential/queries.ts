/**
 * Query shapes for the differential test, built on ExprGen (expressions.ts): plain selects
 * (and `SELECT *`) over joins (inner, left, right, full, cross, comma, USING) and derived
 * tables; GROUP BY (columns and expressions) / HAVING with COUNT, COUNT(DISTINCT), SUM, AVG,
 * MIN, MAX and FILTER; whole-table aggregates; UNION / INTERSECT / EXCEPT [ALL]; window
 * functions with PARTITION BY, ORDER BY and ROWS frames; CTEs, recursive ones included; and
 * probes for division by zero and integer overflow. Each query says how to check it
 * (`oracle`) and whether its order matters.
 *
 * Rules that keep the answer unique, so two correct engines must agree:
 * - a top-level ORDER BY names every output column (ties are then identical rows), with
 *   explicit NULLS FIRST/LAST (SQLite's defaults differ from PostgreSQL's), and is the only
 *   way a LIMIT/OFFSET appears; ordered queries never output AVG (numeric vs float rounding
 *   could reorder near-equal values);
 * - window ORDER BYs end with every row id, except for rank/dense_rank which tolerate ties;
 * - FULL JOIN conditions are equalities only (PostgreSQL refuses others); USING (k) is only
 *   used on the first join (later ones would find `k` twice on the left);
 * - set operations have exactly two operands: PostgreSQL binds INTERSECT tighter than
 *   UNION/EXCEPT, SQLite evaluates left to right. SQLite lacks INTERSECT ALL / EXCEPT ALL, so
 *   those are checked against a multiset computed from SQLite's answers for both operands;
 * - division by a value that may be zero only happens in the division probe: PostgreSQL
 *   raises DIVISION_BY_ZERO where SQLite yields NULL, so the probe checks that our engine
 *   raises exactly when SQLite counts a row dividing a non-NULL value by zero;
 * - integer overflow only happens in the overflow probe: PostgreSQL raises NUMERIC_OVERFLOW
 *   past int4 (INTEGER) or int8 (BIGINT) where SQLite goes on in int64 or turns to REAL, so
 *   the probe checks our engine raises exactly when SQLite counts a row whose value leaves the
 *   type's range (or, for int8, became REAL).
 */
import {
  type Cls,
  type Ex,
  ExprGen,
  intLiteral,
  isNumeric,
  type Rel,
  type Scope,
} from './expressions.js';
import { Prng } from './prng.js';
import type { GenTable } from './schema.js';

export type Oracle =
  | { readonly kind: 'same' }
  | {
      readonly kind: 'multiset';
      readonly op: 'intersect' | 'except';
      readonly left: string;
      readonly right: string;
    }
  /** Our engine must raise `code` when SQLite counts any row with `badRows`, and otherwise
   * answer as SQLite does. */
  | { readonly kind: 'raises'; readonly code: string; readonly badRows: string };

export interface GenQuery {
  readonly sql: string;
  readonly shape: string;
  /** The answer's row order is part of the answer (a top-level ORDER BY). */
  readonly ordered: boolean;
  readonly oracle: Oracle;
}

/** Joins stop growing once the cross product of their inputs would pass this many rows. */
const JOIN_ROWS_MAX = 4000;
const SAME: Oracle = { kind: 'same' };

interface CteDef {
  readonly name: string;
  readonly outputs: readonly Ex[];
  /** At most this many rows (an estimate that never falls short). */
  readonly rows: number;
}

interface From {
  readonly sql: string;
  readonly rels: readonly Rel[];
  readonly scope: Scope;
  /** At most this many rows: the product of the inputs' row counts. */
  readonly rows: number;
}

interface Core {
  readonly sql: string;
  readonly outputs: readonly Ex[];
  readonly rows: number;
}

function aliased(items: readonly Ex[], prefix: string): string {
  return items.map((e, i) => `${e.sql} AS ${prefix}${i}`).join(', ');
}

class QueryGen {
  readonly #prng: Prng;
  readonly #x: ExprGen;
  #ctes: readonly CteDef[] = [];

  constructor(tables: readonly GenTable[], seed: number) {
    this.#prng = new Prng(seed);
    this.#x = new ExprGen(this.#prng, tables);
  }

  generate(): GenQuery {
    const roll = this.#prng.int(0, 99);
    if (roll < 28) return this.simple();
    if (roll < 48) return this.grouped();
    if (roll < 56) return this.aggregate();
    if (roll < 68) return this.setOperation();
    if (roll < 84) return this.window();
    if (roll < 94) return this.withCtes();
    return roll < 97 ? this.division() : this.overflow();
  }

  // ---- FROM clauses --------------------------------------------------------------------

  /** A base table, sometimes a derived table or (when defined) a CTE. */
  #rel(baseOnly: boolean): Rel {
    const p = this.#prng;
    if (!baseOnly && this.#ctes.length > 0 && p.chance(0.5))
      return this.#cteRel(p.pick(this.#ctes));
    if (!baseOnly && p.chance(0.08)) return this.#derived();
    return this.#x.baseRel();
  }

  #cteRel(cte: CteDef): Rel {
    const alias = this.#x.alias();
    const names = cte.outputs.map((_, i) => `v${i}`);
    const cols = cte.outputs.map((e, i) => ({ ...e, sql: `${alias}.v${i}` }));
    return { alias, sql: `${cte.name} AS ${alias}`, cols, names, id: undefined, rows: cte.rows };
  }

  #derived(): Rel {
    const core = this.#x.nested(() => this.#simpleCore(1, 'v'));
    if (core === undefined) return this.#x.baseRel();
    const alias = this.#x.alias();
    const names = core.outputs.map((_, i) => `v${i}`);
    const cols = core.outputs.map((e, i) => ({ ...e, sql: `${alias}.v${i}` }));
    return { alias, sql: `(${core.sql}) AS ${alias}`, cols, names, id: undefined, rows: core.rows };
  }

  #from(relsMax: number, options: { baseOnly?: boolean; first?: Rel } = {}): From {
    const p = this.#prng;
    const baseOnly = options.baseOnly ?? false;
    const rels: Rel[] = [options.first ?? this.#rel(baseOnly)];
    let sql = rels[0]?.sql ?? '';
    let rows = rels[0]?.rows ?? 1;
    const count = p.int(1, relsMax);
    for (let i = 1; i < count; i++) {
      const next = this.#rel(baseOnly);
      if (rows * next.rows > JOIN_ROWS_MAX) break;
      sql += this.#join(rels, next, count === 2);
      rels.push(next);
      rows *= next.rows;
    }
    return { sql, rels, scope: { cols: rels.flatMap((r) => r.cols), outer: [] }, rows };
  }

  #join(left: readonly Rel[], right: Rel, commaAllowed: boolean): string {
    const p = this.#prng;
    const kind = p.pick(['inner', 'inner', 'left', 'left', 'right', 'full', 'cross', 'using']);
    if (kind === 'cross') {
      return commaAllowed && p.chance(0.5) ? `, ${right.sql}` : ` CROSS JOIN ${right.sql}`;
    }
    const keyword = { inner: 'JOIN', left: 'LEFT JOIN', right: 'RIGHT JOIN', full: 'FULL JOIN' };
    const usable = left.length === 1 && left[0]?.names.includes('k') && right.names.includes('k');
    if (kind === 'using' && usable) {
      return ` ${p.pick(Object.values(keyword))} ${right.sql} USING (k)`;
    }
    const type = kind === 'using' ? 'inner' : (kind as keyof typeof keyword);
    const on = this.#on(left, right, type === 'full');
    if (on === undefined) return ` CROSS JOIN ${right.sql}`;
    return ` ${keyword[type]} ${right.sql} ON ${on}`;
  }

  /** An equality between the new relation and an earlier one, maybe with more conditions. */
  #on(left: readonly Rel[], right: Rel, full: boolean): string | undefined {
    const p = this.#prng;
    const leftCols = left.flatMap((r) => r.cols);
    const pairs: string[] = [];
    for (const cls of ['int', 'text'] as const) {
      const l = leftCols.filter((c) => c.cls === cls);
      const r = right.cols.filter((c) => c.cls === cls);
      if (l.length > 0 && r.length > 0) pairs.push(`${p.pick(l).sql} = ${p.pick(r).sql}`);
    }
    const parts = pairs.length > 0 ? p.some(pairs, 2) : [];
    if (!full && (parts.length === 0 || p.chance(0.3))) {
      const scope: Scope = { cols: [...leftCols, ...right.cols], outer: [] };
      parts.push(this.#x.predicate(scope, 1).sql);
    }
    return parts.length > 0 ? parts.join(' AND ') : undefined;
  }

  // ---- helpers -------------------------------------------------------------------------

  #where(scope: Scope, chance = 0.7): string {
    return this.#prng.chance(chance) ? ` WHERE ${this.#x.predicate(scope, 2).sql}` : '';
  }

  #items(scope: Scope, classes: readonly Cls[]): Ex[] {
    return classes.map((cls) => this.#x.expr(cls, scope, 2));
  }

  #classes(max: number): Cls[] {
    return Array.from({ length: this.#prng.int(1, max) }, () => this.#x.anyClass());
  }

  /** ORDER BY every output column, in a random order and direction, maybe with a LIMIT. */
  #orderAll(count: number): string {
    const p = this.#prng;
    const columns = Array.from({ length: count }, (_, i) => i);
    for (let i = columns.length - 1; i > 0; i--) {
      const j = p.int(0, i);
      [columns[i], columns[j]] = [columns[j] as number, columns[i] as number];
    }
    const keys = columns.map(
      (i) => `c${i} ${p.pick(['ASC', 'DESC'])} NULLS ${p.pick(['FIRST', 'LAST'])}`,
    );
    let sql = ` ORDER BY ${keys.join(', ')}`;
    if (p.chance(0.5)) sql += ` LIMIT ${p.int(0, 12)}`;
    if (p.chance(0.3)) sql += `${sql.includes('LIMIT') ? '' : ' LIMIT 100'} OFFSET ${p.int(0, 6)}`;
    return sql;
  }

  // ---- shapes --------------------------------------------------------------------------

  #simpleCore(relsMax: number, prefix: string, classes = this.#classes(4)): Core {
    const from = this.#from(relsMax);
    const items = this.#items(from.scope, classes);
    const distinct = this.#prng.chance(0.2) ? 'DISTINCT ' : '';
    const where = this.#where(from.scope);
    const sql = `SELECT ${distinct}${aliased(items, prefix)} FROM ${from.sql}${where}`;
    return { sql, outputs: items, rows: from.rows };
  }

  simple(): GenQuery {
    if (this.#prng.chance(0.08)) return this.#star();
    const core = this.#simpleCore(3, 'c');
    const ordered = this.#prng.chance(0.5);
    const sql = core.sql + (ordered ? this.#orderAll(core.outputs.length) : '');
    return { sql, shape: 'select', ordered, oracle: SAME };
  }

  /** `SELECT *` (unordered: the star's columns have no aliases to order by). Joins with
   * USING are left out: PostgreSQL merges the USING column in `*`, SQLite's output differs. */
  #star(): GenQuery {
    const from = this.#from(2);
    if (from.sql.includes(' USING ')) return this.simple();
    const sql = `SELECT * FROM ${from.sql}${this.#where(from.scope)}`;
    return { sql, shape: 'select *', ordered: false, oracle: SAME };
  }

  /** An aggregate call over `scope`'s rows, sometimes with FILTER; AVG only when `avg` (its
   * type is numeric). */
  #aggregate(scope: Scope, avg: boolean): { ex: Ex; avg: boolean } {
    const call = this.#aggregateCall(scope, avg);
    if (!this.#prng.chance(0.15)) return call;
    const filter = this.#x.flat(() => this.#x.predicate(scope, 1)).sql;
    return { ...call, ex: { ...call.ex, sql: `${call.ex.sql} FILTER (WHERE ${filter})` } };
  }

  #aggregateCall(scope: Scope, avg: boolean): { ex: Ex; avg: boolean } {
    const p = this.#prng;
    const x = this.#x;
    const count = (sql: string): { ex: Ex; avg: boolean } => ({
      ex: { sql, cls: 'int', bound: 1e5, wide: true },
      avg: false,
    });
    const arg = (cls: Cls): Ex => x.argument(cls, scope);
    const summable = (): Ex | undefined => {
      const e = arg(p.pick(['int', 'int', 'real'] as const));
      return e.bound <= (e.cls === 'int' ? 1e12 : 20) ? e : undefined;
    };
    switch (p.int(0, 7)) {
      case 0:
        return count('count(*)');
      case 1:
        return count(`count(${arg(x.anyClass()).sql})`);
      case 2:
        return count(`count(DISTINCT ${arg(x.anyClass()).sql})`);
      case 3:
      case 4: {
        const e = summable();
        if (e === undefined) return count('count(*)');
        const distinct = p.chance(0.2) ? 'DISTINCT ' : '';
        const ex: Ex = {
          sql: `sum(${distinct}${e.sql})`,
          cls: e.cls,
          bound: e.bound * 1e5,
          wide: true,
          // PostgreSQL sums int8 into numeric.
          numeric: e.cls === 'int' && (e.wide || isNumeric(e)),
        };
        return { ex, avg: false };
      }
      case 5: {
        const e = summable();
        if (e === undefined || !avg) return count('count(*)');
        return { ex: { ...e, sql: `avg(${e.sql})`, bound: e.bound }, avg: true };
      }
      default: {
        const e = arg(p.pick(['int', 'real', 'text'] as const));
        return { ex: { ...e, sql: `${p.pick(['min', 'max'])}(${e.sql})` }, avg: false };
      }
    }
  }

  /** A GROUP BY key computed from columns (a bare literal would be an ordinal). */
  #groupExpression(scope: Scope): Ex {
    for (let attempt = 0; attempt < 4; attempt++) {
      const e = this.#x.flat(() => this.#x.expr(this.#x.anyClass(), scope, 1));
      if (/\bx\d+\./.test(e.sql) && !scope.cols.some((c) => c.sql === e.sql)) return e;
    }
    return {
      sql: `(${this.#prng.pick(scope.cols).sql} IS NULL)`,
      cls: 'bool',
      bound: 0,
      wide: false,
    };
  }

  #groupedCore(relsMax: number, prefix: string, avg: boolean, from = this.#from(relsMax)): Core {
    const p = this.#prng;
    const keys = p.some(from.scope.cols, 2);
    if (p.chance(0.3)) keys.push(this.#groupExpression(from.scope));
    const aggs = Array.from({ length: p.int(1, 3) }, () => this.#aggregate(from.scope, avg));
    const plain = aggs.filter((a) => !a.avg).map((a) => a.ex);
    const groupScope: Scope = { cols: [...keys, ...plain], outer: [] };
    const outputs = [...keys, ...aggs.map((a) => a.ex)];
    if (p.chance(0.3))
      outputs.push(this.#x.flat(() => this.#x.expr(this.#x.anyClass(), groupScope, 1)));
    let sql = `SELECT ${aliased(outputs, prefix)} FROM ${from.sql}${this.#where(from.scope, 0.5)}`;
    sql += ` GROUP BY ${keys.map((k) => k.sql).join(', ')}`;
    if (p.chance(0.4)) sql += ` HAVING ${this.#x.flat(() => this.#x.predicate(groupScope, 1)).sql}`;
    return { sql, outputs, rows: from.rows };
  }

  grouped(): GenQuery {
    const ordered = this.#prng.chance(0.5);
    const core = this.#groupedCore(2, 'c', !ordered);
    const sql = core.sql + (ordered ? this.#orderAll(core.outputs.length) : '');
    return { sql, shape: 'group by', ordered, oracle: SAME };
  }

  aggregate(): GenQuery {
    const from = this.#from(2);
    const aggs = Array.from({ length: this.#prng.int(1, 4) }, () =>
      this.#aggregate(from.scope, true),
    );
    const items = aggs.map((a) => a.ex);
    const sql = `SELECT ${aliased(items, 'c')} FROM ${from.sql}${this.#where(from.scope)}`;
    return { sql, shape: 'aggregate', ordered: false, oracle: SAME };
  }

  setOperation(): GenQuery {
    const p = this.#prng;
    const classes = this.#classes(3);
    const left = this.#simpleCore(2, 'c', classes).sql;
    const right = this.#simpleCore(2, 'c', classes).sql;
    const op = p.pick(['union', 'intersect', 'except'] as const);
    const all = p.chance(0.5);
    const sql = `${left} ${op.toUpperCase()}${all ? ' ALL' : ''} ${right}`;
    if (all && op !== 'union') {
      return {
        sql,
        shape: `${op} all`,
        ordered: false,
        oracle: { kind: 'multiset', op, left, right },
      };
    }
    const ordered = p.chance(0.4);
    const order = ordered ? this.#orderAll(classes.length) : '';
    return { sql: sql + order, shape: op + (all ? ' all' : ''), ordered, oracle: SAME };
  }

  // ---- window functions ----------------------------------------------------------------

  #windowSpec(scope: Scope, ids: readonly string[], tiesOk: boolean): string {
    const p = this.#prng;
    const leaves = scope.cols;
    const parts: string[] = [];
    if (p.chance(0.6))
      parts.push(
        `PARTITION BY ${p
          .some(leaves, 2)
          .map((c) => c.sql)
          .join(', ')}`,
      );
    const keys = p.chance(0.7) ? p.some(leaves, 2).map((c) => c.sql) : [];
    const ordered = keys.map(
      (k) => `${k} ${p.pick(['ASC', 'DESC'])} NULLS ${p.pick(['FIRST', 'LAST'])}`,
    );
    if (!tiesOk || p.chance(0.3)) ordered.push(...ids.map((id) => `${id} ASC NULLS LAST`));
    if (ordered.length === 0) ordered.push(`${p.pick(leaves).sql} DESC NULLS FIRST`);
    parts.push(`ORDER BY ${ordered.join(', ')}`);
    return parts.join(' ');
  }

  #frame(): string {
    const p = this.#prng;
    if (p.chance(0.5)) return '';
    const n = p.int(0, 3);
    const start = p.pick(['UNBOUNDED PRECEDING', `${n} PRECEDING`, 'CURRENT ROW']);
    const end = p.pick(['CURRENT ROW', `${p.int(0, 3)} FOLLOWING`, 'UNBOUNDED FOLLOWING']);
    return ` ROWS BETWEEN ${start} AND ${end}`;
  }

  #windowCall(scope: Scope, ids: readonly string[]): Ex {
    const p = this.#prng;
    const x = this.#x;
    const counted: Ex = { sql: '', cls: 'int', bound: 1e5, wide: true };
    const over = (tiesOk: boolean, frame = ''): string =>
      ` OVER (${this.#windowSpec(scope, ids, tiesOk)}${frame})`;
    const arg = (cls: Cls): Ex => x.argument(cls, scope);
    switch (p.int(0, 6)) {
      case 0:
        return { ...counted, sql: `row_number()${over(false)}` };
      case 1:
        return { ...counted, sql: `${p.pick(['rank', 'dense_rank'])}()${over(true)}` };
      case 2: {
        const e = arg(x.anyClass());
        const offset = p.chance(0.5) ? `, ${p.int(1, 3)}` : '';
        return { ...e, sql: `${p.pick(['lag', 'lead'])}(${e.sql}${offset})${over(false)}` };
      }
      case 3: {
        const e = arg(x.anyClass());
        const fn = p.pick(['first_value', 'last_value']);
        return { ...e, sql: `${fn}(${e.sql})${over(false, this.#frame())}` };
      }
      case 4: {
        const e = arg(p.pick(['int', 'real'] as const));
        if (e.bound > (e.cls === 'int' ? 1e12 : 20))
          return { ...counted, sql: `count(*)${over(false)}` };
        return {
          ...e,
          sql: `sum(${e.sql})${over(false, this.#frame())}`,
          bound: e.bound * 1e5,
          wide: true,
        };
      }
      default: {
        const what = p.chance(0.5) ? '*' : arg(x.anyClass()).sql;
        return { ...counted, sql: `count(${what})${over(false, this.#frame())}` };
      }
    }
  }

  window(): GenQuery {
    const p = this.#prng;
    const from = this.#from(2, { baseOnly: true });
    const ids = from.rels.flatMap((r) => (r.id === undefined ? [] : [r.id]));
    const plain = this.#items(from.scope, this.#classes(2).slice(0, p.int(0, 2)));
    const calls = Array.from({ length: p.int(1, 3) }, () => this.#windowCall(from.scope, ids));
    const outputs = [...plain, ...calls];
    const ordered = p.chance(0.5);
    let sql = `SELECT ${aliased(outputs, 'c')} FROM ${from.sql}${this.#where(from.scope, 0.5)}`;
    if (ordered) sql += this.#orderAll(outputs.length);
    return { sql, shape: 'window', ordered, oracle: SAME };
  }

  // ---- CTEs and the division probe -----------------------------------------------------

  withCtes(): GenQuery {
    const p = this.#prng;
    const defs: CteDef[] = [];
    const bodies: string[] = [];
    const count = p.int(1, 2);
    for (let i = 0; i < count; i++) {
      const core = p.chance(0.5) ? this.#simpleCore(2, 'v') : this.#groupedCore(1, 'v', false);
      defs.push({ name: `w${i}`, outputs: core.outputs, rows: core.rows });
      bodies.push(`w${i} AS (${core.sql})`);
    }
    const recursive = p.chance(0.25);
    if (recursive) {
      // A counter 1..n, joined like any table: recursion in both engines, same answer.
      const n = p.int(1, 12);
      defs.push({ name: 'r', outputs: [{ sql: '', cls: 'int', bound: n, wide: false }], rows: n });
      bodies.push(`r(v0) AS (SELECT 1 UNION ALL SELECT r.v0 + 1 FROM r WHERE r.v0 < ${n})`);
    }
    this.#ctes = defs;
    const first = this.#cteRel(p.pick(defs));
    const ordered = p.chance(0.5);
    const body = p.chance(0.6)
      ? this.#simpleCoreFrom(this.#from(2, { first }))
      : this.#groupedCore(2, 'c', !ordered, this.#from(2, { first }));
    this.#ctes = [];
    const order = ordered ? this.#orderAll(body.outputs.length) : '';
    const sql = `WITH ${recursive ? 'RECURSIVE ' : ''}${bodies.join(', ')} ${body.sql}${order}`;
    return { sql, shape: recursive ? 'recursive cte' : 'cte', ordered, oracle: SAME };
  }

  #simpleCoreFrom(from: From): Core {
    const items = this.#items(from.scope, this.#classes(3));
    const sql = `SELECT ${aliased(items, 'c')} FROM ${from.sql}${this.#where(from.scope)}`;
    return { sql, outputs: items, rows: from.rows };
  }

  division(): GenQuery {
    const p = this.#prng;
    const rel = this.#x.baseRel();
    const scope: Scope = { cols: rel.cols, outer: [] };
    const numerator = this.#x.flat(() => this.#x.expr('int', scope, 1));
    const ints = rel.cols.filter((c) => c.cls === 'int' && c.sql !== rel.id);
    const column = p.pick(ints);
    const shift = intLiteral(p.int(0, 2));
    const denominator = p.chance(0.5) ? column.sql : `(${column.sql} - ${shift.sql})`;
    const op = p.pick(['/', '%']);
    const where = p.chance(0.5) ? this.#x.flat(() => this.#x.predicate(scope, 1)).sql : undefined;
    const filter = where === undefined ? '' : ` WHERE ${where}`;
    const quotient = `(${numerator.sql} ${op} ${denominator})`;
    const sql = `SELECT ${rel.id} AS c0, ${quotient} AS c1 FROM ${rel.sql}${filter}`;
    const zero = `(${numerator.sql}) IS NOT NULL AND (${denominator}) = 0`;
    const zeroFilter = where === undefined ? zero : `(${where}) AND ${zero}`;
    const badRows = `SELECT count(*) FROM ${rel.sql} WHERE ${zeroFilter}`;
    const oracle: Oracle = { kind: 'raises', code: 'DIVISION_BY_ZERO', badRows };
    return { sql, shape: 'division', ordered: false, oracle };
  }

  /** An int4 or int8 product or sum that overflows for some rows and not for others. */
  overflow(): GenQuery {
    const p = this.#prng;
    const rel = this.#x.baseRel();
    const ints = rel.cols.filter((c) => c.cls === 'int' && c.sql !== rel.id);
    const column = p.pick(ints);
    const scope: Scope = { cols: rel.cols, outer: [] };
    let value: string;
    let bad: string;
    if (column.wide) {
      // int8 * int8: SQLite turns an int64 overflow into REAL.
      const other = p.pick([...ints.filter((c) => c.wide), intLiteral(9_000_000)]);
      value = `(${column.sql} * ${other.sql})`;
      bad = `typeof(${value}) = 'real'`;
    } else {
      const factor = p.pick([3_000_000, -5_000_000, 2_147_483]);
      value = p.chance(0.5) ? `(${column.sql} * ${factor})` : `(${column.sql} + 2147483000)`;
      bad = `${value} NOT BETWEEN -2147483648 AND 2147483647`;
    }
    const where = p.chance(0.5) ? this.#x.flat(() => this.#x.predicate(scope, 1)).sql : undefined;
    const filter = where === undefined ? '' : ` WHERE ${where}`;
    const sql = `SELECT ${rel.id} AS c0, ${value} AS c1 FROM ${rel.sql}${filter}`;
    const badFilter = where === undefined ? bad : `(${where}) AND ${bad}`;
    const badRows = `SELECT count(*) FROM ${rel.sql} WHERE ${badFilter}`;
    const oracle: Oracle = { kind: 'raises', code: 'NUMERIC_OVERFLOW', badRows };
    return { sql, shape: 'overflow', ordered: false, oracle };
  }
}

/** Query `index` of the run with seed `seed` (each query has its own derived seed). */
export function generateQuery(tables: readonly GenTable[], querySeed: number): GenQuery {
  return new QueryGen(tables, querySeed).generate();
}
