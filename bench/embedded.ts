/**
 * `npm run bench -- embedded`: the embedded database end to end through `Kimberlite.open`, on
 * data directories under `bench/results/embedded/` (deleted after). Every write is durable
 * (the promise resolves once its batch is synced); reads see what is durable.
 *
 * 1. **durable inserts**: single-row `tenant.insert` into `patients (id BIGINT PRIMARY KEY, name
 *    TEXT NOT NULL, ward VARCHAR(20), visits INTEGER)` with 1 writer (each awaits its insert
 *    before the next) and with 64 concurrent writers (group commit batches them); rows/s.
 * 2. **point lookups**: `tenant.get` of a random key of `visits (patient BIGINT, seq INTEGER,
 *    note TEXT, ward VARCHAR(20); PRIMARY KEY (patient, seq))`, `--rows` rows (100 per patient)
 *    written in 1,000-row inserts; lookups/s and each lookup's latency (p50, p99) in us.
 * 3. **range scans**: `tenant.scan` of one random patient's 100 visits (`prefix`), and of the
 *    first 10,000 rows (`limit`); rows/s.
 * 4. **replay**: close, then `Kimberlite.open(dir, { rebuild: true })` in a fresh process (as
 *    after a restart), which deletes the projection stores and replays the whole log. Rates:
 *    the replay phase (`db.recovery`: reading each partition, decrypting, decoding, applying,
 *    writing the store: the target's figure) and the whole open (which also recovers the log,
 *    verifying the last segment of the journal, the system log and each partition). Twice:
 *    the database of (1), every row its own single-row command (the honest figure), and the
 *    database of (2), 1,000 rows per command. And the same open of a database holding no rows
 *    (the fixed part).
 *
 * Throughput is a timed loop per run (async durable writes do not fit Benchmark.js), one short
 * untimed warm-up first, then the median of `--runs` runs of `--seconds` each.
 *
 * Targets: >= 50,000 inserts/s with 64 writers; lookup p50 <= 20 us; single-row replay
 * >= 200,000 rows/s.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kimberlite, type Tenant } from '../ts/runtime/index.js';
import {
  type Measurement,
  type MeasureOptions,
  median,
  percentile,
  progress,
  randomSource,
  timedCalls,
} from './measure.js';
import { formatTable, grouped } from './report.js';

const REPLAY_CHILD = fileURLToPath(new URL('./replay_child.ts', import.meta.url));

export interface EmbeddedOptions extends MeasureOptions {
  /** Rows of the lookup / scan table (and of the multi-row replay). */
  readonly tableRows: number;
}

/** The targets. */
export const EMBEDDED_TARGETS = {
  concurrentWriters: 64,
  insertsPerSecondMin: 50_000,
  lookupP50UsMax: 20,
  replayRowsPerSecondMin: 200_000,
} as const;

const WRITER_COUNTS = [1, EMBEDDED_TARGETS.concurrentWriters] as const;
const VISITS_PER_PATIENT = 100;
const BULK_ROWS_PER_INSERT = 1000;
const BULK_CONCURRENT_INSERTS = 4;
const SCAN_LIMIT_ROWS = 10_000;
const WARM_UP_SECONDS = 0.2;
const SYNC_SAMPLE_SECONDS = 0.2;
const WARDS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'] as const;

export interface InsertRow {
  readonly writers: number;
  /** rows/s, one row per durable insert. */
  readonly measurement: Measurement;
  /**
   * Median microseconds of one synced 4 KiB write (`writeSync` + `fdatasyncSync`), sampled
   * in turns with this row's runs: with one sync per batch and each writer awaiting its
   * insert, `writers` rows per synced write is the most group commit can reach.
   */
  readonly syncedWriteUs: number;
}

export interface LookupRow {
  readonly tableRows: number;
  /** lookups/s. */
  readonly measurement: Measurement;
  /** Median over the runs of each run's percentile, microseconds. */
  readonly p50Us: number;
  readonly p99Us: number;
  readonly runsP50Us: readonly number[];
  readonly runsP99Us: readonly number[];
}

