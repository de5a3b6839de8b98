/**
 * `npm run bench -- sql`: SQL statements through the embedded API (`tenant.query` /
 * `tenant.execute`) on a data directory under `bench/results/query/` (deleted after).
 *
 * Schema: `patients (id BIGINT PRIMARY KEY, name TEXT NOT NULL, ward VARCHAR(20), age
 * INTEGER)` with an index on `age`, and `visits (id BIGINT PRIMARY KEY, patient_id BIGINT NOT
 * NULL, cost INTEGER)` with an index on `patient_id`; `--rows` patients and two visits each,
 * loaded with 1,000-row INSERTs.
 *
 * Workloads (statements/s and each statement's latency p50/p99, median over `--runs`):
 * 1. point SELECT `SELECT * FROM patients WHERE id = $1` (warm statement cache), and beside it
 *    the raw store lookup it rests on, `tenant.get('patients', id)`: the target compares them.
 * 2. indexed range `SELECT id, name FROM patients WHERE age BETWEEN $1 AND $2` (about 1% of
 *    the rows).
 * 3. join + GROUP BY `SELECT p.ward, COUNT(*), SUM(v.cost) FROM patients p JOIN visits v ON
 *    v.patient_id = p.id WHERE p.id BETWEEN $1 AND $2 GROUP BY p.ward` (100 patients).
 * 4. single-row INSERT `INSERT INTO visits VALUES ($1, $2, $3)`, durable, with 1 writer and
 *    with 64 concurrent writers.
 * Reads run with one caller awaiting each statement, and with `CONCURRENT_READERS` callers at
 * once (as a server's connections would); the targets read the concurrent figures.
 *
 * Targets (issue 5): point SELECT >= 100,000/s with a warm statement cache; a point SELECT
 * costs at most 2x the raw store lookup (p50 against p50).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { Kimberlite, type Tenant } from '../ts/runtime/index.js';
import {
  type MeasureOptions,
  median,
  percentile,
  progress,
  randomSource,
  timedCalls,
} from './measure.js';
import { formatTable, grouped } from './report.js';

export const SQL_TARGETS = {
  pointSelectsPerSecondMin: 100_000,
  pointSelectOverLookupMax: 2,
} as const;

const CONCURRENT_READERS = 16;
const CONCURRENT_WRITERS = 64;
const LOAD_ROWS_PER_INSERT = 1000;
const VISITS_PER_PATIENT = 2;
const RANGE_FRACTION = 0.01;
const JOIN_PATIENTS = 100;
const WARDS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'] as const;
const AGES = 100;

export interface SqlOptions extends MeasureOptions {
  readonly tableRows: number;
}

export interface SqlRow {
  readonly workload: string;
  readonly callers: number;
  /** Statements/s, median over the runs. */
  readonly perSecond: number;
  readonly runs: readonly number[];
  /** Median over the runs of each run's percentile, microseconds (one caller only). */
  readonly p50Us: number;
  readonly p99Us: number;
}

async function load(tenant: Tenant, rows: number): Promise<void> {
  await tenant.execute(
    'CREATE TABLE patients ' +
      '(id BIGINT PRIMARY KEY, name TEXT NOT NULL, ward VARCHAR(20), age INTEGER)',
  );
  await tenant.execute('CREATE INDEX patients_by_age ON patients (age)');
  await tenant.execute(
    'CREATE TABLE visits (id BIGINT PRIMARY KEY, patient_id BIGINT NOT NULL, cost INTEGER)',
  );
  await tenant.execute('CREATE INDEX visits_by_patient ON visits (patient_id)');
  for (let first = 0; first < rows; first += LOAD_ROWS_PER_INSERT) {
    const count = Math.min(LOAD_ROWS_PER_INSERT, rows - first);
    const patients: unknown[] = [];
    const visits: unknown[] = [];
    for (let i = 0; i < count; i++) {
      const id = first + i;
      patients.push(id, `Patient ${id}`, WARDS[id % WARDS.length], (id * 7919) % AGES);
      for (let v = 0; v < VISITS_PER_PATIENT; v++) {
        visits.push(id * VISITS_PER_PATIENT + v, id, (id * 31 + v * 17) % 500);
      }
    }
    await tenant.execute(`INSERT INTO patients VALUES ${placeholders(count, 4)}`, patients);
    await tenant.execute(
      `INSERT INTO visits VALUES ${placeholders(count * VISITS_PER_PATIENT, 3)}`,
      visits,
    );
  }
}

/** `($1, $2), ($3, $4), ...`: `rows` tuples of `width` parameters. */
function placeholders(rows: number, width: number): string {
  const tuples: string[] = [];
  for (let row = 0; row < rows; row++) {
    const cells = Array.from({ length: width }, (_, i) => `$${row * width + i + 1}`);
    tuples.push(`(${cells.join(', ')})`);
  }
  return tuples.join(', ');
}

