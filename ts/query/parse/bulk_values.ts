/**
 * A shortcut for the bulk `INSERT INTO t [(columns)] VALUES ($1, $2), ($3, $4), ... [tail]`
 * whose rows are only parameters: node-sql-parser takes about 0.1-0.3 ms per row (130-300 ms
 * for a 1,000-row statement the first time its text is seen), so the statement is parsed with
 * its first row only and the other rows, plain parameter lists, are added to the tree here.
 *
 * The result is the tree the full parse gives (test/query/bulk_values.test.ts compares them).
 * Anything the shortcut is not sure of (another shape, rows of different lengths, a head with
 * comments or quoted names containing odd characters, a reduced statement that does not parse
 * to exactly one row of those parameters) returns undefined and the full parse runs, so errors
 * and their positions are the full parse's.
 */
import type { Expr, Statement } from '../ast.js';

/** Rows below this count are parsed in full: the shortcut only pays off on long lists. */
const BULK_ROWS_MIN = 8;

const IDENT = '(?:[A-Za-z_][A-Za-z0-9_$]*|"[A-Za-z0-9_ $]+")';
const HEAD = new RegExp(
  String.raw`^\s*INSERT\s+INTO\s+${IDENT}(?:\.${IDENT})?\s*` +
    String.raw`(?:\(\s*${IDENT}(?:\s*,\s*${IDENT})*\s*\)\s*)?VALUES\s*`,
  'iy',
);
const TUPLE = /\(\s*\$([1-9][0-9]{0,8})((?:\s*,\s*\$[1-9][0-9]{0,8})*)\s*\)/y;
const SEPARATOR = /\s*,\s*/y;
const PARAM = /\$([1-9][0-9]{0,8})/g;
/** What may follow the rows: the end, `;`, ON CONFLICT or RETURNING. */
const TAIL = /\s*(?:;|$|(?:ON|RETURNING)\b)/iy;

/** The statement split around its parameter rows, or undefined when it is not of that shape. */
export interface BulkValues {
  /** The text with the first row only: the head, that row and the tail. */
  readonly reduced: string;
  /** The parameter numbers of every row, in order. */
  readonly rows: readonly (readonly number[])[];
}

/** Finds the rows of a bulk parameter INSERT, undefined for any other statement. */
export function bulkValues(sql: string): BulkValues | undefined {
  HEAD.lastIndex = 0;
  if (!HEAD.test(sql)) return undefined;
  let at = HEAD.lastIndex;
  const rows: number[][] = [];
  let firstEnd = at;
  for (;;) {
    TUPLE.lastIndex = at;
    const tuple = TUPLE.exec(sql);
    if (tuple === null) return undefined;
    const row = [Number(tuple[1])];
    for (const more of (tuple[2] ?? '').matchAll(PARAM)) row.push(Number(more[1]));
    if (rows.length > 0 && row.length !== rows[0]?.length) return undefined;
    rows.push(row);
    at = TUPLE.lastIndex;
    if (rows.length === 1) firstEnd = at;
    SEPARATOR.lastIndex = at;
    if (!SEPARATOR.test(sql)) break;
    at = SEPARATOR.lastIndex;
  }
  if (rows.length < BULK_ROWS_MIN) return undefined;
  TAIL.lastIndex = at;
  if (!TAIL.test(sql)) return undefined;
  return { reduced: sql.slice(0, firstEnd) + sql.slice(at), rows };
}

/**
 * The full statement from the reduced one's: its single VALUES row must be the first row's
 * parameters; undefined otherwise (the caller then parses the whole text).
 */
export function withBulkRows(statement: Statement, bulk: BulkValues): Statement | undefined {
  if (statement.kind !== 'insert') return undefined;
  const source = statement.source;
  const body = source.body;
  if (body.kind !== 'values' || body.rows.length !== 1) return undefined;
  const first = bulk.rows[0];
  const row = body.rows[0];
  if (first === undefined || row === undefined || row.length !== first.length) return undefined;
  for (let i = 0; i < row.length; i++) {
    const expr = row[i];
    if (expr?.kind !== 'param' || expr.index !== first[i]) return undefined;
  }
  const rows: Expr[][] = bulk.rows.map((params) =>
    params.map((index): Expr => ({ kind: 'param', index })),
  );
  rows[0] = [...row];
  return { ...statement, source: { ...source, body: { kind: 'values', rows } } };
}
