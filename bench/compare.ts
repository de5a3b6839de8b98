/**
 * `npm run bench -- compare`: the same seeded workloads, in one run, on Kimberlite embedded
 * (and over the wire when `ts/server` loads), SQLite (better-sqlite3) plain and with a
 * hash-chained audit trigger, and PostgreSQL (`--pg <url>`) plain and with the same trigger.
 * See bench/README.md ("compare") for every workload and how to reproduce.
 *
 * Each engine runs every workload on its own fresh database, one engine after the other (so
 * they never compete for the cores), in this order:
 * 1. batched inserts: `--rows` patients in 1,000-row INSERTs (one statement, one transaction
 *    each), then two visits per patient the same way (not timed);
 * 2. point SELECT by key, 3. indexed range (1% of the rows), 4. join + GROUP BY (100
 *    patients), one caller awaiting each statement;
 * 5. durable single-row INSERTs into `visits`, 1 writer, then 16 concurrent writers;
 * 6. "as of": 1,000 balances updated 10 times; a point read of the state after update 5.
 * Then 7. startup + recovery of a `--recovery-gb` database, in fresh processes
 * (`compare_child.ts`).
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Engine,
  loadPg,
  loadSqlite,
  loadWire,
  openKimberlite,
  openKimberliteWire,
  openPg,
  openSqlite,
  type PatientRow,
  type VisitRow,
} from './compare_engines.js';
import { median, percentile, progress, randomSource, timedCalls } from './measure.js';
import { formatTable, grouped } from './report.js';

const CHILD = fileURLToPath(new URL('./compare_child.ts', import.meta.url));

export const COMPARE = {
  batchRows: 1000,
  writers: [1, 16] as readonly number[],
  visitsPerPatient: 2,
  rangeFraction: 0.01,
  joinPatients: 100,
  balances: 1000,
  balanceRounds: 10,
  /** The "as of" read reads the state after this many updates. */
  pastRound: 5,
  seed: 0x5eed,
} as const;

const WARDS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'] as const;
const AGES = 100;
const WARM_UP_SECONDS = 0.2;

export interface CompareOptions {
  readonly runs: number;
  readonly runSeconds: number;
  readonly rows: number;
  readonly pg?: string;
  readonly recoveryBytes: number;
  /** Engine names to run (all when undefined). */
  readonly engines?: readonly string[];
  readonly directory: string;
}

export interface CompareRow {
  readonly workload: string;
  /** What one unit of `perSecond` is: `rows` or `statements`. */
  readonly unit: string;
  readonly engine: string;
  readonly perSecond: number;
  readonly runs: readonly number[];
  /** Latency of one statement (one caller's), microseconds; NaN with several callers. */
  readonly p50Us: number;
  readonly p99Us: number;
  /** Bytes the workload added to the files per row it wrote, or the database's per row. */
  readonly bytesPerRow: number;
}

export interface RecoveryRow {
  readonly engine: string;
  readonly bytes: number;
  readonly rows: number;
  /** Milliseconds from open to the first point SELECT answered, each run in a new process. */
  readonly runs: readonly number[];
  readonly milliseconds: number;
}

export interface CompareResults {
  readonly engines: string[];
  readonly notMeasured: string[];
  readonly rows: CompareRow[];
  readonly recovery: RecoveryRow[];
}

export function patientRow(id: number): PatientRow {
  return [id, `Patient ${id}`, WARDS[id % WARDS.length] ?? 'A', (id * 7919) % AGES];
}

function visitRows(patient: number): VisitRow[] {
  return Array.from({ length: COMPARE.visitsPerPatient }, (_, v) => [
    patient * COMPARE.visitsPerPatient + v,
    patient,
    (patient * 31 + v * 17) % 500,
  ]);
}