async function measureWorkload(
  workload: string,
  statement: () => Promise<unknown>,
  callers: number,
  options: MeasureOptions,
): Promise<SqlRow> {
  await timedCalls(statement, callers, Math.min(0.3, options.runSeconds)); // warm-up
  const runs: number[] = [];
  const p50s: number[] = [];
  const p99s: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const { perSecond, latenciesUs } = await timedCalls(statement, callers, options.runSeconds);
    runs.push(perSecond);
    p50s.push(percentile(latenciesUs, 0.5));
    p99s.push(percentile(latenciesUs, 0.99));
  }
  const row = {
    workload,
    callers,
    perSecond: median(runs),
    runs,
    p50Us: median(p50s),
    p99Us: median(p99s),
  };
  progress(`${workload}, ${callers} caller(s): ${grouped(row.perSecond)}/s`);
  return row;
}

export async function runSqlBenchmarks(options: SqlOptions, directory: string): Promise<SqlRow[]> {
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const db = await Kimberlite.open(directory);
  try {
    const tenant = await db.createTenant(1, { name: 'clinic' });
    const rows = options.tableRows;
    progress(`loading ${grouped(rows)} patients and ${grouped(rows * VISITS_PER_PATIENT)} visits`);
    await load(tenant, rows);
    const random = randomSource(0x5eed);
    const span = Math.max(1, Math.round(AGES * RANGE_FRACTION));
    const reads: [string, () => Promise<unknown>][] = [
      [
        'point SELECT by key',
        () => tenant.query('SELECT * FROM patients WHERE id = $1', [random() % rows]),
      ],
      ['raw store lookup (get)', () => tenant.get('patients', random() % rows)],
      [
        'indexed range (1% of rows)',
        () => {
          const low = random() % (AGES - span + 1);
          return tenant.query('SELECT id, name FROM patients WHERE age BETWEEN $1 AND $2', [
            low,
            low + span - 1,
          ]);
        },
      ],
      [
        'join + GROUP BY (100 patients)',
        () => {
          const low = random() % Math.max(1, rows - JOIN_PATIENTS);
          return tenant.query(
            'SELECT p.ward, COUNT(*), SUM(v.cost) FROM patients p JOIN visits v ' +
              'ON v.patient_id = p.id WHERE p.id BETWEEN $1 AND $2 GROUP BY p.ward',
            [low, low + JOIN_PATIENTS - 1],
          );
        },
      ],
    ];
    const results: SqlRow[] = [];
    for (const [workload, statement] of reads) {
      for (const callers of [1, CONCURRENT_READERS]) {
        results.push(await measureWorkload(workload, statement, callers, options));
      }
    }
    let nextVisit = rows * VISITS_PER_PATIENT;
    const insert = () =>
      tenant.execute('INSERT INTO visits VALUES ($1, $2, $3)', [
        nextVisit++,
        random() % rows,
        random() % 500,
      ]);
    for (const callers of [1, CONCURRENT_WRITERS]) {
      results.push(await measureWorkload('single-row INSERT (durable)', insert, callers, options));
    }
    return results;
  } finally {
    await db.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

export function formatSqlRows(rows: readonly SqlRow[]): string {
  return formatTable(
    ['workload', 'callers', 'statements/s', 'p50 us', 'p99 us'],
    rows.map((row) => [
      row.workload,
      String(row.callers),
      grouped(row.perSecond),
      row.callers === 1 ? row.p50Us.toFixed(1) : '',
      row.callers === 1 ? row.p99Us.toFixed(1) : '',
    ]),
    (column) => column > 0,
  );
}

export function formatSqlTargets(rows: readonly SqlRow[]): string {
  const find = (workload: string, callers: number) =>
    rows.find((row) => row.workload.startsWith(workload) && row.callers === callers);
  const point = find('point SELECT', CONCURRENT_READERS);
  const pointOne = find('point SELECT', 1);
  const lookupOne = find('raw store lookup', 1);
  const lines: string[] = [];
  if (point !== undefined) {
    const met = point.perSecond >= SQL_TARGETS.pointSelectsPerSecondMin;
    lines.push(
      `  point SELECT >= ${grouped(SQL_TARGETS.pointSelectsPerSecondMin)}/s ` +
        `(${CONCURRENT_READERS} callers): ${grouped(point.perSecond)}/s ${met ? 'met' : 'NOT met'}`,
    );
  }
  if (pointOne !== undefined && lookupOne !== undefined) {
    const ratio = pointOne.p50Us / lookupOne.p50Us;
    const met = ratio <= SQL_TARGETS.pointSelectOverLookupMax;
    lines.push(
      `  point SELECT p50 <= ${SQL_TARGETS.pointSelectOverLookupMax}x raw lookup p50: ` +
        `${pointOne.p50Us.toFixed(1)} us / ${lookupOne.p50Us.toFixed(1)} us = ` +
        `${ratio.toFixed(2)}x ${met ? 'met' : 'NOT met'}`,
    );
  }
  return lines.join('\n');
}
