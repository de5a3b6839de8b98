/**
 * PostgreSQL through `psql`, for checking the generator itself (`run.ts --postgres ...`):
 * every generated query should be valid PostgreSQL, and PostgreSQL's answers should equal
 * SQLite's under the comparison rules, which shows the generator keeps out the constructs
 * where the two legitimately disagree. Not used by `npm test` (it needs a server).
 *
 * psql prints values as text; `align` reads them back as the kinds SQLite answered in each
 * column: in a column where SQLite has numbers, `t`/`f` are booleans (1/0) and the rest
 * numbers; `<NULL>` is NULL (no generated text is `<NULL>`).
 */
import { execFileSync } from 'node:child_process';
import { normaliseCell, type Outcome } from './compare.js';

const NUMBER = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i;
const SQLSTATE_CODES: Record<string, string> = {
  '22012': 'DIVISION_BY_ZERO',
  '22003': 'NUMERIC_OVERFLOW',
};

function cell(text: string, numeric: boolean): unknown {
  if (text === '<NULL>') return null;
  if (!numeric) return text;
  if (text === 't') return 1;
  if (text === 'f') return 0;
  return NUMBER.test(text) ? normaliseCell(Number(text), false) : text;
}

export class PostgresSide {
  readonly #connection: string;
  readonly #schema: string;

  /** `connection`: a libpq connection string, e.g. `host=/tmp/pg port=5432 user=postgres`. */
  constructor(connection: string, schema: string, statements: readonly string[]) {
    this.#connection = connection;
    this.#schema = schema;
    const setup = [`DROP SCHEMA IF EXISTS ${schema} CASCADE`, `CREATE SCHEMA ${schema}`];
    this.#psql([...setup, `SET search_path = ${schema}`, ...statements].join(';\n'));
  }

  #psql(script: string): string {
    const flags = [
      '-X',
      '-q',
      '-A',
      '-t',
      '-F',
      '\t',
      '-P',
      'null=<NULL>',
      '-v',
      'ON_ERROR_STOP=0',
    ];
    return execFileSync('psql', ['-d', this.#connection, ...flags], {
      input: script,
      encoding: 'utf8',
      // Errors are read from psql's ERROR and LAST_ERROR_SQLSTATE variables instead.
      stdio: ['pipe', 'pipe', 'ignore'],
      env: { ...process.env, PGOPTIONS: `-c search_path=${this.#schema}` },
      maxBuffer: 1 << 28,
    });
  }

  /** Runs `sql`: its output lines, or its error, and the rows it changed. */
  #run(sql: string): { lines: string[]; error: Outcome | undefined; count: number } {
    const marker = '###status';
    const out = this.#psql(`${sql};\n\\echo ${marker} :ERROR :LAST_ERROR_SQLSTATE :ROW_COUNT`);
    const lines = out.split('\n');
    const at = lines.findIndex((line) => line.startsWith(marker));
    const [, failed, sqlstate, count] = (lines[at] ?? '').split(' ');
    const code = SQLSTATE_CODES[sqlstate ?? ''];
    const error: Outcome | undefined =
      failed === 'true' ? { kind: 'error', code, message: `SQLSTATE ${sqlstate}` } : undefined;
    return { lines: lines.slice(0, at), error, count: Number(count) };
  }

  query(sql: string): Promise<Outcome> {
    const { lines, error } = this.#run(sql);
    const rows = lines.map((line) => line.split('\t'));
    return Promise.resolve(error ?? { kind: 'rows', rows });
  }

  execute(sql: string): Promise<Outcome> {
    const { error, count } = this.#run(sql);
    return Promise.resolve(error ?? { kind: 'changed', count });
  }

  /** `actual`'s text cells as the kinds of `expected`'s columns (see the file comment). */
  align(actual: Outcome, expected: Outcome): Outcome {
    if (actual.kind !== 'rows') return actual;
    const numeric = (column: number): boolean =>
      expected.kind === 'rows' && expected.rows.some((row) => typeof row[column] === 'number');
    const rows = actual.rows.map((row) =>
      row.map((text, column) => cell(String(text), numeric(column))),
    );
    return { kind: 'rows', rows };
  }
}