export interface ScanRow {
  readonly workload: string;
  readonly rowsPerScan: number;
  /** rows/s. */
  readonly measurement: Measurement;
}

export interface ReplayRow {
  readonly workload: string;
  readonly rows: number;
  readonly rowsPerCommand: number;
  /** rows/s: rows in the log over the time `Kimberlite.open(dir, { rebuild: true })` took. */
  readonly measurement: Measurement;
  /**
   * rows/s of the replay phase alone (`db.recovery`: reading the partition, decrypting,
   * decoding, applying, writing the store), without the log's own recovery at open.
   */
  readonly replayPhase: Measurement;
}

export interface EmbeddedResults {
  readonly inserts: InsertRow[];
  /** Filling the lookup table: rows/s of 1,000-row inserts, 4 in flight (one run). */
  readonly bulkLoadRowsPerSecond: number;
  readonly lookups: LookupRow;
  readonly scans: ScanRow[];
  readonly replays: ReplayRow[];
  /** Seconds a rebuild takes with no rows (storage open, recovery, key loading). */
  readonly fixedOpenSeconds: number;
}

function patient(id: number) {
  return {
    id,
    name: `Patient ${id} Surname-${(id * 2654435761) % 100_000}`,
    ward: WARDS[id % WARDS.length] ?? 'A',
    visits: id % 17,
  };
}

function visit(patientId: number, seq: number) {
  return {
    patient: patientId,
    seq,
    note: `visit ${seq} of patient ${patientId}: routine check, no findings`,
    ward: WARDS[(patientId + seq) % WARDS.length] ?? 'A',
  };
}

/**
 * Synced 4 KiB writes (`writeSync` + `fdatasyncSync`) into a pre-written file on the data
 * directory's disk, sampled in turns with the insert runs: a shared virtual disk's sync
 * latency drifts, so the ceiling is computed from samples taken beside each run.
 */
class SyncProbe {
  static readonly #fileBytes = 16 * 1024 * 1024;
  readonly #path: string;
  readonly #fd: number;
  readonly #page = new Uint8Array(4096).fill(0x5a);
  #at = 0;

