/**
 * The pre-lexer: everything done to a statement's text before node-sql-parser sees it.
 *
 * - Rejects text over `LIMITS.statementBytesMax` or nested deeper than `statementDepthMax`
 *   (the PEG parser recurses per parenthesis and would overflow the stack).
 * - Extracts time travel (`AT OFFSET n`, `AS OF POSITION n`, `AS OF TIMESTAMP '...'`,
 *   `FOR SYSTEM_TIME AS OF '...'`), which node-sql-parser cannot parse.
 * - Counts parameters, recognises `SHOW TABLES`, `SHOW COLUMNS FROM t` and `EXPLAIN`, and
 *   refuses a second statement.
 * - Rewrites the text so node-sql-parser cannot misread it: comments become spaces, unquoted
 *   words are folded to lower case (so any name the parser reports with capitals was quoted),
 *   and every string literal becomes the placeholder `'<n>'`, its decoded value kept in
 *   `strings[n]` (node-sql-parser treats backslashes as escapes, PostgreSQL does not);
 *   then the grammar workarounds of workarounds.ts are applied.
 *
 * Invariant: `originalOffset` maps every offset of `text` to the offset in the original
 * statement it came from, so syntax errors point into what the user wrote.
 */

import { ErrorCode, KimberliteError, LIMITS, toSqlValue } from '../../types/index.js';
import type { TimeTravel } from '../ast.js';
import { lineColumn, syntaxError, type Token, tokenize } from './lexer.js';
import { applyWorkarounds, type Edits, type Kept } from './workarounds.js';

/** A statement the pre-lexer recognises whole, without node-sql-parser. */
export type SpecialStatement =
  | { readonly kind: 'show_tables' }
  | { readonly kind: 'show_columns'; readonly table: string };

export interface Prelexed {
  /** The rewritten text for node-sql-parser. */
  readonly text: string;
  /** Decoded string literals; the placeholder `'<n>'` in `text` stands for `strings[n]`. */
  readonly strings: readonly string[];
  readonly timeTravel: TimeTravel | undefined;
  /** The highest `$n` (0 when none). */
  readonly paramCount: number;
  /** `EXPLAIN` led the statement (removed from `text`). */
  readonly explain: boolean;
  readonly special: SpecialStatement | undefined;
  /** The original statement. */
  readonly source: string;
  /** The offset in `source` that an offset in `text` came from. */
  originalOffset(offset: number): number;
}

interface Piece {
  /** Offset in the rewritten text. */
  readonly out: number;
  /** Offset in the original text. */
  readonly original: number;
}

/** Builds the rewritten text piece by piece, remembering where each piece came from. */
class Rewriter {
  private readonly parts: string[] = [];
  private length = 0;
  readonly pieces: Piece[] = [];

  emit(text: string, original: number): void {
    if (text.length === 0) return;
    this.pieces.push({ out: this.length, original });
    this.parts.push(text);
    this.length += text.length;
  }

