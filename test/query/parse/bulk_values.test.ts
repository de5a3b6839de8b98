/** The bulk parameter INSERT shortcut (ts/query/parse/bulk_values.ts) gives the full parse. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bulkValues } from '../../../ts/query/parse/bulk_values.js';
import { parseStatement } from '../../../ts/query/parse/index.js';
import { ErrorCode } from '../../../ts/types/index.js';

function rowsText(rows: number, columns: number, first = 1, spacing = ', '): string {
  const out: string[] = [];
  let n = first;
  for (let r = 0; r < rows; r++) {
    const params: string[] = [];
    for (let c = 0; c < columns; c++) params.push(`$${n++}`);
    out.push(`(${params.join(spacing)})`);
  }
  return out.join(spacing);
}

/** The same statement with a comment in its head, which the shortcut leaves to the parser. */
function fullyParsed(sql: string) {
  return parseStatement(sql.replace(/^(\s*)INSERT/i, '$1INSERT /* full */'));
}

function errorOf(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    const e = error as { code: string; message: string };
    return { code: e.code, message: e.message };
  }
  throw new Error('expected an error');
}

describe('bulk parameter INSERT', () => {
  const cases = [
    `INSERT INTO patients VALUES ${rowsText(1000, 4)}`,
    `insert into patients (id, name) values ${rowsText(50, 2, 1, ',')};`,
    `INSERT INTO "Patients" ("id", age) VALUES ${rowsText(20, 2, 3)} RETURNING id`,
    `INSERT INTO t VALUES ${rowsText(12, 3)} ON CONFLICT (id) DO UPDATE SET a = $1`,
    `INSERT INTO t VALUES ${rowsText(10, 1)} ON CONFLICT DO NOTHING`,
    `INSERT INTO t VALUES ($2, $1), ($1, $2), ($7, $7), ${rowsText(9, 2, 3)}`,
  ];
  for (const sql of cases) {
    it(`parses like the full parser: ${sql.slice(0, 40)}...`, () => {
      expect(bulkValues(sql)).toBeDefined();
      const fast = parseStatement(sql);
      expect(fast).toEqual(fullyParsed(sql));
      expect(Object.isFrozen(fast.statement)).toBe(true);
    });
  }

  it('counts every parameter of every row', () => {
    expect(parseStatement(`INSERT INTO t VALUES ${rowsText(1000, 4)}`).paramCount).toBe(4000);
  });

  it('leaves other shapes to the full parse', () => {
    expect(bulkValues(`INSERT INTO t VALUES ${rowsText(3, 2)}`)).toBeUndefined(); // short
    expect(bulkValues(`INSERT INTO t VALUES ${rowsText(10, 2)}, ($99)`)).toBeUndefined();
    expect(bulkValues(`INSERT INTO t VALUES ${rowsText(10, 2)}, (1, 2)`)).toBeUndefined();
    expect(bulkValues(`INSERT INTO t VALUES ${rowsText(10, 2)}::int`)).toBeUndefined();
    expect(bulkValues(`INSERT INTO t SELECT * FROM u`)).toBeUndefined();
    expect(bulkValues(`INSERT INTO t -- x\n VALUES ${rowsText(10, 2)}`)).toBeUndefined();
    expect(bulkValues(`SELECT 1`)).toBeUndefined();
  });

  it('reports errors as the full parse does', () => {
    const badTail = `INSERT INTO t VALUES ${rowsText(10, 2)} RETURNING (`;
    expect(bulkValues(badTail)).toBeDefined();
    const error = errorOf(() => parseStatement(badTail));
    expect(error.code).toBe(ErrorCode.SyntaxError);
    const full = errorOf(() => fullyParsed(badTail));
    // The same place in the text (the full parse's text has 11 more characters before it).
    expect(error.message.replace(/\d+/g, 'N')).toBe(full.message.replace(/\d+/g, 'N'));
    const reserved = `INSERT INTO select VALUES ${rowsText(10, 2)}`;
    expect(errorOf(() => parseStatement(reserved)).code).toBe(ErrorCode.SyntaxError);
  });
});

describe('bulk parameter INSERT, generated', () => {
  it('agrees with the full parse on generated statements', () => {
    const space = fc.constantFrom(' ', '  ', '\n', '\t', '');
    const word = fc.constantFrom('t', 'patients', 'T2', '"Mixed Case"', 'a_b$c', 'x.y');
    const tail = fc.constantFrom(
      '',
      ';',
      ' ;',
      ' RETURNING *',
      ' returning id, $1',
      ' ON CONFLICT (id) DO NOTHING',
      ' ON CONFLICT (id) DO UPDATE SET a = excluded.a',
    );
    fc.assert(
      fc.property(
        fc.constantFrom('INSERT', 'insert', 'Insert'),
        word,
        fc.option(
          fc.array(fc.constantFrom('id', 'a', 'b', '"c d"'), { minLength: 1, maxLength: 3 }),
        ),
        fc.integer({ min: 8, max: 40 }),
        fc.integer({ min: 1, max: 4 }),
        space,
        tail,
        fc.integer({ min: 1, max: 50 }),
        (insert, table, columns, rows, width, gap, end, first) => {
          const list = columns === null ? '' : ` (${columns.join(`,${gap}`)})`;
          const sql =
            `${insert} INTO ${table}${list}${gap}VALUES${gap}` +
            `${rowsText(rows, width, first, `,${gap}`)}${end}`;
          let fast: unknown;
          let full: unknown;
          try {
            fast = parseStatement(sql);
          } catch (error) {
            fast = { error: (error as { code?: string }).code };
          }
          try {
            full = fullyParsed(sql);
          } catch (error) {
            full = { error: (error as { code?: string }).code };
          }
          expect(fast).toEqual(full);
        },
      ),
      { numRuns: 150 },
    );
  });
});