/** A timed loop per run (after a short warm-up): the median rate and latency percentiles. */
async function timed(
  operation: () => Promise<unknown>,
  callers: number,
  options: CompareOptions,
): Promise<{ perSecond: number; runs: number[]; p50Us: number; p99Us: number }> {
  await timedCalls(operation, callers, Math.min(WARM_UP_SECONDS, options.runSeconds));
  const runs: number[] = [];
  const p50s: number[] = [];
  const p99s: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const { perSecond, latenciesUs } = await timedCalls(operation, callers, options.runSeconds);
    runs.push(perSecond);
    p50s.push(percentile(latenciesUs, 0.5));
    p99s.push(percentile(latenciesUs, 0.99));
  }
  return { perSecond: median(runs), runs, p50Us: median(p50s), p99Us: median(p99s) };
}

/** Runs workloads 1 to 6 on one engine (already opened on an empty database). */
async function runEngine(engine: Engine, options: CompareOptions): Promise<CompareRow[]> {
  const results: CompareRow[] = [];
  const push = (row: Omit<CompareRow, 'engine'>) => {
    results.push({ engine: engine.name, ...row });
    const latency = Number.isNaN(row.p50Us) ? '' : `, p50 ${row.p50Us.toFixed(0)} us`;
    progress(`${engine.name}: ${row.workload}: ${grouped(row.perSecond)} ${row.unit}/s${latency}`);
  };
  await engine.setup();
  const rows = options.rows;
  const random = randomSource(COMPARE.seed);

  // 1. Batched inserts: the load, in `runs` slices, each slice's rate one run.
  const emptyBytes = await engine.sizeBytes();
  const batchLatencies: number[] = [];
  const sliceRates: number[] = [];
  const slices = Math.max(1, Math.min(options.runs, Math.floor(rows / COMPARE.batchRows)));
  let next = 0;
  for (let slice = 0; slice < slices; slice++) {
    const end = slice === slices - 1 ? rows : Math.round(((slice + 1) * rows) / slices);
    const started = performance.now();
    const first = next;
    while (next < end) {
      const count = Math.min(COMPARE.batchRows, end - next);
      const batch = Array.from({ length: count }, (_, i) => patientRow(next + i));
      const before = performance.now();
      await engine.insertPatients(batch);
      batchLatencies.push((performance.now() - before) * 1000);
      next += count;
    }
    sliceRates.push((next - first) / ((performance.now() - started) / 1000));
  }
  const loadedBytes = await engine.sizeBytes();
  const sortedBatches = Float64Array.from(batchLatencies).sort();
  push({
    workload: `batched inserts (${grouped(COMPARE.batchRows)} rows per statement)`,
    unit: 'rows',
    perSecond: median(sliceRates),
    runs: sliceRates,
    p50Us: percentile(sortedBatches, 0.5),
    p99Us: percentile(sortedBatches, 0.99),
    bytesPerRow: (loadedBytes - emptyBytes) / rows,
  });
  for (let first = 0; first < rows; first += COMPARE.batchRows / COMPARE.visitsPerPatient) {
    const count = Math.min(COMPARE.batchRows / COMPARE.visitsPerPatient, rows - first);
    await engine.insertVisits(Array.from({ length: count }, (_, i) => visitRows(first + i)).flat());
  }
  const databaseRows = rows * (1 + COMPARE.visitsPerPatient);
  const perRow = (await engine.sizeBytes()) / databaseRows;

  // 2-4. Reads, one caller.
  const span = Math.max(1, Math.round(AGES * COMPARE.rangeFraction));
  const reads: [string, () => Promise<unknown>][] = [
    ['point SELECT by key', () => engine.pointSelect(random() % rows)],
    [
      `indexed range (${COMPARE.rangeFraction * 100}% of rows)`,
      () => {
        const low = random() % (AGES - span + 1);
        return engine.range(low, low + span - 1);
      },
    ],
    [
      `join + GROUP BY (${COMPARE.joinPatients} patients)`,
      () => {
        const low = random() % Math.max(1, rows - COMPARE.joinPatients);
        return engine.join(low, low + COMPARE.joinPatients - 1);
      },
    ],
  ];
  for (const [workload, read] of reads) {
    push({ workload, unit: 'statements', ...(await timed(read, 1, options)), bytesPerRow: perRow });
  }

  // 5. Durable single-row inserts.
  let nextVisit = rows * COMPARE.visitsPerPatient;
  const insert = () => engine.insertVisit([nextVisit++, random() % rows, random() % 500]);
  for (const writers of COMPARE.writers) {
    const before = await engine.sizeBytes();
    const firstVisit = nextVisit;
    const measured = await timed(insert, writers, options);
    const written = nextVisit - firstVisit;
    push({
      workload: `durable single-row inserts, ${writers} writer${writers === 1 ? '' : 's'}`,
      unit: 'rows',
      ...measured,
      ...(writers === 1 ? {} : { p50Us: Number.NaN, p99Us: Number.NaN }),
      bytesPerRow: ((await engine.sizeBytes()) - before) / written,
    });
  }

  // 6. "As of": the balances after update `pastRound` of `balanceRounds`.
  const balances = Math.min(COMPARE.balances, rows);
  await engine.insertBalances(balances);
  let past: bigint | number = 0;
  for (let round = 1; round <= COMPARE.balanceRounds; round++) {
    const state = await engine.updateBalances(round);
    if (round === COMPARE.pastRound) past = state;
  }
  const expected = (COMPARE.pastRound * (COMPARE.pastRound + 1)) / 2;
  const amount = amountOf(await engine.balanceAt(0, past));
  if (amount !== expected) {
    throw new Error(`compare: ${engine.name} read ${amount} as of update 5, expected ${expected}`);
  }
  push({
    workload: `"as of" point read (update ${COMPARE.pastRound} of ${COMPARE.balanceRounds})`,
    unit: 'statements',
    ...(await timed(() => engine.balanceAt(random() % balances, past), 1, options)),
    bytesPerRow: perRow,
  });
  return results;
}

