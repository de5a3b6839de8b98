/**
 * Rewrites that let node-sql-parser (v5, PostgreSQL grammar) parse valid PostgreSQL it
 * otherwise rejects or misreads. Each is undone by the translator, which recognises the
 * marker it leaves; the markers are names no one writes by accident.
 *
 * - `IS [NOT] DISTINCT FROM` is unknown to the grammar: it becomes `~` / `!~`, which the
 *   grammar parses at comparison precedence; a `~` the user wrote (regular expressions) is
 *   refused first, so `~` and `!~` in the tree always mean IS [NOT] DISTINCT FROM.
 * - Top-level `VALUES ...` parses only inside FROM: it becomes
 *   `SELECT * FROM (VALUES ...) AS kimberlite_values_wrapper`.
 * - `INSERT INTO t VALUES ... ON CONFLICT` parses only with a column list: every INSERT
 *   without one gets `("kimberlite_no_columns", ...)`, as wide as its first VALUES row (the
 *   parser checks the widths), and the translator reads it as no column list.
 * - `EXCEPT ALL` / `INTERSECT ALL` are unknown: ALL is dropped and the next select gets the
 *   first column `"kimberlite_set_all"`.
 * - `f(DISTINCT x)` parses only for count: it becomes `f(kimberlite_distinct(x))`.
 * - `-<number>` is folded by the parser into a JavaScript number, losing digits past 2^53: a
 *   space after the minus keeps the literal exact (the translator folds the sign back).
 * - `RANGE` window frames are unknown: `RANGE` becomes `ROWS`, and the window's ORDER BY gets
 *   the last item `kimberlite_range_frame` (an ORDER BY is added when there is none).
 * - `CASE (x) WHEN` fails to parse and `NOT (x) = y` parses as a call `not(x)` compared with y
 *   (PostgreSQL: NOT binds looser than `=`): the parenthesized operand becomes
 *   `kimberlite_paren(x)`, which the translator unwraps.
 * - `NATURAL JOIN` parses as a table alias `natural`: it is refused.
 * - `substring(s FROM a FOR b)` is unknown: its FROM and FOR become commas (`substring(s, a,
 *   b)`; without FROM, `FOR b` becomes `, 1, b`).
 * - `t CROSS JOIN u` parses `CROSS` as an alias of `t` (and the join as an INNER JOIN without
 *   ON): a table without an alias before CROSS JOIN gets itself as its alias, `t AS t`.
 */
import { ErrorCode, KimberliteError } from '../../types/index.js';
import type { Token } from './lexer.js';

export const VALUES_WRAPPER_ALIAS = 'kimberlite_values_wrapper';
export const NO_COLUMNS_MARKER = 'kimberlite_no_columns';
export const SET_ALL_MARKER = 'kimberlite_set_all';
export const DISTINCT_MARKER = 'kimberlite_distinct';
export const RANGE_MARKER = 'kimberlite_range_frame';
export const PAREN_MARKER = 'kimberlite_paren';

/** Edits to the token stream, by index into the full token list. */
export interface Edits {
  /** Tokens replaced by spaces. */
  readonly removed: Set<number>;
  readonly replace: Map<number, string>;
  readonly before: Map<number, string>;
  readonly after: Map<number, string>;
  /** Text appended after the statement. */
  end: string;
}

/** A token that takes part in the statement, with its index in the full token list. */
export interface Kept {
  readonly token: Token;
  readonly index: number;
}

function isWord(kept: Kept | undefined, ...words: string[]): boolean {
  return kept?.token.kind === 'word' && words.includes(kept.token.value.toLowerCase());
}

function isSymbol(kept: Kept | undefined, symbol: string): boolean {
  return kept?.token.kind === 'symbol' && kept.token.value === symbol;
}

function notSupported(what: string): KimberliteError {
  return new KimberliteError(ErrorCode.NotSupported, `Not supported: ${what}`);
}

