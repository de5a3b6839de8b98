/** Whatever text arrives, the parser answers with a statement or a KimberliteError with a
 * stable code: never a crash on a shape node-sql-parser produces that the translator did
 * not expect. Seeded mutations of valid statements reach the odd corners of its grammar. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseStatement } from '../../../ts/query/parse/index.js';
import { ErrorCode, KimberliteError } from '../../../ts/types/index.js';
import { errorOf } from './helpers.js';

const STATEMENTS = [
  'SELECT a, count(*) FROM t JOIN u ON t.a = u.a WHERE a > 1 AND b IN (1, 2) GROUP BY a ' +
    'HAVING sum(b) > 2 ORDER BY a DESC NULLS LAST LIMIT 3 OFFSET 1',
  "INSERT INTO t (a, b) VALUES (1, 'x') ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b RETURNING *",
  'WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT * FROM r AT OFFSET 3',
  'CREATE TABLE t (id BIGINT PRIMARY KEY, name VARCHAR(20) NOT NULL, PRIMARY KEY (id))',
  'UPDATE t SET a = CASE WHEN b THEN 1 ELSE 2 END WHERE c IS NOT DISTINCT FROM $1',
  'SELECT rank() OVER (PARTITION BY a ORDER BY b ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), ' +
    "CAST(x AS DECIMAL(3, 1)), EXTRACT(year FROM d), j ->> 'k' FROM t",
  "SELECT * FROM (VALUES (1, 'a')) v (x, y) EXCEPT ALL SELECT 1, 'b'",
  'DELETE FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.a = t.a) RETURNING a',
];

const PIECES = [
  '(',
  ')',
  ',',
  "'",
  '"',
  '$1',
  '$$',
  'select',
  'from',
  'where',
  'and',
  'or',
  'not',
  'in',
  'is',
  'null',
  'distinct',
  'as',
  'of',
  'on',
  'join',
  'union',
  'all',
  '*',
  '-',
  '+',
  '::',
  'int',
  'over',
  'values',
  ';',
  '1',
  '1.5',
  'a',
  '--',
  '/*',
  '*/',
  "e'",
  'exists',
  'case',
  'when',
  'then',
  'end',
  'limit',
  'cast',
  'filter',
  'primary',
  'key',
  'position',
];

const CODES = new Set<string>(Object.values(ErrorCode));

describe('robustness', () => {
  it('answers every mutation of a valid statement with a statement or a KimberliteError', () => {
    const mutation = fc.record({
      statement: fc.nat(STATEMENTS.length - 1),
      edits: fc.array(
        fc.record({ at: fc.nat(60), op: fc.nat(2), piece: fc.nat(PIECES.length - 1) }),
        { minLength: 1, maxLength: 3 },
      ),
    });
    fc.assert(
      fc.property(mutation, ({ statement, edits }) => {
        const words = (STATEMENTS[statement] ?? '').split(' ');
        for (const { at, op, piece } of edits) {
          const index = at % words.length;
          if (op === 0) words.splice(index, 1);
          else if (op === 1) words.splice(index, 0, PIECES[piece] ?? '');
          else words[index] = PIECES[piece] ?? '';
        }
        try {
          parseStatement(words.join(' '));
        } catch (error) {
          if (!(error instanceof KimberliteError) || !CODES.has(error.code)) throw error;
        }
      }),
      { numRuns: 800, seed: 20260115 },
    );
  });

  it('refuses an empty statement', () => {
    expect(errorOf(() => parseStatement(' -- nothing'), ErrorCode.SyntaxError).message).toBe(
      'syntax error at line 1, column 12: the statement is empty',
    );
  });

  it('refuses IS DISTINCT FROM without a left operand', () => {
    errorOf(
      () => parseStatement('SELECT 1 FROM t WHERE IS DISTINCT FROM 1'),
      ErrorCode.SyntaxError,
    );
  });

  it('names an unknown type in ALTER TABLE ADD', () => {
    const error = errorOf(
      () => parseStatement('ALTER TABLE t ADD COLUMN x blob'),
      ErrorCode.InvalidSchema,
    );
    expect(error.message).toMatch(/^unknown type BLOB for column x: /);
  });

  it('reports a keyword in the place of a type as a syntax error', () => {
    errorOf(() => parseStatement('CREATE TABLE t (a WHERE)'), ErrorCode.SyntaxError);
  });
});