  text(): string {
    return this.parts.join('');
  }
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function checkSize(sql: string): void {
  const max = LIMITS.statementBytesMax;
  if (sql.length * 3 <= max) return;
  const bytes = sql.length > max ? sql.length : utf8Length(sql);
  if (bytes > max) {
    throw new KimberliteError(
      ErrorCode.LimitExceeded,
      `statement is over ${max} bytes, the limit statementBytesMax; send smaller statements`,
    );
  }
}

function checkDepth(tokens: readonly Token[]): void {
  let depth = 0;
  for (const token of tokens) {
    if (token.kind !== 'symbol') continue;
    if (token.value === '(') {
      depth++;
      if (depth > LIMITS.statementDepthMax) {
        throw new KimberliteError(
          ErrorCode.LimitExceeded,
          `statement nests parentheses more than ${LIMITS.statementDepthMax} deep, ` +
            'the limit statementDepthMax; simplify it',
        );
      }
    } else if (token.value === ')') {
      depth = Math.max(0, depth - 1);
    }
  }
}

function isWord(token: Token | undefined, word: string): boolean {
  return token !== undefined && token.kind === 'word' && token.value.toLowerCase() === word;
}

/** A time-travel clause found at `tokens[at]`: its value and how many tokens it spans. */
function matchTimeTravel(
  sql: string,
  tokens: readonly Token[],
  at: number,
): { timeTravel: TimeTravel; length: number } | undefined {
  const t = (i: number): Token | undefined => tokens[at + i];
  if (isWord(t(0), 'at') && isWord(t(1), 'offset') && t(2)?.kind === 'number') {
    return { timeTravel: positionOf(sql, t(2)), length: 3 };
  }
  if (isWord(t(0), 'as') && isWord(t(1), 'of')) {
    if (isWord(t(2), 'position') && t(3)?.kind === 'number') {
      return { timeTravel: positionOf(sql, t(3)), length: 4 };
    }
    if (isWord(t(2), 'timestamp') && t(3)?.kind === 'string') {
      return { timeTravel: timestampOf(sql, t(3)), length: 4 };
    }
  }
  if (isWord(t(0), 'for') && isWord(t(1), 'system_time') && isWord(t(2), 'as')) {
    if (isWord(t(3), 'of') && t(4)?.kind === 'string') {
      return { timeTravel: timestampOf(sql, t(4)), length: 5 };
    }
  }
  return undefined;
}

function positionOf(sql: string, token: Token | undefined): TimeTravel {
  if (token === undefined || !/^[0-9]+$/.test(token.value)) {
    throw syntaxError(sql, token?.start ?? sql.length, 'a log position is a whole number');
  }
  return { kind: 'position', position: BigInt(token.value) };
}

function timestampOf(sql: string, token: Token | undefined): TimeTravel {
  const text = token?.value ?? '';
  try {
    const value = toSqlValue('AS OF', { kind: 'timestamp' }, text);
    if (value.kind !== 'timestamp') throw new TypeError('not a timestamp');
    return { kind: 'timestamp', micros: value.value, text };
  } catch (error) {
    const { line, column } = lineColumn(sql, token?.start ?? 0);
    throw new KimberliteError(
      ErrorCode.InvalidValue,
      `invalid time-travel timestamp '${text}' at line ${line}, column ${column}: write it as ` +
        `RFC 3339, e.g. '2026-01-15 10:30:00' (UTC) or '2026-01-15T10:30:00+01:00'`,
      { cause: error },
    );
  }
}

function sameTimeTravel(a: TimeTravel, b: TimeTravel): boolean {
  if (a.kind === 'position' && b.kind === 'position') return a.position === b.position;
  if (a.kind === 'timestamp' && b.kind === 'timestamp') return a.micros === b.micros;
  return false;
}

/** Finds time-travel clauses; returns the agreed clause and the indexes of their tokens. */
function extractTimeTravel(
  sql: string,
  tokens: readonly Token[],
): { timeTravel: TimeTravel | undefined; removed: Set<number> } {
  const removed = new Set<number>();
  let timeTravel: TimeTravel | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const found = matchTimeTravel(sql, tokens, i);
    if (found === undefined) continue;
    if (timeTravel !== undefined && !sameTimeTravel(timeTravel, found.timeTravel)) {
      throw new KimberliteError(
        ErrorCode.SyntaxError,
        'a statement reads at one point in time: its time-travel clauses (AT OFFSET, AS OF ...) ' +
          'disagree; keep one',
      );
    }
    timeTravel = found.timeTravel;
    for (let k = 0; k < found.length; k++) removed.add(i + k);
    i += found.length - 1;
  }
  return { timeTravel, removed };
}

function checkOneStatement(sql: string, tokens: readonly Token[], removed: Set<number>): void {
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token?.kind !== 'symbol' || token.value !== ';') continue;
    removed.add(i);
    const rest = tokens.slice(i + 1).find((t) => t.kind !== 'comment');
    if (rest !== undefined && !(rest.kind === 'symbol' && rest.value === ';')) {
      throw syntaxError(
        sql,
        rest.start,
        'only one statement can be run at a time; send each statement on its own',
      );
    }
  }
}

function identifierOf(token: Token | undefined): string | undefined {
  if (token === undefined) return undefined;
  if (token.kind === 'word') return foldIdentifier(token.value);
  if (token.kind === 'quoted_ident') return token.value;
  return undefined;
}

function special(sql: string, tokens: readonly Token[]): SpecialStatement | undefined {
  if (!isWord(tokens[0], 'show')) return undefined;
  if (isWord(tokens[1], 'tables') && tokens.length === 2) return { kind: 'show_tables' };
  if (isWord(tokens[1], 'columns') && isWord(tokens[2], 'from') && tokens.length === 4) {
    const table = identifierOf(tokens[3]);
    if (table !== undefined) return { kind: 'show_columns', table };
  }
  const text = tokens.map((t) => sql.slice(t.start, t.end)).join(' ');
  throw new KimberliteError(
    ErrorCode.NotSupported,
    `Not supported: ${text.slice(0, 60)} (SHOW TABLES and SHOW COLUMNS FROM <table> are)`,
  );
}