/**
 * The amount an "as of" read returned, whatever the engine's result shape: Kimberlite's
 * `{ rows: [[amount]] }`, pg's `{ rows: [{ amount }] }` (a string for BIGINT), better-sqlite3's
 * `{ amount }`.
 */
function amountOf(result: unknown): number {
  let value: unknown = result;
  if (typeof value === 'object' && value !== null && 'rows' in value) {
    value = (value as { rows: unknown[] }).rows[0];
  }
  if (Array.isArray(value)) value = value[0];
  if (typeof value === 'object' && value !== null && 'amount' in value) {
    value = (value as { amount: unknown }).amount;
  }
  return Number(value);
}

/** Opens every engine that loads, one at a time, and runs workloads 1-6 on each. */
export async function runCompare(options: CompareOptions): Promise<CompareResults> {
  const notMeasured: string[] = [];
  const engines: string[] = [];
  const rows: CompareRow[] = [];
  const wanted = (name: string) => options.engines === undefined || options.engines.includes(name);
  const sqlite = await loadSqlite();
  const Pool = options.pg === undefined ? undefined : await loadPg();
  const wire = wanted('kimberlite (wire)') ? await loadWire() : undefined;
  const openers: [string, () => Promise<Engine>][] = [
    ['kimberlite', () => openKimberlite(join(options.directory, 'kimberlite'))],
  ];
  if (typeof wire === 'string') {
    notMeasured.push(`kimberlite (wire): not measured: ${wire}`);
  } else if (wire !== undefined) {
    openers.push([
      'kimberlite (wire)',
      () => openKimberliteWire(wire, join(options.directory, 'wire'), Math.max(...COMPARE.writers)),
    ]);
  }
  const sqliteWanted = wanted('sqlite') || wanted('sqlite+audit');
  const pgWanted = wanted('postgres') || wanted('postgres+audit');
  if (typeof sqlite === 'string') {
    if (sqliteWanted) notMeasured.push(`sqlite, sqlite+audit: not measured: ${sqlite}`);
  } else {
    for (const audit of [false, true]) {
      const name = audit ? 'sqlite+audit' : 'sqlite';
      openers.push([name, async () => openSqlite(sqlite, join(options.directory, name), audit)]);
    }
  }
  if (options.pg === undefined) {
    if (pgWanted)
      notMeasured.push(`postgres, postgres+audit: not measured: no --pg URL\n${PG_HOWTO}`);
  } else if (typeof Pool === 'string' || Pool === undefined) {
    if (pgWanted) notMeasured.push(`postgres, postgres+audit: not measured: ${Pool}`);
  } else {
    const url = options.pg;
    for (const audit of [false, true]) {
      const name = audit ? 'postgres+audit' : 'postgres';
      openers.push([name, () => openPg(Pool, url, audit, Math.max(...COMPARE.writers))]);
    }
  }
  for (const [name, open] of openers) {
    if (!wanted(name)) continue;
    progress(`${name}: ${grouped(options.rows)} patients`);
    rmSync(options.directory, { recursive: true, force: true });
    // One engine failing (a server gone, a trigger refused) leaves the others' figures.
    let engine: Engine | undefined;
    try {
      engine = await open();
      engines.push(engine.describe);
      rows.push(...(await runEngine(engine, options)));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      notMeasured.push(`${name}: FAILED, figures incomplete: ${message}`);
      progress(`${name}: FAILED: ${message}`);
    } finally {
      await engine?.close().catch(() => {});
      rmSync(options.directory, { recursive: true, force: true });
    }
  }
  const recovery = runRecovery(options, typeof sqlite !== 'string', notMeasured);
  rmSync(options.directory, { recursive: true, force: true });
  return { engines, notMeasured, rows, recovery };
}

