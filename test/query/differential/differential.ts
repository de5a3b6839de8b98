/**
 * The differential run: one seed gives a schema, its rows and a stream of queries; each query
 * runs on SQLite and on our engine and the answers must agree (queries.ts says how each shape
 * is checked). Without an engine of ours the run only checks that SQLite accepts every
 * generated query, which is how the generator itself is tested.
 */
import { compareRows, multisetOperation, type Outcome, showOutcome } from './compare.js';
import { deriveSeed, Prng } from './prng.js';
import { type GenQuery, generateQuery } from './queries.js';
import { type GenTable, generateTables, setupStatements } from './schema.js';
import type { SqliteSide } from './sqlite_side.js';

export interface Failure {
  readonly seed: number;
  readonly index: number;
  readonly query: GenQuery;
  readonly reason: string;
  readonly expected: Outcome;
  readonly actual: Outcome | undefined;
}

export interface RunReport {
  readonly failures: Failure[];
  checked: number;
  /** Queries both engines refused: allowed, but a sign the generator made invalid SQL. */
  bothErrored: number;
  readonly shapes: Map<string, number>;
  /** The slowest query checked (both engines' time), to spot performance cliffs. */
  slowest: { index: number; millis: number } | undefined;
}

/** The engine checked against SQLite: ours, or PostgreSQL when checking the generator. */
export interface Engine {
  query(sql: string): Promise<Outcome>;
  /** Runs a write (UPDATE, DELETE): the rows it changed. */
  execute(sql: string): Promise<Outcome>;
  /** Reads `actual` in the light of SQLite's answer (PostgreSQL's text output needs it). */
  align?(actual: Outcome, expected: Outcome): Outcome;
}

export interface Verdict {
  readonly reason: string | undefined;
  readonly expected: Outcome;
  readonly actual: Outcome | undefined;
  readonly bothErrored: boolean;
}

/** The schema and data of a seed, as tables and as the statements that create them. */
export function database(seed: number): { tables: GenTable[]; statements: string[] } {
  const tables = generateTables(new Prng(seed));
  return { tables, statements: setupStatements(tables) };
}

export function queryAt(tables: readonly GenTable[], seed: number, index: number): GenQuery {
  return generateQuery(tables, deriveSeed(seed, index));
}

/** What SQLite says the answer is (computed for INTERSECT/EXCEPT ALL, which it lacks). */
function expectedOutcome(query: GenQuery, sqlite: SqliteSide): Outcome {
  if (query.oracle.kind !== 'multiset') return sqlite.query(query.sql);
  const left = sqlite.query(query.oracle.left);
  if (left.kind !== 'rows') return left;
  const right = sqlite.query(query.oracle.right);
  if (right.kind !== 'rows') return right;
  return { kind: 'rows', rows: multisetOperation(query.oracle.op, left.rows, right.rows) };
}

/** The verdict on a probe that must raise `code` exactly when SQLite counts bad rows. */
function raisesVerdict(
  query: GenQuery,
  code: string,
  outcomes: { expected: Outcome; actual: Outcome; bad: Outcome },
): Verdict {
  const { expected, actual, bad } = outcomes;
  const base = { expected, actual, bothErrored: false };
  const count = bad.kind === 'rows' ? Number(bad.rows[0]?.[0]) : Number.NaN;
  if (!(count >= 0)) return { ...base, reason: `counting bad rows failed: ${showOutcome(bad)}` };
  if (count === 0) return { ...base, reason: rowsReason(query, expected, actual) };
  if (actual.kind === 'error' && actual.code === code) return { ...base, reason: undefined };
  return { ...base, reason: `${count} rows must raise ${code}` };
}

function rowsReason(query: GenQuery, expected: Outcome, actual: Outcome): string | undefined {
  return outcomesReason(expected, actual, query.ordered);
}

/** Undefined when two outcomes agree: both errors, equal change counts, or equal rows. */
export function outcomesReason(expected: Outcome, actual: Outcome, ordered: boolean) {
  if (expected.kind === 'error' && actual.kind === 'error') return undefined;
  if (expected.kind === 'error') return 'SQLite refused the statement but our engine ran it';
  if (actual.kind === 'error') return 'our engine refused the statement but SQLite ran it';
  if (expected.kind === 'rows' && actual.kind === 'rows') {
    return compareRows(expected.rows, actual.rows, ordered);
  }
  if (expected.kind === 'changed' && actual.kind === 'changed') {
    const same = expected.count === actual.count;
    return same ? undefined : `changed ${actual.count} rows, expected ${expected.count}`;
  }
  return `expected ${expected.kind}, got ${actual.kind}`;
}

export async function check(
  query: GenQuery,
  sqlite: SqliteSide,
  ours: Engine | undefined,
): Promise<Verdict> {
  const expected = expectedOutcome(query, sqlite);
  if (ours === undefined) {
    const reason = expected.kind === 'error' ? 'SQLite refused the generated query' : undefined;
    return { reason, expected, actual: undefined, bothErrored: false };
  }
  const answer = await ours.query(query.sql);
  const actual = ours.align === undefined ? answer : ours.align(answer, expected);
  if (query.oracle.kind === 'raises') {
    const bad = sqlite.query(query.oracle.badRows);
    return raisesVerdict(query, query.oracle.code, { expected, actual, bad });
  }
  const bothErrored = expected.kind === 'error' && actual.kind === 'error';
  return { reason: rowsReason(query, expected, actual), expected, actual, bothErrored };
}

export async function runQueries(options: {
  readonly seed: number;
  readonly tables: readonly GenTable[];
  readonly indexes: Iterable<number>;
  readonly sqlite: SqliteSide;
  readonly ours: Engine | undefined;
  readonly failuresMax: number;
}): Promise<RunReport> {
  const report: RunReport = {
    failures: [],
    checked: 0,
    bothErrored: 0,
    shapes: new Map(),
    slowest: undefined,
  };
  for (const index of options.indexes) {
    const query = queryAt(options.tables, options.seed, index);
    const started = performance.now();
    const verdict = await check(query, options.sqlite, options.ours);
    const millis = Math.round(performance.now() - started);
    if (millis > (report.slowest?.millis ?? -1)) report.slowest = { index, millis };
    report.checked++;
    report.shapes.set(query.shape, (report.shapes.get(query.shape) ?? 0) + 1);
    if (verdict.bothErrored) report.bothErrored++;
    if (verdict.reason === undefined) continue;
    const { reason, expected, actual } = verdict;
    report.failures.push({ seed: options.seed, index, query, reason, expected, actual });
    if (report.failures.length >= options.failuresMax) break;
  }
  return report;
}

export function describeFailure(failure: Failure): string {
  const { seed, index, query } = failure;
  const computed = query.oracle.kind === 'multiset' ? ' (from its operands, as a multiset)' : '';
  const lines = [
    `Differential mismatch, seed ${seed}, query ${index} (${query.shape}): ${failure.reason}`,
    `SQL: ${query.sql}`,
    `SQLite${computed}: ${showOutcome(failure.expected)}`,
  ];
  if (failure.actual !== undefined) lines.push(`Kimberlite: ${showOutcome(failure.actual)}`);
  lines.push(
    `Re-run: npm run test:differential -- --seed ${failure.seed} --query ${failure.index}`,
  );
  return lines.join('\n');
}