  constructor(directory: string) {
    this.#path = join(directory, 'sync.bin');
    this.#fd = openSync(this.#path, 'w+');
    for (let at = 0; at < SyncProbe.#fileBytes; at += this.#page.length) {
      writeSync(this.#fd, this.#page, 0, this.#page.length, at);
    }
    fdatasyncSync(this.#fd);
  }

  /** Synced writes for `seconds`; each one's microseconds. */
  sample(seconds: number): number[] {
    const samples: number[] = [];
    const deadline = performance.now() + seconds * 1000;
    while (performance.now() < deadline) {
      const before = performance.now();
      writeSync(this.#fd, this.#page, 0, this.#page.length, this.#at);
      fdatasyncSync(this.#fd);
      samples.push((performance.now() - before) * 1000);
      this.#at = (this.#at + this.#page.length) % SyncProbe.#fileBytes;
    }
    return samples;
  }

  close(): void {
    closeSync(this.#fd);
    rmSync(this.#path, { force: true });
  }
}

/** Opens a fresh database in `directory` with one tenant. */
async function freshDatabase(directory: string): Promise<{ db: Kimberlite; tenant: Tenant }> {
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const db = await Kimberlite.open(directory);
  const tenant = await db.createTenant(1, { name: 'clinic' });
  return { db, tenant };
}

/**
 * `writers` concurrent loops, each inserting one row and awaiting it, until `seconds` pass;
 * returns rows/s (every writer's last insert, started before the deadline, is counted).
 */
async function insertRun(
  tenant: Tenant,
  writers: number,
  seconds: number,
  nextId: () => number,
): Promise<number> {
  const insert = () => tenant.insert('patients', patient(nextId()));
  return (await timedCalls(insert, writers, seconds)).perSecond;
}

async function insertBenchmarks(
  tenant: Tenant,
  options: MeasureOptions,
  probe: SyncProbe,
): Promise<{ rows: InsertRow[]; inserted: () => number }> {
  await tenant.createTable(
    'patients',
    [
      { name: 'id', type: 'BIGINT', notNull: true },
      { name: 'name', type: 'TEXT', notNull: true },
      { name: 'ward', type: 'VARCHAR(20)' },
      { name: 'visits', type: 'INTEGER' },
    ],
    { primaryKey: 'id' },
  );
  let id = 0;
  const nextId = () => id++;
  const rows: InsertRow[] = [];
  for (const writers of WRITER_COUNTS) {
    await insertRun(tenant, writers, Math.min(WARM_UP_SECONDS, options.runSeconds), nextId);
    const runs: number[] = [];
    const syncSamples: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      syncSamples.push(...probe.sample(Math.min(SYNC_SAMPLE_SECONDS, options.runSeconds)));
      runs.push(await insertRun(tenant, writers, options.runSeconds, nextId));
    }
    const measurement = { opsPerSecond: median(runs), runs };
    const syncedWriteUs = median(syncSamples);
    progress(
      `insert, ${writers} writer(s): ${grouped(measurement.opsPerSecond)} rows/s ` +
        `(synced 4 KiB write in turns: ${syncedWriteUs.toFixed(0)} us)`,
    );
    rows.push({ writers, measurement, syncedWriteUs });
  }
  return { rows, inserted: () => id };
}

/** Fills `visits` with `tableRows` rows in 1,000-row inserts, a few in flight; rows/s. */
async function bulkLoad(tenant: Tenant, tableRows: number): Promise<number> {
  await tenant.createTable(
    'visits',
    [
      { name: 'patient', type: 'BIGINT', notNull: true },
      { name: 'seq', type: 'INTEGER', notNull: true },
      { name: 'note', type: 'TEXT' },
      { name: 'ward', type: 'VARCHAR(20)' },
    ],
    { primaryKey: ['patient', 'seq'] },
  );
  const started = performance.now();
  let next = 0;
  const loader = async () => {
    while (next < tableRows) {
      const first = next;
      const count = Math.min(BULK_ROWS_PER_INSERT, tableRows - first);
      next += count;
      const batch = Array.from({ length: count }, (_, i) => {
        const row = first + i;
        return visit(Math.floor(row / VISITS_PER_PATIENT), row % VISITS_PER_PATIENT);
      });
      await tenant.insert('visits', batch);
    }
  };
  await Promise.all(Array.from({ length: BULK_CONCURRENT_INSERTS }, loader));
  return tableRows / ((performance.now() - started) / 1000);
}

/** Random point lookups for `seconds`, each one timed; lookups/s and sorted latencies (us). */
async function lookupRun(
  tenant: Tenant,
  tableRows: number,
  seconds: number,
  random: () => number,
): Promise<{ perSecond: number; latenciesUs: Float64Array }> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let now = started;
  while (now < deadline) {
    const row = random() % tableRows;
    const key = [Math.floor(row / VISITS_PER_PATIENT), row % VISITS_PER_PATIENT];
    const before = performance.now();
    const found = await tenant.get('visits', key);
    now = performance.now();
    if (found === undefined) throw new Error(`embedded bench: visit ${key.join('/')} is missing`);
    latencies.push((now - before) * 1000);
  }
  const latenciesUs = Float64Array.from(latencies).sort();
  return { perSecond: latencies.length / ((now - started) / 1000), latenciesUs };
}

async function lookupBenchmark(
  tenant: Tenant,
  tableRows: number,
  options: MeasureOptions,
): Promise<LookupRow> {
  const random = randomSource(0x5eed);
  await lookupRun(tenant, tableRows, Math.min(WARM_UP_SECONDS, options.runSeconds), random);
  const runs: number[] = [];
  const runsP50Us: number[] = [];
  const runsP99Us: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const { perSecond, latenciesUs } = await lookupRun(
      tenant,
      tableRows,
      options.runSeconds,
      random,
    );
    runs.push(perSecond);
    runsP50Us.push(percentile(latenciesUs, 0.5));
    runsP99Us.push(percentile(latenciesUs, 0.99));
  }
  const row = {
    tableRows,
    measurement: { opsPerSecond: median(runs), runs },
    p50Us: median(runsP50Us),
    p99Us: median(runsP99Us),
    runsP50Us,
    runsP99Us,
  };
  progress(
    `get: ${grouped(row.measurement.opsPerSecond)} lookups/s, ` +
      `p50 ${row.p50Us.toFixed(1)} us, p99 ${row.p99Us.toFixed(1)} us`,
  );
  return row;
}

/** Scans for `seconds`; rows/s. */
async function scanRun(scan: () => Promise<number>, seconds: number): Promise<number> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let rows = 0;
  let now = started;
  while (now < deadline) {
    rows += await scan();
    now = performance.now();
  }
  return rows / ((now - started) / 1000);
}

async function scanBenchmarks(
  tenant: Tenant,
  tableRows: number,
  options: MeasureOptions,
): Promise<ScanRow[]> {
  const patients = Math.max(1, Math.floor(tableRows / VISITS_PER_PATIENT));
  const random = randomSource(0xca11);
  const limit = Math.min(SCAN_LIMIT_ROWS, tableRows);
  const workloads = [
    {
      workload: `prefix (1 patient, ${VISITS_PER_PATIENT} rows)`,
      rowsPerScan: Math.min(VISITS_PER_PATIENT, tableRows),
      scan: async () =>
        (await tenant.scan('visits', { prefix: [random() % patients], limit: 1000 })).length,
    },
    {
      workload: `limit ${grouped(limit)} from the start`,
      rowsPerScan: limit,
      scan: async () => (await tenant.scan('visits', { limit })).length,
    },
  ];
  const rows: ScanRow[] = [];
  for (const { workload, rowsPerScan, scan } of workloads) {
    await scanRun(scan, Math.min(WARM_UP_SECONDS, options.runSeconds));
    const runs: number[] = [];
    for (let run = 0; run < options.runs; run++) runs.push(await scanRun(scan, options.runSeconds));
    const measurement = { opsPerSecond: median(runs), runs };
    progress(`scan ${workload}: ${grouped(measurement.opsPerSecond)} rows/s`);
    rows.push({ workload, rowsPerScan, measurement });
  }
  return rows;
}

/**
 * Rebuilds the directory `runs` times, each in a fresh process (`replay_child.ts`), as after a
 * restart: a replay measured inside this process, after minutes of other workloads, paid for
 * their heap and JIT state. Rows/s of the replay phase and of the whole open; then checks,
 * in this process, that the rebuilt store holds the last row.
 */
async function replayBenchmark(
  directory: string,
  workload: string,
  rows: number,
  rowsPerCommand: number,
  options: MeasureOptions,
  check: (tenant: Tenant) => Promise<boolean>,
): Promise<ReplayRow> {
  const runs: number[] = [];
  const phaseRuns: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', REPLAY_CHILD, directory], {
      encoding: 'utf8',
    });
    if (child.status !== 0) {
      throw new Error(`embedded bench: the replay child failed (${workload}):\n${child.stderr}`);
    }
    const report = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as {
      rows: number;
      replayMilliseconds: number;
      openMilliseconds: number;
    };
    if (report.rows !== rows) {
      throw new Error(
        `embedded bench: replayed ${report.rows} rows, expected ${rows} (${workload})`,
      );
    }
    phaseRuns.push((1000 * rows) / report.replayMilliseconds);
    runs.push((1000 * rows) / report.openMilliseconds);
  }
  const db = await Kimberlite.open(directory);
  try {
    if (!(await check(db.tenant(1)))) {
      throw new Error(`embedded bench: a row is missing after the rebuild (${workload})`);
    }
  } finally {
    await db.close();
  }
  const measurement = { opsPerSecond: median(runs), runs };
  const replayPhase = { opsPerSecond: median(phaseRuns), runs: phaseRuns };
  progress(
    `replay ${workload}: ${grouped(replayPhase.opsPerSecond)} rows/s replaying, ` +
      `${grouped(measurement.opsPerSecond)} rows/s for the whole open`,
  );
  return { workload, rows, rowsPerCommand, measurement, replayPhase };
}

