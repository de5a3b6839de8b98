/** parseStatement (ts/query/parse/index.ts): syntax errors point into the original text,
 * results are cached and frozen, and time travel and parameters come along. */
import { describe, expect, it } from 'vitest';
import { parseStatement } from '../../../ts/query/parse/index.js';
import { ErrorCode, LIMITS } from '../../../ts/types/index.js';
import { errorOf } from './helpers.js';

describe('syntax errors', () => {
  it.each([
    ['SELECT * FORM t', 'syntax error at line 1, column 10: unexpected "FORM"'],
    ['SELECT a FORM t', 'syntax error at line 1, column 15: unexpected "t"'],
    ['SELECT a,, b FROM t', 'syntax error at line 1, column 10: unexpected ","'],
    ['SELECT *\nFROM t WHERE', 'syntax error at line 2, column 13: unexpected end of input'],
    ['SELEC 1', 'syntax error at line 1, column 1: unexpected "SELEC"'],
  ])('reports %j with its position', (sql, message) => {
    expect(errorOf(() => parseStatement(sql), ErrorCode.SyntaxError).message).toBe(message);
  });

  it('points into the original text after a removed time-travel clause and a long string', () => {
    const sql = "SELECT 'a long string literal' AS OF POSITION 3 FROM t WHERE a = = 1";
    const column = sql.lastIndexOf('=') + 1;
    expect(errorOf(() => parseStatement(sql), ErrorCode.SyntaxError).message).toBe(
      `syntax error at line 1, column ${column}: unexpected "="`,
    );
  });

  it('points past a removed comment', () => {
    const sql = 'SELECT /* comment */ 1 +';
    expect(errorOf(() => parseStatement(sql), ErrorCode.SyntaxError).message).toBe(
      'syntax error at line 1, column 25: unexpected end of input',
    );
  });
});

describe('limits', () => {
  it('refuses an operator chain deeper than statementDepthMax', () => {
    const terms = Array.from({ length: LIMITS.statementDepthMax + 1 }, () => '1');
    const sql = `SELECT ${terms.join(' + ')}`;
    errorOf(() => parseStatement(sql), ErrorCode.LimitExceeded);
  });

  it('refuses subqueries nested deeper than statementDepthMax', () => {
    const depth = LIMITS.statementDepthMax;
    const sql = `SELECT ${'(SELECT '.repeat(depth)}1${')'.repeat(depth)}`;
    errorOf(() => parseStatement(sql), ErrorCode.LimitExceeded);
  });
});

describe('parseStatement', () => {
  it('returns the statement with its time travel and parameter count', () => {
    expect(parseStatement('SELECT $2 FROM t AT OFFSET 9')).toEqual({
      statement: {
        kind: 'query',
        query: {
          with: undefined,
          body: {
            kind: 'select',
            distinct: false,
            columns: [{ kind: 'expr', expr: { kind: 'param', index: 2 }, alias: undefined }],
            from: [{ kind: 'table', name: 't', alias: undefined }],
            where: undefined,
            groupBy: [],
            having: undefined,
          },
          orderBy: [],
          limit: undefined,
          offset: undefined,
        },
      },
      timeTravel: { kind: 'position', position: 9n },
      paramCount: 2,
    });
  });

  it('returns the same frozen object on a cache hit', () => {
    const sql = 'SELECT a FROM cached_table WHERE b = 1';
    const first = parseStatement(sql);
    expect(parseStatement(sql)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.statement)).toBe(true);
    const statement = first.statement;
    const where =
      statement.kind === 'query' && statement.query.body.kind === 'select'
        ? statement.query.body.where
        : undefined;
    expect(Object.isFrozen(where)).toBe(true);
  });

  it('answers a cache hit in microseconds', () => {
    const sql = 'SELECT a, b, c FROM t JOIN u ON t.id = u.id WHERE a > 1 ORDER BY b';
    parseStatement(sql);
    const rounds = 10_000;
    const start = performance.now();
    for (let i = 0; i < rounds; i++) parseStatement(sql);
    const microsPerHit = ((performance.now() - start) * 1000) / rounds;
    expect(microsPerHit).toBeLessThan(20);
  });

  it('evicts the least recently used statement past statementCacheEntriesMax', () => {
    const kept = parseStatement('SELECT 0 AS kept');
    const first = parseStatement('SELECT 1 AS evicted');
    for (let i = 0; i < LIMITS.statementCacheEntriesMax - 1; i++) {
      parseStatement('SELECT 0 AS kept');
      parseStatement(`SELECT ${i} AS filler`);
    }
    expect(parseStatement('SELECT 0 AS kept')).toBe(kept);
    expect(parseStatement('SELECT 1 AS evicted')).not.toBe(first);
    expect(parseStatement('SELECT 1 AS evicted')).toEqual(first);
  });

  it('does not cache failures', () => {
    errorOf(() => parseStatement('SELECT FROM WHERE'), ErrorCode.SyntaxError);
    errorOf(() => parseStatement('SELECT FROM WHERE'), ErrorCode.SyntaxError);
  });
});