/** Applies every workaround to `body` (the statement's tokens after EXPLAIN). */
export function applyWorkarounds(body: readonly Kept[], edits: Edits): void {
  refuseUnparseable(body);
  if (isWord(body[0], 'values') && body[0] !== undefined) {
    edits.before.set(body[0].index, 'select * from (');
    edits.end = ` ) as ${VALUES_WRAPPER_ALIAS}`;
  }
  if (isWord(body[0], 'insert') && isWord(body[1], 'into')) insertColumns(body, edits);
  for (let i = 0; i < body.length; i++) {
    if (isWord(body[i], 'is')) distinctFrom(body, i, edits);
    if (isWord(body[i], 'range')) rangeFrame(body, i, edits);
    const open = body[i + 1];
    if (isWord(body[i], 'case', 'not') && isSymbol(open, '(') && open !== undefined) {
      edits.before.set(open.index, PAREN_MARKER);
    }
    if (isSymbol(body[i], '(') && isWord(body[i + 1], 'distinct')) distinctArgs(body, i, edits);
    const minus = body[i];
    if (isSymbol(minus, '-') && body[i + 1]?.token.kind === 'number' && minus !== undefined) {
      edits.after.set(minus.index, ' ');
    }
    if (isWord(body[i], 'except', 'intersect') && isWord(body[i + 1], 'all'))
      setAll(body, i, edits);
    if (isWord(body[i], 'cross') && isWord(body[i + 1], 'join')) crossJoin(body, i, edits);
    if (isWord(body[i], 'substring') && isSymbol(body[i + 1], '(')) substringArgs(body, i, edits);
  }
}

function refuseUnparseable(body: readonly Kept[]): void {
  for (let i = 0; i < body.length; i++) {
    if (isSymbol(body[i], '~')) throw notSupported('regular expression operators (~)');
    if (isSymbol(body[i], '#')) throw notSupported('operator #');
    // Postfix NOTNULL / ISNULL would otherwise parse as a column alias.
    if (isWord(body[i], 'notnull', 'isnull'))
      throw notSupported('NOTNULL / ISNULL (write IS NULL)');
    if (
      isWord(body[i], 'natural') &&
      isWord(body[i + 1], 'join', 'left', 'right', 'full', 'inner')
    ) {
      throw notSupported('NATURAL JOIN (write JOIN ... USING (columns))');
    }
  }
}

/** `substring(` at `body[at]`: the keyword form's FROM and FOR at its own depth become
 * commas; a FOR without FROM becomes `, 1,` (start at the first character). */
function substringArgs(body: readonly Kept[], at: number, edits: Edits): void {
  let depth = 0;
  let from: Kept | undefined;
  let forWord: Kept | undefined;
  for (let j = at + 1; j < body.length; j++) {
    if (isSymbol(body[j], '(')) depth++;
    else if (isSymbol(body[j], ')')) depth--;
    else if (depth === 1 && isWord(body[j], 'from')) from ??= body[j];
    else if (depth === 1 && isWord(body[j], 'for')) forWord ??= body[j];
    if (depth === 0) break;
  }
  if (from !== undefined) edits.replace.set(from.index, ',');
  if (forWord !== undefined) edits.replace.set(forWord.index, from === undefined ? ', 1,' : ',');
}

/** `CROSS JOIN` at `body[at]`: when the table before it has no alias (the word before the
 * table's name is FROM, JOIN, a comma or a schema's dot), it gets its own name as alias. */
function crossJoin(body: readonly Kept[], at: number, edits: Edits): void {
  const name = body[at - 1];
  if (name?.token.kind !== 'word') return;
  // `schema.t`: look before the schema. A dot after anything else is a column (`ON a.x = b.y
  // CROSS JOIN u`), which the grammar reads right.
  const qualified = isSymbol(body[at - 2], '.');
  const before = body[qualified ? at - 4 : at - 2];
  if (qualified && body[at - 3]?.token.kind !== 'word') return;
  const unaliased = isWord(before, 'from', 'join') || isSymbol(before, ',');
  if (unaliased) edits.after.set(name.index, ` as ${name.token.value}`);
}

/** `IS [NOT] DISTINCT FROM` at `body[at]` becomes `~` / `!~`. */
function distinctFrom(body: readonly Kept[], at: number, edits: Edits): void {
  const negated = isWord(body[at + 1], 'not');
  const distinct = at + (negated ? 2 : 1);
  if (!isWord(body[distinct], 'distinct') || !isWord(body[distinct + 1], 'from')) return;
  edits.replace.set(body[at]?.index ?? -1, negated ? '!~' : '~');
  for (let k = at + 1; k <= distinct + 1; k++) edits.removed.add(body[k]?.index ?? -1);
}

