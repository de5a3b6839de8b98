/** The pre-lexer (ts/query/parse/prelex.ts): limits, time travel, parameters, SHOW / EXPLAIN,
 * one statement only, and the rewritten text node-sql-parser sees. */
import { describe, expect, it } from 'vitest';
import { prelex } from '../../../ts/query/parse/index.js';
import { ErrorCode, LIMITS } from '../../../ts/types/index.js';
import { errorOf } from './helpers.js';

const MICROS_2026_01_15_10_30 = 1_768_473_000_000_000n;

describe('time travel', () => {
  it.each([
    ['SELECT * FROM t AT OFFSET 42', 42n],
    ['SELECT * FROM t AS OF POSITION 7 WHERE a = 1', 7n],
    ['select * from t at offset 18446744073709551615', 18446744073709551615n],
  ])('reads %s as a position', (sql, position) => {
    expect(prelex(sql).timeTravel).toEqual({ kind: 'position', position });
  });

  it('reads AS OF TIMESTAMP without a zone as UTC', () => {
    expect(prelex("SELECT * FROM t AS OF TIMESTAMP '2026-01-15 10:30:00'").timeTravel).toEqual({
      kind: 'timestamp',
      micros: MICROS_2026_01_15_10_30,
      text: '2026-01-15 10:30:00',
    });
  });

  it('reads FOR SYSTEM_TIME AS OF with an RFC 3339 offset', () => {
    const sql = "SELECT * FROM t FOR SYSTEM_TIME AS OF '2026-01-15T11:30:00+01:00'";
    expect(prelex(sql).timeTravel).toEqual({
      kind: 'timestamp',
      micros: MICROS_2026_01_15_10_30,
      text: '2026-01-15T11:30:00+01:00',
    });
  });

  it('removes the clause from the text, keeping every other offset', () => {
    const sql = 'SELECT a FROM t AS OF POSITION 42 WHERE a = 1';
    const result = prelex(sql);
    expect(result.text).toBe(
      `select a from t ${' '.repeat('AS OF POSITION 42'.length)} where a = 1`,
    );
    expect(result.text.length).toBe(sql.length);
  });

  it('accepts several clauses that agree', () => {
    const sql = 'SELECT * FROM t AT OFFSET 5 JOIN u ON true AS OF POSITION 5';
    expect(prelex(sql).timeTravel).toEqual({ kind: 'position', position: 5n });
  });

  it('refuses clauses that disagree', () => {
    const error = errorOf(
      () => prelex('SELECT * FROM t AT OFFSET 5 JOIN u AT OFFSET 6 ON true'),
      ErrorCode.SyntaxError,
    );
    expect(error.message).toContain('disagree');
  });

  it('refuses a timestamp that is not RFC 3339', () => {
    const error = errorOf(
      () => prelex("SELECT * FROM t AS OF TIMESTAMP 'last tuesday'"),
      ErrorCode.InvalidValue,
    );
    expect(error.message).toContain("'last tuesday'");
  });

  it('ignores AS OF inside strings, quoted identifiers and comments', () => {
    const sql = `SELECT 'AS OF POSITION 1', "at offset 2" FROM t -- AT OFFSET 3
      /* FOR SYSTEM_TIME AS OF '2026-01-01' /* AS OF POSITION 4 */ */ WHERE $$AT OFFSET 5$$ = a`;
    expect(prelex(sql).timeTravel).toBeUndefined();
  });

  it('has none when the statement has no clause', () => {
    expect(prelex('SELECT 1').timeTravel).toBeUndefined();
  });
});