/**
 * The part of a rebuild that does not depend on the rows: median seconds of
 * `Kimberlite.open(dir, { rebuild: true })` on a database holding one tenant and one empty
 * table (the same log and segment files, minus the rows).
 */
async function fixedOpenSeconds(directory: string, options: MeasureOptions): Promise<number> {
  const { db, tenant } = await freshDatabase(directory);
  try {
    await tenant.createTable('patients', [{ name: 'id', type: 'BIGINT', notNull: true }], {
      primaryKey: 'id',
    });
  } finally {
    await db.close();
  }
  const runs: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const started = performance.now();
    const reopened = await Kimberlite.open(directory, { rebuild: true });
    runs.push((performance.now() - started) / 1000);
    await reopened.close();
  }
  rmSync(directory, { recursive: true, force: true });
  const seconds = median(runs);
  progress(`open with rebuild, no rows: ${(seconds * 1000).toFixed(0)} ms`);
  return seconds;
}

/**
 * Runs the four sections. `directory` (under bench/results/) holds the two databases
 * meanwhile and is deleted at the end.
 */
export async function runEmbeddedBenchmarks(
  options: EmbeddedOptions,
  directory: string,
): Promise<EmbeddedResults> {
  const singleDirectory = join(directory, 'single');
  const bulkDirectory = join(directory, 'bulk');
  const tableRows = Math.max(1, Math.floor(options.tableRows));
  try {
    // 1. durable single-row inserts, then (4) their replay.
    const single = await freshDatabase(singleDirectory);
    const probe = new SyncProbe(directory);
    let inserted: () => number;
    let inserts: InsertRow[];
    try {
      ({ rows: inserts, inserted } = await insertBenchmarks(single.tenant, options, probe));
    } finally {
      probe.close();
      await single.db.close();
    }
    const singleRows = inserted();
    const lastPatient = singleRows - 1;
    const singleReplay = await replayBenchmark(
      singleDirectory,
      'single-row inserts',
      singleRows,
      1,
      options,
      async (tenant) => (await tenant.get('patients', lastPatient)) !== undefined,
    );
    rmSync(singleDirectory, { recursive: true, force: true });
    const fixedOpen = await fixedOpenSeconds(join(directory, 'empty'), options);

    // 2. and 3. lookups and scans over the bulk-loaded table, then (4) its replay.
    const bulk = await freshDatabase(bulkDirectory);
    let bulkLoadRowsPerSecond: number;
    let lookups: LookupRow;
    let scans: ScanRow[];
    try {
      bulkLoadRowsPerSecond = await bulkLoad(bulk.tenant, tableRows);
      progress(`bulk load: ${grouped(bulkLoadRowsPerSecond)} rows/s (1,000-row inserts)`);
      lookups = await lookupBenchmark(bulk.tenant, tableRows, options);
      scans = await scanBenchmarks(bulk.tenant, tableRows, options);
    } finally {
      await bulk.db.close();
    }
    const last = tableRows - 1;
    const lastKey = [Math.floor(last / VISITS_PER_PATIENT), last % VISITS_PER_PATIENT];
    const bulkReplay = await replayBenchmark(
      bulkDirectory,
      `${grouped(BULK_ROWS_PER_INSERT)}-row inserts`,
      tableRows,
      BULK_ROWS_PER_INSERT,
      options,
      async (tenant) => (await tenant.get('visits', lastKey)) !== undefined,
    );
    return {
      inserts,
      bulkLoadRowsPerSecond,
      lookups,
      scans,
      replays: [singleReplay, bulkReplay],
      fixedOpenSeconds: fixedOpen,
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** The embedded tables: the first column names the row, the others are figures. */
function table(header: readonly string[], lines: readonly string[][]): string {
  return formatTable(header, lines, (column) => column > 0);
}

export function formatEmbeddedRows(results: EmbeddedResults): string {
  const inserts = table(
    [
      'durable single-row inserts',
      'rows/s',
      'us/insert per writer',
      'us/4K write',
      'ceiling rows/s',
    ],
    results.inserts.map((row) => [
      `${row.writers} writer${row.writers === 1 ? '' : 's'}`,
      grouped(row.measurement.opsPerSecond),
      ((1e6 * row.writers) / row.measurement.opsPerSecond).toFixed(0),
      row.syncedWriteUs.toFixed(0),
      grouped((1e6 * row.writers) / row.syncedWriteUs),
    ]),
  );
  const ceiling =
    'ceiling: writers / one synced 4 KiB write (writeSync + fdatasyncSync, in turns with the ' +
    'runs): each writer awaits its insert, and a batch costs at least one sync';
  const { lookups } = results;
  const gets = table(
    ['point lookups (get)', 'lookups/s', 'p50 us', 'p99 us'],
    [
      [
        `${grouped(lookups.tableRows)} rows, random key`,
        grouped(lookups.measurement.opsPerSecond),
        lookups.p50Us.toFixed(1),
        lookups.p99Us.toFixed(1),
      ],
    ],
  );
  const scans = table(
    ['range scans (scan)', 'rows/s', 'scans/s'],
    results.scans.map((row) => [
      row.workload,
      grouped(row.measurement.opsPerSecond),
      grouped(row.measurement.opsPerSecond / row.rowsPerScan),
    ]),
  );
  const replays = table(
    ['replay (open with rebuild)', 'rows', 'replay rows/s', 'open rows/s', 's/open'],
    results.replays.map((row) => {
      const seconds = row.rows / row.measurement.opsPerSecond;
      return [
        row.workload,
        grouped(row.rows),
        grouped(row.replayPhase.opsPerSecond),
        grouped(row.measurement.opsPerSecond),
        seconds.toFixed(2),
      ];
    }),
  );
  const fixed =
    'replay: the replay phase alone (db.recovery); open: the whole Kimberlite.open, which also ' +
    "recovers the log (verifying each log's last segment)\n" +
    `fixed cost of a rebuild with no rows (one tenant, one empty table): ` +
    `${(results.fixedOpenSeconds * 1000).toFixed(0)} ms`;
  const load =
    `lookup table filled at ${grouped(results.bulkLoadRowsPerSecond)} rows/s ` +
    `(${grouped(BULK_ROWS_PER_INSERT)}-row inserts, ${BULK_CONCURRENT_INSERTS} in flight, one run)`;
  return [`${inserts}\n${ceiling}`, gets, scans, `${replays}\n${fixed}`, load].join('\n\n');
}

export function formatEmbeddedTargets(results: EmbeddedResults): string {
  const lines: string[] = [];
  const writers = results.inserts.find((row) => row.writers === EMBEDDED_TARGETS.concurrentWriters);
  const insertMin = EMBEDDED_TARGETS.insertsPerSecondMin;
  if (writers !== undefined) {
    const rate = writers.measurement.opsPerSecond;
    lines.push(
      `${rate >= insertMin ? 'met ' : 'MISS'}  durable single-row inserts with ` +
        `${writers.writers} writers >= ${grouped(insertMin)}/s: ${grouped(rate)}/s`,
    );
  }
  const p50 = results.lookups.p50Us;
  const p50Max = EMBEDDED_TARGETS.lookupP50UsMax;
  lines.push(
    `${p50 <= p50Max ? 'met ' : 'MISS'}  point lookup p50 <= ${p50Max} us: ${p50.toFixed(1)} us`,
  );
  const replayMin = EMBEDDED_TARGETS.replayRowsPerSecondMin;
  for (const row of results.replays) {
    const rate = row.replayPhase.opsPerSecond;
    const verdict = rate >= replayMin ? 'met ' : 'MISS';
    const scope = row.rowsPerCommand === 1 ? '(the target)' : '(for comparison)';
    lines.push(
      `${verdict}  replay of ${row.workload} >= ${grouped(replayMin)} rows/s ${scope}: ` +
        `${grouped(rate)} rows/s (the whole open: ${grouped(row.measurement.opsPerSecond)})`,
    );
  }
  return lines.join('\n');
}