/** `INSERT INTO t VALUES | SELECT | WITH | (SELECT ...)`: adds the no-columns marker. */
function insertColumns(body: readonly Kept[], edits: Edits): void {
  let last = 2;
  if (isSymbol(body[3], '.')) last = 4;
  const next = body[last + 1];
  const query = isWord(next, 'values', 'select', 'with');
  const parenthesizedQuery =
    isSymbol(next, '(') && isWord(body[last + 2], 'select', 'with', 'values');
  const table = body[last];
  if (table === undefined || !(query || parenthesizedQuery)) return;
  // The parser checks a column list against the first VALUES row: give it as many markers.
  const width = isWord(next, 'values') ? rowWidth(body, last + 2) : 1;
  const markers = Array.from({ length: width }, () => `"${NO_COLUMNS_MARKER}"`);
  edits.after.set(table.index, ` (${markers.join(', ')})`);
}

/** The number of values in the parenthesized row opening at `body[open]` (1 if none). */
function rowWidth(body: readonly Kept[], open: number): number {
  if (!isSymbol(body[open], '(')) return 1;
  let depth = 0;
  let width = 1;
  for (let j = open; j < body.length; j++) {
    if (isSymbol(body[j], '(')) depth++;
    else if (isSymbol(body[j], ')')) depth--;
    else if (depth === 1 && isSymbol(body[j], ',')) width++;
    if (depth === 0) break;
  }
  return width;
}

/** `EXCEPT ALL` / `INTERSECT ALL` at `body[at]`: drops ALL and marks the next select. */
function setAll(body: readonly Kept[], at: number, edits: Edits): void {
  let select = at + 2;
  while (isSymbol(body[select], '(')) select++;
  const selectToken = body[select];
  if (!isWord(selectToken, 'select') || selectToken === undefined) {
    throw notSupported('EXCEPT ALL / INTERSECT ALL before anything but SELECT');
  }
  const distinct = isWord(body[select + 1], 'distinct') ? body[select + 1] : undefined;
  if (isWord(body[select + 2], 'on') && distinct !== undefined) throw notSupported('DISTINCT ON');
  edits.removed.add(body[at + 1]?.index ?? -1);
  edits.after.set((distinct ?? selectToken).index, ` "${SET_ALL_MARKER}",`);
}

/** `f(DISTINCT args)` with `(` at `body[at]`: wraps the arguments in the distinct marker. */
function distinctArgs(body: readonly Kept[], at: number, edits: Edits): void {
  if (body[at - 1]?.token.kind !== 'word') return;
  let depth = 0;
  for (let j = at; j < body.length; j++) {
    if (isSymbol(body[j], '(')) depth++;
    if (isSymbol(body[j], ')')) depth--;
    if (depth === 0) {
      edits.replace.set(body[at + 1]?.index ?? -1, `${DISTINCT_MARKER}(`);
      edits.before.set(body[j]?.index ?? -1, ')');
      return;
    }
  }
}

/** `RANGE <frame>` at `body[at]` inside `OVER (...)`: becomes `ROWS` plus the range marker. */
function rangeFrame(body: readonly Kept[], at: number, edits: Edits): void {
  const next = body[at + 1];
  const frameStart =
    isWord(next, 'between', 'unbounded', 'current') || next?.token.kind === 'number';
  const range = body[at];
  if (!frameStart || range === undefined) return;
  // Walk back to the window's opening parenthesis, noting an ORDER BY at its level.
  let depth = 0;
  let ordered = false;
  for (let j = at - 1; j >= 0; j--) {
    if (isSymbol(body[j], ')')) depth++;
    if (isSymbol(body[j], '(')) {
      if (depth === 0) {
        if (!isWord(body[j - 1], 'over')) return;
        const rows = ordered ? `, ${RANGE_MARKER} rows` : `order by ${RANGE_MARKER} rows`;
        edits.replace.set(range.index, rows);
        return;
      }
      depth--;
    }
    if (depth === 0 && isWord(body[j], 'order') && isWord(body[j + 1], 'by')) ordered = true;
  }
}
