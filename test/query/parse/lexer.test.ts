/** The tokenizer under the pre-lexer (ts/query/parse/lexer.ts): strings, quoted identifiers,
 * comments and dollar quotes are opaque, exactly as PostgreSQL reads them. */
import { describe, expect, it } from 'vitest';
import { lineColumn, tokenize } from '../../../ts/query/parse/lexer.js';
import { ErrorCode } from '../../../ts/types/index.js';
import { errorOf } from './helpers.js';

const kinds = (sql: string) => tokenize(sql).map((t) => [t.kind, t.value]);

describe('tokenize', () => {
  it("decodes '' inside a standard string and keeps backslashes literal", () => {
    expect(kinds("'it''s' 'a\\n'")).toEqual([
      ['string', "it's"],
      ['string', 'a\\n'],
    ]);
  });

  it("decodes backslash escapes in E'...' strings", () => {
    expect(kinds("E'a\\nb\\'c\\\\d\\x41\\u00e9\\101'")).toEqual([['string', "a\nb'c\\dAéA"]]);
  });

  it('reads dollar-quoted strings with and without a tag', () => {
    expect(kinds("$$it's$$ $fn$a $$ b$fn$")).toEqual([
      ['string', "it's"],
      ['string', 'a $$ b'],
    ]);
  });

  it('tells parameters from dollar quotes', () => {
    expect(kinds('$1 $12')).toEqual([
      ['param', '1'],
      ['param', '12'],
    ]);
  });

  it('reads nested block comments as one comment', () => {
    expect(kinds('1 /* a /* b */ c */ 2')).toEqual([
      ['number', '1'],
      ['comment', '/* a /* b */ c */'],
      ['number', '2'],
    ]);
  });

  it('ends a line comment at the newline', () => {
    expect(kinds('a -- b\nc')).toEqual([
      ['word', 'a'],
      ['comment', '-- b'],
      ['word', 'c'],
    ]);
  });

  it('undoes "" in quoted identifiers', () => {
    expect(kinds('"a""b"')).toEqual([['quoted_ident', 'a"b']]);
  });

  it('reads multi-character operators and numbers', () => {
    expect(kinds("j->>'k' a::int 1.5e3 .5 x<>y")).toEqual([
      ['word', 'j'],
      ['symbol', '->>'],
      ['string', 'k'],
      ['word', 'a'],
      ['symbol', '::'],
      ['word', 'int'],
      ['number', '1.5e3'],
      ['number', '.5'],
      ['word', 'x'],
      ['symbol', '<>'],
      ['word', 'y'],
    ]);
  });

  it.each([
    ["SELECT 'abc", 'line 1, column 8: unterminated quoted string'],
    ['SELECT "abc', 'line 1, column 8: unterminated quoted identifier'],
    ['SELECT 1 /* a /* b */', 'line 1, column 10: unterminated /* comment'],
    ['SELECT $x$abc', 'line 1, column 8: unterminated dollar-quoted string'],
  ])('reports %s as unterminated with its position', (sql, message) => {
    expect(errorOf(() => tokenize(sql), ErrorCode.SyntaxError).message).toBe(
      `syntax error at ${message}`,
    );
  });

  it('gives 1-based lines and columns', () => {
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});
