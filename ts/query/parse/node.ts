/**
 * Running node-sql-parser, and reading its tree defensively. The parser's nodes are plain
 * objects whose shapes vary by construct and version, so the translator never trusts a field:
 * it reads through these guards, and a shape it does not expect becomes `Not supported: ...`,
 * never a crash.
 */
import pkg from 'node-sql-parser/build/postgresql.js';
import { ErrorCode, KimberliteError, LIMITS, parseColumnType } from '../../types/index.js';
import { syntaxError, tokenize } from './lexer.js';
import type { Prelexed } from './prelex.js';

const { Parser } = pkg;
const parser = new Parser();
const OPTIONS = { database: 'PostgresQL' };

/** A node of node-sql-parser's tree, read field by field. */
export type Node = { readonly [key: string]: unknown };

export function notSupported(what: string): KimberliteError {
  return new KimberliteError(ErrorCode.NotSupported, `Not supported: ${what}`);
}

export function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` as a node; anything else is a shape the translator does not know. */
export function node(value: unknown, what: string): Node {
  if (!isNode(value)) throw notSupported(what);
  return value;
}

export function list(value: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(value)) throw notSupported(what);
  return value;
}

/** An optional list: null or undefined are empty. */
export function optionalList(value: unknown, what: string): readonly unknown[] {
  return value === null || value === undefined ? [] : list(value, what);
}

export function text(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  throw notSupported(what);
}

export function present(value: unknown): boolean {
  return value !== null && value !== undefined;
}

/** Whether a field's value says nothing: absent, null, false, '', an empty list, or an
 * object of such values (node-sql-parser fills unused clauses with `{ position: null }`). */
function empty(value: unknown, depth = 0): boolean {
  if (value === null || value === undefined || value === false || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isNode(value) && depth < 2) return Object.values(value).every((v) => empty(v, depth + 1));
  return false;
}

/**
 * Refuses a node carrying a field the translator does not read (`a[1]`'s `array_index`,
 * `TABLESAMPLE`, `IGNORE NULLS`...): dropping it silently would change the statement's
 * meaning. `allowed` lists the fields the caller reads or knows to be harmless.
 */
export function checkFields(n: Node, allowed: ReadonlySet<string>, what: string): void {
  for (const [key, value] of Object.entries(n)) {
    if (allowed.has(key) || empty(value)) continue;
    throw notSupported(`${what} with ${key.replaceAll('_', ' ').toUpperCase()}`);
  }
}

/** The fields every expression node may carry. */
export function fields(...names: string[]): ReadonlySet<string> {
  return new Set(['type', 'parentheses', ...names]);
}

/** Parses the pre-lexed text; returns the root node (one statement). */
export function parseTree(prelexed: Prelexed): Node {
  let tree: unknown;
  try {
    tree = parser.astify(prelexed.text, OPTIONS);
  } catch (error) {
    throw parseFailure(prelexed, error);
  }
  const root = Array.isArray(tree) ? tree : [tree];
  if (root.length !== 1) {
    throw new KimberliteError(ErrorCode.SyntaxError, 'expected exactly one statement');
  }
  return node(root[0], 'this kind of statement');
}

function parseFailure(prelexed: Prelexed, error: unknown): KimberliteError {
  if (error instanceof RangeError) {
    return new KimberliteError(
      ErrorCode.LimitExceeded,
      `statement is nested too deeply to parse (limit statementDepthMax, ` +
        `${LIMITS.statementDepthMax}); simplify it`,
      { cause: error },
    );
  }
  const location = isNode(error) && isNode(error.location) ? error.location : undefined;
  const start = location !== undefined && isNode(location.start) ? location.start : undefined;
  if (start === undefined || typeof start.offset !== 'number') {
    // Checks the parser makes after parsing (`column count doesn't match value count`).
    const message = (error instanceof Error ? error.message : String(error)).replace(
      /^Error: /,
      '',
    );
    return new KimberliteError(ErrorCode.SyntaxError, `syntax error: ${message}`, {
      cause: error,
    });
  }
  const offset = firstWordError(prelexed.source) ?? prelexed.originalOffset(start.offset);
  const badType = unknownColumnType(prelexed.source, offset);
  if (badType !== undefined) return badType;
  const found = tokenAt(prelexed.source, offset);
  const what = found === undefined ? 'unexpected end of input' : `unexpected "${found}"`;
  const result = syntaxError(prelexed.source, offset, what);
  return new KimberliteError(result.code, result.message, { cause: error });
}