describe('rewritten text', () => {
  it('folds unquoted words, keeps quoted identifiers and replaces strings by placeholders', () => {
    const result = prelex(`SELECT "Name", Age FROM T WHERE x = 'It''s' AND y = E'\\n'`);
    expect(result.text).toBe(`select "Name", age from t where x = '0'     and y = '1'  `);
    expect(result.strings).toEqual(["It's", '\n']);
  });

  it('turns comments into spaces, keeping newlines so lines stay where they were', () => {
    expect(prelex('SELECT /* a\nb */ 1 -- c').text).toBe('select     \n     1     ');
  });

  it('maps offsets in the rewritten text back to the original', () => {
    const result = prelex("SELECT '' , x");
    // `''` became `'0'`, one character longer: `x` is at 12 in the original.
    expect(result.text).toBe("select '0' , x");
    expect(result.originalOffset(result.text.indexOf('x'))).toBe(12);
  });
});

describe('parameters and statements', () => {
  it('counts the highest $n, ignoring strings and comments', () => {
    expect(prelex("SELECT $2, $10, '$11' /* $12 */").paramCount).toBe(10);
    expect(prelex('SELECT 1').paramCount).toBe(0);
  });

  it('accepts a trailing semicolon', () => {
    expect(prelex('SELECT 1;  -- done').text.trim()).toBe('select 1');
  });

  it('refuses a second statement', () => {
    const error = errorOf(() => prelex('SELECT 1; DROP TABLE t'), ErrorCode.SyntaxError);
    expect(error.message).toBe(
      'syntax error at line 1, column 11: only one statement can be run at a time; ' +
        'send each statement on its own',
    );
  });

  it('ignores a semicolon inside a string', () => {
    expect(prelex("SELECT ';' ").strings).toEqual([';']);
  });

  it('recognises SHOW TABLES and SHOW COLUMNS FROM', () => {
    expect(prelex('SHOW TABLES;').special).toEqual({ kind: 'show_tables' });
    expect(prelex('show columns from Patients').special).toEqual({
      kind: 'show_columns',
      table: 'patients',
    });
    expect(prelex('SHOW COLUMNS FROM "Patients"').special).toEqual({
      kind: 'show_columns',
      table: 'Patients',
    });
  });

  it('refuses other SHOW statements', () => {
    const error = errorOf(() => prelex('SHOW search_path'), ErrorCode.NotSupported);
    expect(error.message).toContain('Not supported: SHOW search_path');
  });

  it('strips EXPLAIN and says so', () => {
    const result = prelex('EXPLAIN SELECT 1');
    expect(result.explain).toBe(true);
    expect(result.text).toBe('        select 1');
  });
});

describe('limits', () => {
  it('refuses a statement over statementBytesMax', () => {
    const sql = `SELECT '${'x'.repeat(LIMITS.statementBytesMax)}'`;
    const error = errorOf(() => prelex(sql), ErrorCode.LimitExceeded);
    expect(error.message).toContain('statementBytesMax');
  });

  it('counts bytes, not characters', () => {
    // Three bytes per character in UTF-8: a third of the limit in characters is over it.
    const sql = `SELECT '${'€'.repeat(Math.ceil(LIMITS.statementBytesMax / 3))}'`;
    errorOf(() => prelex(sql), ErrorCode.LimitExceeded);
  });

  it('refuses parentheses nested deeper than statementDepthMax', () => {
    const depth = LIMITS.statementDepthMax + 1;
    const sql = `SELECT ${'('.repeat(depth)}1${')'.repeat(depth)}`;
    const error = errorOf(() => prelex(sql), ErrorCode.LimitExceeded);
    expect(error.message).toContain('statementDepthMax');
  });

  it('accepts parentheses nested exactly statementDepthMax deep', () => {
    const depth = LIMITS.statementDepthMax;
    expect(prelex(`SELECT ${'('.repeat(depth)}1${')'.repeat(depth)}`).paramCount).toBe(0);
  });

  it('does not count parentheses inside strings', () => {
    expect(prelex(`SELECT '${'('.repeat(1000)}'`).strings).toHaveLength(1);
  });
});

describe('identifier folding', () => {
  it('folds ASCII letters only, as PostgreSQL does in UTF-8', () => {
    expect(prelex('SELECT Ärzte_ID FROM Tab').text).toBe('select Ärzte_id from tab');
  });
});