export const PG_HOWTO = `  to include PostgreSQL, start one and pass its URL (Debian packages):
    sudo apt-get install -y postgresql            # PostgreSQL 15 on Debian 12
    PGBIN=$(ls -d /usr/lib/postgresql/*/bin | tail -1)
    $PGBIN/initdb -D /tmp/kb-pg -U postgres --auth=trust      # as a user other than root
    $PGBIN/pg_ctl -D /tmp/kb-pg -o "-p 54329 -k /tmp" -l /tmp/kb-pg.log start
    (as root: mkdir /tmp/kb-pg; chown postgres /tmp/kb-pg; run both as runuser -u postgres --)
    npm run bench -- compare --pg postgres://postgres@127.0.0.1:54329/postgres
  (or, with the distribution's cluster: sudo pg_ctlcluster 15 main start, and a role and
  database of yours; stop the temporary one with $PGBIN/pg_ctl -D /tmp/kb-pg stop)`;

/** Runs one child (`compare_child.ts`) and parses its JSON line. */
function child(args: readonly string[]): Record<string, number> {
  const result = spawnSync(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`compare: ${args.join(' ')} failed:\n${result.stderr}`);
  }
  const last = result.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as Record<string, number>;
}

/**
 * 7. Startup + recovery: a child fills a fresh database to `recoveryBytes` with batched
 * inserts and exits without closing it (as a crash after the last acknowledged write); then
 * `runs` children each open it, answer one point SELECT and exit the same way. PostgreSQL is
 * not measured: its recovery is the server's restart, which this script does not control.
 */