const STATEMENT_WORDS = new Set([
  'select',
  'insert',
  'update',
  'delete',
  'create',
  'drop',
  'alter',
  'with',
  'values',
  'explain',
  'show',
]);

/** The offset of the first word when it starts no statement (`SELEC 1`): the parser reports
 * such a typo further on, PostgreSQL at the word itself. */
function firstWordError(source: string): number | undefined {
  const first = tokenize(source).find((t) => t.kind !== 'comment');
  if (first?.kind !== 'word' || STATEMENT_WORDS.has(first.value.toLowerCase())) return undefined;
  return first.start;
}

/** The source text of the token starting at or containing `offset`, shortened. */
function tokenAt(source: string, offset: number): string | undefined {
  const tokens = tokenize(source);
  const token = tokens.find((t) => t.end > offset && t.kind !== 'comment');
  if (token === undefined) return undefined;
  const text = source.slice(token.start, token.end);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

/** Words that may start a column type (`double precision`, `character varying(n)`...), and
 * keywords that are never one. */
const TYPE_WORDS = new Set(['double', 'character', 'varchar', 'decimal', 'numeric']);
const NOT_TYPES = new Set(
  [
    'primary key not null references unique check default constraint where of as from select',
    'on in or and union case exists cast filter join all distinct limit values when then end',
    'is over with',
  ]
    .join(' ')
    .split(' '),
);

/**
 * node-sql-parser rejects a column type it does not know with a bare syntax error; in
 * CREATE TABLE and ALTER TABLE ... ADD, when the error is at or just after a word in the
 * place of a type, name the unknown type instead.
 */
function unknownColumnType(source: string, errorOffset: number): KimberliteError | undefined {
  const tokens = tokenize(source).filter((t) => t.kind !== 'comment');
  const words = tokens.map((t) => (t.kind === 'word' ? t.value.toLowerCase() : t.value));
  const create = words[0] === 'create' && words[1] === 'table';
  const alter = words[0] === 'alter' && words[1] === 'table';
  if (!create && !alter) return undefined;
  let depth = 0;
  for (let i = 0; i < tokens.length - 1; i++) {
    const word = words[i];
    if (word === '(') depth++;
    if (word === ')') depth--;
    const columnStart = create
      ? depth === 1 && (word === '(' || word === ',')
      : word === 'add' || (word === 'column' && words[i - 1] === 'add');
    if (!columnStart || words[i + 1] === 'column') continue;
    const typeToken = tokens[i + 2];
    const type = words[i + 2];
    const nameKind = tokens[i + 1]?.kind;
    if (nameKind !== 'word' && nameKind !== 'quoted_ident') continue;
    if (typeToken?.kind !== 'word' || type === undefined) continue;
    if (TYPE_WORDS.has(type) || NOT_TYPES.has(type) || parseColumnType(type) !== undefined)
      continue;
    const after = tokens[i + 3]?.end ?? source.length;
    if (errorOffset < typeToken.start || errorOffset > after) continue;
    if (['primary', 'constraint', 'unique', 'check', 'foreign'].includes(words[i + 1] ?? ''))
      continue;
    return new KimberliteError(
      ErrorCode.InvalidSchema,
      `unknown type ${typeToken.value.toUpperCase()} for column ${tokens[i + 1]?.value}: use ` +
        'SMALLINT, INTEGER, BIGINT, REAL, DOUBLE PRECISION, DECIMAL(p,s), TEXT, VARCHAR(n), ' +
        'BOOLEAN, DATE, TIMESTAMP, UUID, JSON or BYTEA',
    );
  }
  return undefined;
}