/**
 * Runs the pre-lexer over one statement.
 *
 * @example
 * prelex("SELECT * FROM t AS OF POSITION 42").timeTravel; // { kind: 'position', position: 42n }
 */
export function prelex(sql: string): Prelexed {
  checkSize(sql);
  const all = tokenize(sql);
  checkDepth(all);
  const { timeTravel, removed } = extractTimeTravel(sql, all);
  checkOneStatement(sql, all, removed);
  const kept: Kept[] = [];
  all.forEach((token, index) => {
    if (token.kind !== 'comment' && !removed.has(index)) kept.push({ token, index });
  });
  const explain = isWord(kept[0]?.token, 'explain');
  if (explain) removed.add(kept[0]?.index ?? -1);
  const body = explain ? kept.slice(1) : kept;
  if (body.length === 0) throw syntaxError(sql, sql.length, 'the statement is empty');
  if (explain && isWord(body[0]?.token, 'analyze')) {
    throw new KimberliteError(ErrorCode.NotSupported, 'Not supported: EXPLAIN ANALYZE');
  }
  const paramCount = all.reduce(
    (max, token) => (token.kind === 'param' ? Math.max(max, Number(token.value)) : max),
    0,
  );
  const specialStatement = special(
    sql,
    body.map((k) => k.token),
  );
  const edits: Edits = {
    removed,
    replace: new Map(),
    before: new Map(),
    after: new Map(),
    end: '',
  };
  if (specialStatement === undefined) applyWorkarounds(body, edits);
  return {
    ...rewrite(sql, all, edits),
    timeTravel,
    paramCount,
    explain,
    special: specialStatement,
    source: sql,
  };
}

function rewrite(
  sql: string,
  tokens: readonly Token[],
  edits: Edits,
): Pick<Prelexed, 'text' | 'strings' | 'originalOffset'> {
  const out = new Rewriter();
  const strings: string[] = [];
  let at = 0;
  tokens.forEach((token, i) => {
    out.emit(sql.slice(at, token.start), at);
    const text = sql.slice(token.start, token.end);
    out.emit(edits.before.get(i) ?? '', token.start);
    const replacement = edits.replace.get(i);
    if (replacement !== undefined) {
      out.emit(replacement.padEnd(text.length, ' '), token.start);
    } else if (edits.removed.has(i) || token.kind === 'comment') {
      out.emit(text.replace(/[^\n]/g, ' '), token.start);
    } else {
      out.emit(rewriteToken(token, text, strings), token.start);
    }
    out.emit(edits.after.get(i) ?? '', token.end);
    at = token.end;
  });
  out.emit(sql.slice(at), at);
  out.emit(edits.end, sql.length);
  return finish(out, strings, sql.length);
}

function finish(
  out: Rewriter,
  strings: string[],
  sourceLength: number,
): Pick<Prelexed, 'text' | 'strings' | 'originalOffset'> {
  const text = out.text();
  const pieces = out.pieces;
  return {
    text,
    strings,
    originalOffset(offset: number): number {
      let low = 0;
      let high = pieces.length - 1;
      while (low < high) {
        const mid = (low + high + 1) >> 1;
        if ((pieces[mid]?.out ?? 0) <= offset) low = mid;
        else high = mid - 1;
      }
      const piece = pieces[low];
      if (piece === undefined) return Math.min(offset, sourceLength);
      return Math.min(piece.original + (offset - piece.out), sourceLength);
    },
  };
}

/** PostgreSQL folds unquoted identifiers to lower case in ASCII only (`Äb` stays `Äb`). */
export function foldIdentifier(word: string): string {
  return word.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

function rewriteToken(token: Token, text: string, strings: string[]): string {
  switch (token.kind) {
    case 'word':
      return foldIdentifier(text);
    case 'string': {
      strings.push(token.value);
      const placeholder = `'${strings.length - 1}'`;
      return placeholder.padEnd(text.length, ' ');
    }
    case 'quoted_ident':
      if (token.value.includes('"')) {
        throw new KimberliteError(
          ErrorCode.NotSupported,
          `Not supported: a quoted identifier containing a double quote (${text.slice(0, 40)})`,
        );
      }
      return text;
    default:
      return text;
  }
}