function runRecovery(
  options: CompareOptions,
  sqliteLoads: boolean,
  notMeasured: string[],
): RecoveryRow[] {
  const wanted = (name: string) => options.engines === undefined || options.engines.includes(name);
  const engines = ['kimberlite', ...(sqliteLoads ? ['sqlite', 'sqlite+audit'] : [])].filter(wanted);
  if (options.pg !== undefined && (wanted('postgres') || wanted('postgres+audit'))) {
    notMeasured.push(
      'postgres recovery: not measured: a restart of the server (pg_ctl stop -m immediate; ' +
        'pg_ctl start) is outside what --pg gives this script',
    );
  }
  const rows: RecoveryRow[] = [];
  for (const engine of engines) {
    const directory = join(options.directory, `recovery-${engine.replace(/\W/g, '_')}`);
    rmSync(directory, { recursive: true, force: true });
    try {
      progress(`${engine}: filling ${grouped(options.recoveryBytes / 1e6)} MB for recovery`);
      const filled = child(['fill', engine, directory, String(options.recoveryBytes)]);
      const runs: number[] = [];
      for (let run = 0; run < options.runs; run++) {
        runs.push(child(['open', engine, directory]).milliseconds ?? Number.NaN);
      }
      const row = {
        engine,
        bytes: filled.bytes ?? 0,
        rows: filled.rows ?? 0,
        runs,
        milliseconds: median(runs),
      };
      progress(`${engine}: open + first SELECT ${row.milliseconds.toFixed(0)} ms`);
      rows.push(row);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      notMeasured.push(`${engine} recovery: FAILED: ${message}`);
      progress(`${engine} recovery: FAILED: ${message}`);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }
  return rows;
}

// ---- report --------------------------------------------------------------------------------

function latency(us: number): string {
  if (Number.isNaN(us)) return '';
  return us >= 10_000 ? `${(us / 1000).toFixed(1)} ms` : `${us.toFixed(0)} us`;
}

/** One table per workload: every engine's rate, latency, bytes per row, and Kimberlite/it. */
export function formatCompare(results: CompareResults): string {
  const workloads = [...new Set(results.rows.map((row) => row.workload))];
  const sections = workloads.map((workload) => {
    const rows = results.rows.filter((row) => row.workload === workload);
    const unit = rows[0]?.unit ?? 'rows';
    const kimberlite = rows.find((row) => row.engine === 'kimberlite');
    const table = formatTable(
      ['engine', `${unit}/s`, 'p50', 'p99', 'bytes/row', 'kimberlite/this'],
      rows.map((row) => [
        row.engine,
        grouped(row.perSecond),
        latency(row.p50Us),
        latency(row.p99Us),
        Number.isFinite(row.bytesPerRow) ? grouped(row.bytesPerRow) : '',
        kimberlite === undefined || row === kimberlite
          ? ''
          : `${(kimberlite.perSecond / row.perSecond).toFixed(2)}x`,
      ]),
      (column) => column > 0,
    );
    return `## ${workload}\n${table}`;
  });
  if (results.recovery.length > 0) {
    const kimberlite = results.recovery.find((row) => row.engine === 'kimberlite');
    const table = formatTable(
      ['engine', 'MB', 'rows', 'open + 1st SELECT', 'kimberlite time/this'],
      results.recovery.map((row) => [
        row.engine,
        (row.bytes / 1e6).toFixed(1),
        grouped(row.rows),
        `${row.milliseconds.toFixed(0)} ms`,
        kimberlite === undefined || row === kimberlite
          ? ''
          : `${(kimberlite.milliseconds / row.milliseconds).toFixed(2)}x`,
      ]),
      (column) => column > 0,
    );
    sections.push(
      `## startup + recovery (exit without close, then open in a new process)\n${table}`,
    );
  }
  return sections.join('\n\n');
}

/**
 * The targets: Kimberlite ahead of SQLite and PostgreSQL with the audit trigger on
 * every durable-write workload; point SELECT within 2x of plain SQLite.
 */
export function formatCompareTargets(results: CompareResults): string {
  const find = (workload: string, engine: string) =>
    results.rows.find((row) => row.workload.startsWith(workload) && row.engine === engine);
  const lines: string[] = [];
  const writes = [...new Set(results.rows.map((row) => row.workload))].filter(
    (workload) => workload.startsWith('durable') || workload.startsWith('batched'),
  );
  for (const peer of ['sqlite+audit', 'postgres+audit']) {
    for (const workload of writes) {
      const ours = find(workload, 'kimberlite');
      const theirs = find(workload, peer);
      if (ours === undefined || theirs === undefined) continue;
      const ratio = ours.perSecond / theirs.perSecond;
      lines.push(
        `${ratio > 1 ? 'met ' : 'MISS'}  ahead of ${peer}, ${workload}: ${ratio.toFixed(2)}x`,
      );
    }
  }
  const ours = find('point SELECT', 'kimberlite');
  const sqlite = find('point SELECT', 'sqlite');
  if (ours !== undefined && sqlite !== undefined) {
    const ratio = sqlite.perSecond / ours.perSecond;
    lines.push(
      `${ratio <= 2 ? 'met ' : 'MISS'}  point SELECT within 2x of plain sqlite: ` +
        `sqlite is ${ratio.toFixed(2)}x kimberlite (p50 ${latency(ours.p50Us)} vs ` +
        `${latency(sqlite.p50Us)})`,
    );
  }
  return lines.length === 0 ? 'n/a   (no peer measured)' : lines.join('\n');
}
