/**
 * A small SQL tokenizer that runs before node-sql-parser. It knows exactly what PostgreSQL
 * treats as opaque text (strings, quoted identifiers, comments), so the pre-lexer can find
 * clauses such as `AS OF` without being fooled by a comment or a string containing them.
 *
 * Invariant: tokens are in order, do not overlap, and together with the whitespace between them
 * cover the input; `start`/`end` are UTF-16 offsets into the original text.
 */
import { ErrorCode, KimberliteError } from '../../types/index.js';

export type TokenKind =
  /** Unquoted identifier or keyword. */
  | 'word'
  /** `"Quoted"`; `value` has `""` undone. */
  | 'quoted_ident'
  /** `'...'`, `E'...'` or `$tag$...$tag$`; `value` is the decoded string. */
  | 'string'
  | 'number'
  /** `$n`; `value` is the decimal index. */
  | 'param'
  /** A line comment or a block comment (block comments nest, as in PostgreSQL). */
  | 'comment'
  /** Any other character (or `::`, `->`, `->>`, `<=`, `>=`, `<>`, `!=`, `||`). */
  | 'symbol';

export interface Token {
  readonly kind: TokenKind;
  readonly start: number;
  readonly end: number;
  readonly value: string;
}

const OPERATORS = ['->>', '::', '->', '<=', '>=', '<>', '!=', '||'];
const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const DIGIT = /[0-9]/;
const SPACE = /\s/;

/** The 1-based line and column of an offset, as error messages give them. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

export function syntaxError(text: string, offset: number, what: string): KimberliteError {
  const { line, column } = lineColumn(text, offset);
  return new KimberliteError(
    ErrorCode.SyntaxError,
    `syntax error at line ${line}, column ${column}: ${what}`,
  );
}

/** Splits `sql` into tokens; throws SYNTAX_ERROR for unterminated strings and comments. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < sql.length) {
    const char = sql.charAt(at);
    if (SPACE.test(char)) {
      at++;
      continue;
    }
    const token = readToken(sql, at);
    tokens.push(token);
    at = token.end;
  }
  return tokens;
}

function readToken(sql: string, at: number): Token {
  const char = sql.charAt(at);
  const next = sql.charAt(at + 1);
  if (char === '-' && next === '-') return readLineComment(sql, at);
  if (char === '/' && next === '*') return readBlockComment(sql, at);
  if (char === "'") return readQuoted(sql, at, at, false);
  if ((char === 'E' || char === 'e') && next === "'") return readQuoted(sql, at, at + 1, true);
  if (char === '"') return readQuotedIdent(sql, at);
  if (char === '$') return readDollar(sql, at);
  if (DIGIT.test(char) || (char === '.' && DIGIT.test(next))) return readNumber(sql, at);
  if (WORD_START.test(char)) return readWord(sql, at);
  const operator = OPERATORS.find((op) => sql.startsWith(op, at));
  const text = operator ?? char;
  return { kind: 'symbol', start: at, end: at + text.length, value: text };
}

function readLineComment(sql: string, at: number): Token {
  const newline = sql.indexOf('\n', at);
  const end = newline === -1 ? sql.length : newline;
  return { kind: 'comment', start: at, end, value: sql.slice(at, end) };
}

function readBlockComment(sql: string, start: number): Token {
  // PostgreSQL nests block comments: `/* a /* b */ c */` is one comment.
  let depth = 0;
  let at = start;
  while (at < sql.length) {
    if (sql.startsWith('/*', at)) {
      depth++;
      at += 2;
    } else if (sql.startsWith('*/', at)) {
      depth--;
      at += 2;
      if (depth === 0) return { kind: 'comment', start, end: at, value: sql.slice(start, at) };
    } else {
      at++;
    }
  }
  throw syntaxError(sql, start, 'unterminated /* comment');
}

/** `'...'` with `''` for a quote; with `escapes`, also backslash escapes (`E'...'`). */
function readQuoted(sql: string, start: number, quote: number, escapes: boolean): Token {
  let value = '';
  let at = quote + 1;
  while (at < sql.length) {
    const char = sql.charAt(at);
    if (char === "'") {
      if (sql.charAt(at + 1) !== "'") return { kind: 'string', start, end: at + 1, value };
      value += "'";
      at += 2;
    } else if (char === '\\' && escapes) {
      const decoded = readEscape(sql, at);
      value += decoded.text;
      at = decoded.end;
    } else {
      value += char;
      at++;
    }
  }
  throw syntaxError(sql, start, 'unterminated quoted string');
}

const SIMPLE_ESCAPES: Record<string, string> = {
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** One backslash escape of an `E'...'` string, starting at the backslash. */
function readEscape(sql: string, at: number): { text: string; end: number } {
  const char = sql.charAt(at + 1);
  const simple = SIMPLE_ESCAPES[char];
  if (simple !== undefined) return { text: simple, end: at + 2 };
  const patterns: [RegExp, number][] = [
    [/^[0-7]{1,3}/, 8],
    [/^x[0-9A-Fa-f]{1,2}/, 16],
    [/^u[0-9A-Fa-f]{4}/, 16],
    [/^U[0-9A-Fa-f]{8}/, 16],
  ];
  const rest = sql.slice(at + 1, at + 10);
  for (const [pattern, radix] of patterns) {
    const match = pattern.exec(rest);
    if (match === null) continue;
    const digits = radix === 8 ? match[0] : match[0].slice(1);
    const code = Number.parseInt(digits, radix);
    if (code === 0 || code > 0x10ffff) {
      throw syntaxError(sql, at, `invalid escape \\${match[0]} in E'...' string`);
    }
    return { text: String.fromCodePoint(code), end: at + 1 + match[0].length };
  }
  if (at + 1 >= sql.length) throw syntaxError(sql, at, 'unterminated quoted string');
  return { text: char, end: at + 2 };
}

function readQuotedIdent(sql: string, start: number): Token {
  let value = '';
  let at = start + 1;
  while (at < sql.length) {
    const char = sql.charAt(at);
    if (char === '"') {
      if (sql.charAt(at + 1) !== '"') {
        if (value.length === 0) throw syntaxError(sql, start, 'zero-length quoted identifier');
        return { kind: 'quoted_ident', start, end: at + 1, value };
      }
      value += '"';
      at += 2;
    } else {
      value += char;
      at++;
    }
  }
  throw syntaxError(sql, start, 'unterminated quoted identifier');
}

/** `$1` (a parameter) or `$tag$...$tag$` / `$$...$$` (a dollar-quoted string). */
function readDollar(sql: string, start: number): Token {
  const param = /^\$([0-9]+)/.exec(sql.slice(start, start + 12));
  if (param !== null) {
    const digits = param[1] ?? '';
    return { kind: 'param', start, end: start + param[0].length, value: digits };
  }
  const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(start, start + 66));
  if (tag === null) return { kind: 'symbol', start, end: start + 1, value: '$' };
  const close = sql.indexOf(tag[0], start + tag[0].length);
  if (close === -1) throw syntaxError(sql, start, 'unterminated dollar-quoted string');
  const value = sql.slice(start + tag[0].length, close);
  return { kind: 'string', start, end: close + tag[0].length, value };
}

function readNumber(sql: string, start: number): Token {
  const match = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(
    sql.slice(start, start + 1000),
  );
  const text = match === null ? sql.charAt(start) : match[0];
  return { kind: 'number', start, end: start + text.length, value: text };
}

function readWord(sql: string, start: number): Token {
  let at = start + 1;
  while (at < sql.length && WORD_PART.test(sql.charAt(at))) at++;
  return { kind: 'word', start, end: at, value: sql.slice(start, at) };
}
