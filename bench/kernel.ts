/**
 * `npm run bench -- kernel`: the pure kernel's `apply` rate, no IO (kernel issue, "Benchmark
 * and target"). A table `patients (id BIGINT PRIMARY KEY, name TEXT NOT NULL, ward VARCHAR(20),
 * visits INTEGER)` in one tenant; commands are `write_rows` as the runtime resolves them, applied
 * one by one with `apply` against a Map-backed `RowSource`; where a workload keeps effects,
 * every command's `store_put` / `store_delete` effects are executed into the map, so
 * duplicate-key and before-image checks see every earlier command (as the runtime's overlay
 * would).
 *
 * Workloads, one command each:
 * - **insert**: a single-row insert of a new key; `apply` returns its effects and the harness
 *   drops them (keys are fresh, so the duplicate check still runs against the map, and misses).
 *   This is the target's figure: the kernel's work, validating and computing effects. Keeping
 *   the effects is the store's work, measured by `npm run bench -- embedded`;
 * - **insert, effects kept in a Map**: the same with every effect executed into the map, so
 *   the map grows by a row per apply: shows what retaining millions of small rows in a JS Map
 *   costs the garbage collector (the runtime keeps rows in the store's pages instead);
 * - **insert, 1 index**: the same into a copy of the table with a secondary index on `ward`
 *   (one more effect and one more key encoding per command);
 * - **update mix**: half single-row updates of a random existing row (its current image as
 *   `before`, a new `name` and `visits` as `after`), half single-row inserts, over a table
 *   pre-filled with 100,000 rows;
 * - **insert 64 rows**: one command of 64 inserts (rows/s is what compares with the others).
 *
 * A timed loop per run (not Benchmark.js: the state grows with every apply, so the operation is
 * not repeatable): each run starts from a fresh state and map, applies commands until
 * `--seconds` have passed and reports applies/s; commands are built in small chunks outside
 * the timed region (see `CHUNK_COMMANDS`), so the figure is `apply` (plus executing its effects
 * into the map where the workload keeps them). One
 * untimed warm-up run first, then the median of `--runs` runs. Beside applies per wall-clock
 * second, applies per second of the process's CPU time (`process.cpuUsage`, GC threads
 * included), steadier when other processes share the cores.
 *
 * Target: >= 500,000 single-row insert applies/s.
 */
import {
  apply,
  type Command,
  type Effect,
  emptyKernelState,
  type KernelState,
  type RowImage,
  type RowSource,
} from '../ts/kernel/index.js';
import type { SqlValue } from '../ts/types/index.js';
import { type Measurement, type MeasureOptions, median } from './measure.js';
import { formatTable, grouped } from './report.js';

const TENANT = 1;
const TABLE = 'patients';
/**
 * Commands built ahead of a timed stretch. Few, so that they die young: built 16,384 at a time,
 * the ones not yet applied were copied by every scavenge inside the timed region, about a third
 * of the measured time of a single-row insert (1.6-1.9 us per apply against 1.0-1.2 us when
 * built 1,024 at a time, same code, same process).
 */
const CHUNK_COMMANDS = 1_024;
const MIX_PREFILL_ROWS = 100_000;
const MULTI_ROWS = 64;
const WARDS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'] as const;

/** The target. */
export const KERNEL_TARGETS = {
  /** Single-row insert commands applied per second, at least. */
  insertAppliesPerSecondMin: 500_000,
} as const;

export interface KernelRow {
  readonly workload: string;
  /** Rows written per command (64 for the multi-row insert, else 1). */
  readonly rowsPerCommand: number;
  /** One operation is one `apply` (plus executing its effects); wall-clock time. */
  readonly measurement: Measurement;
  /**
   * The same per second of the process's CPU time (user + system, GC threads included): on a
   * busy shared machine, steadier than wall-clock time.
   */
  readonly perCpuSecond: Measurement;
}

/** Rows by tenant and space, keyed by the encoded key as a latin1 string; runs store effects. */
class MapRows implements RowSource {
  readonly #spaces = new Map<number, Map<string, Uint8Array>>();

  #space(tenant: number, space: number): Map<string, Uint8Array> {
    const id = tenant * 0x1_0000_0000 + space;
    let map = this.#spaces.get(id);
    if (map === undefined) {
      map = new Map();
      this.#spaces.set(id, map);
    }
    return map;
  }

  get(tenant: number, space: number, key: Uint8Array): Uint8Array | undefined {
    return this.#space(tenant, space).get(latin1(key));
  }

  execute(effects: readonly Effect[]): void {
    for (const effect of effects) {
      if (effect.kind === 'store_put') {
        this.#space(effect.tenant, effect.space).set(latin1(effect.key), effect.value);
      } else if (effect.kind === 'store_delete') {
        this.#space(effect.tenant, effect.space).delete(latin1(effect.key));
      }
    }
  }
}

/** The key as a latin1 string (keys are short: a loop beats a Buffer allocation). */
function latin1(key: Uint8Array): string {
  let text = '';
  for (let i = 0; i < key.length; i++) text += String.fromCharCode(key[i] ?? 0);
  return text;
}

/** One tenant's kernel state, the row map and the next position, applying as the runtime would. */
class Harness {
  state: KernelState = emptyKernelState();
  readonly rows = new MapRows();
  position = 0n;
  /** False for the ceiling row only: effects are dropped, nothing is retained. */
  keepEffects = true;

  run(command: Command): void {
    this.position += 1n;
    const result = apply(this.state, command, {
      position: this.position,
      timestampNs: this.position * 1000n,
      rows: this.rows,
    });
    if (!result.outcome.ok) {
      throw new Error(`kernel bench: ${result.outcome.error.code} ${result.outcome.error.message}`);
    }
    this.state = result.state;
    if (this.keepEffects) this.rows.execute(result.effects);
  }

  static create(withIndex: boolean): Harness {
    const harness = new Harness();
    harness.run({
      tenant: TENANT,
      operation: { kind: 'create_tenant', name: 'clinic', keyId: new Uint8Array(32).fill(7) },
    });
    harness.run({
      tenant: TENANT,
      origin: TENANT,
      operation: {
        kind: 'create_table',
        name: TABLE,
        columns: [
          { name: 'id', type: { kind: 'bigint' }, notNull: true },
          { name: 'name', type: { kind: 'text' }, notNull: true },
          { name: 'ward', type: { kind: 'varchar', length: 20 }, notNull: false },
          { name: 'visits', type: { kind: 'integer' }, notNull: false },
        ],
        primaryKey: ['id'],
      },
    });
    if (withIndex) {
      harness.run({
        tenant: TENANT,
        origin: TENANT,
        operation: { kind: 'create_index', table: TABLE, name: 'by_ward', columns: ['ward'] },
      });
    }
    return harness;
  }
}

function text(value: string): SqlValue {
  return { kind: 'text', value };
}

function integer(value: number): SqlValue {
  return { kind: 'integer', value: BigInt(value) };
}

/** The row with key `id`, version `version` (a 20-30 character name). */
function rowImage(id: number, version: number): RowImage {
  return [
    integer(id),
    text(`Patient ${id} Surname-${(id * 2654435761) % 100_000} v${version}`),
    text(WARDS[id % WARDS.length] ?? 'A'),
    integer(version),
  ];
}

function writeRows(changes: Extract<Command['operation'], { kind: 'write_rows' }>['changes']) {
  return {
    tenant: TENANT,
    origin: TENANT,
    operation: { kind: 'write_rows' as const, table: TABLE, changes },
  };
}

/** A workload: builds its harness and then its commands in order, chunk by chunk. */
interface Workload {
  readonly name: string;
  readonly rowsPerCommand: number;
  /** A fresh harness (prefilled as the workload needs) and a generator of its next commands. */
  readonly start: () => { harness: Harness; next: (count: number) => Command[] };
}

function insertWorkload(name: string, withIndex: boolean, keepEffects = true): Workload {
  return {
    name,
    rowsPerCommand: 1,
    start: () => {
      const harness = Harness.create(withIndex);
      harness.keepEffects = keepEffects;
      let id = 0;
      return {
        harness,
        next: (count) =>
          Array.from({ length: count }, () => {
            id++;
            return writeRows([{ kind: 'insert', row: rowImage(id, 0) }]);
          }),
      };
    },
  };
}

function multiInsertWorkload(): Workload {
  return {
    name: `insert ${MULTI_ROWS} rows`,
    rowsPerCommand: MULTI_ROWS,
    start: () => {
      const harness = Harness.create(false);
      let id = 0;
      return {
        harness,
        next: (count) =>
          Array.from({ length: count }, () =>
            writeRows(
              Array.from({ length: MULTI_ROWS }, () => {
                id++;
                return { kind: 'insert' as const, row: rowImage(id, 0) };
              }),
            ),
          ),
      };
    },
  };
}

/** Half updates of a random existing row, half inserts, over a prefilled table. */
function updateMixWorkload(): Workload {
  return {
    name: 'update mix (50% update)',
    rowsPerCommand: 1,
    start: () => {
      const harness = Harness.create(false);
      const current: RowImage[] = [];
      const versions: number[] = [];
      const prefill: RowImage[] = [];
      for (let id = 0; id < MIX_PREFILL_ROWS; id++) {
        const row = rowImage(id, 0);
        current.push(row);
        versions.push(0);
        prefill.push(row);
      }
      for (let at = 0; at < prefill.length; at += 1000) {
        harness.run(
          writeRows(prefill.slice(at, at + 1000).map((row) => ({ kind: 'insert', row }))),
        );
      }
      let random = 0x9e3779b9;
      let command = 0;
      return {
        harness,
        next: (count) =>
          Array.from({ length: count }, () => {
            command++;
            if (command % 2 === 0) {
              const id = current.length;
              const row = rowImage(id, 0);
              current.push(row);
              versions.push(0);
              return writeRows([{ kind: 'insert', row }]);
            }
            random ^= random << 13;
            random ^= random >>> 17;
            random ^= random << 5;
            const id = (random >>> 0) % current.length;
            const version = (versions[id] ?? 0) + 1;
            const before = current[id] ?? rowImage(id, 0);
            const after = rowImage(id, version);
            current[id] = after;
            versions[id] = version;
            return writeRows([{ kind: 'update', before, after }]);
          }),
      };
    },
  };
}

export const KERNEL_WORKLOADS: readonly Workload[] = [
  // The target: apply, its effects returned and dropped (see the file comment).
  insertWorkload('insert', false, false),
  insertWorkload('insert, effects kept in a Map', false),
  insertWorkload('insert, 1 index', true),
  updateMixWorkload(),
  multiInsertWorkload(),
];

/** One run's rates: applies per wall-clock second, and per second of the process's CPU time. */
interface RunRate {
  readonly wall: number;
  readonly cpu: number;
}

/** One run: a fresh harness, applies until `seconds` of apply time; returns applies/s. */
function timedRun(workload: Workload, seconds: number): RunRate {
  const { harness, next } = workload.start();
  const budgetNs = BigInt(Math.round(seconds * 1e9));
  let elapsedNs = 0n;
  let cpuUs = 0;
  let applied = 0;
  const chunk = Math.max(16, Math.round(CHUNK_COMMANDS / workload.rowsPerCommand));
  while (elapsedNs < budgetNs) {
    const commands = next(chunk); // built outside the timed region
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    let i = 0;
    for (; i < commands.length; i++) {
      const command = commands[i] as Command;
      harness.run(command);
      // Check the clock every 256 applies: the deadline lands within a fraction of a ms.
      if ((i & 0xff) === 0xff && process.hrtime.bigint() - started + elapsedNs >= budgetNs) {
        i++;
        break;
      }
    }
    elapsedNs += process.hrtime.bigint() - started;
    const cpu = process.cpuUsage(cpuBefore);
    cpuUs += cpu.user + cpu.system;
    applied += i;
  }
  return { wall: applied / (Number(elapsedNs) / 1e9), cpu: applied / (cpuUs / 1e6) };
}

export function runKernelBenchmarks(options: MeasureOptions): KernelRow[] {
  const rows: KernelRow[] = [];
  for (const workload of KERNEL_WORKLOADS) {
    timedRun(workload, Math.min(options.runSeconds, 0.2)); // warm-up, not counted
    const rates: RunRate[] = [];
    for (let run = 0; run < options.runs; run++) rates.push(timedRun(workload, options.runSeconds));
    const runs = rates.map((rate) => rate.wall);
    const measurement = { opsPerSecond: median(runs), runs };
    const cpuRuns = rates.map((rate) => rate.cpu);
    const perSecond = grouped(measurement.opsPerSecond);
    process.stderr.write(`  ${workload.name}: ${perSecond} applies/s\n`);
    rows.push({
      workload: workload.name,
      rowsPerCommand: workload.rowsPerCommand,
      measurement,
      perCpuSecond: { opsPerSecond: median(cpuRuns), runs: cpuRuns },
    });
  }
  return rows;
}

export function formatKernelRows(rows: readonly KernelRow[]): string {
  const header = [
    'workload',
    'applies/s',
    'rows/s',
    'us/apply',
    'applies/cpu-s',
    'runs (applies/s)',
  ];
  const lines = rows.map((row) => [
    row.workload,
    grouped(row.measurement.opsPerSecond),
    grouped(row.measurement.opsPerSecond * row.rowsPerCommand),
    (1e6 / row.measurement.opsPerSecond).toFixed(2),
    grouped(row.perCpuSecond.opsPerSecond),
    row.measurement.runs.map((value) => grouped(value)).join(' '),
  ]);
  return formatTable(header, lines, (column) => column >= 1 && column <= 4);
}

export function formatKernelTargets(rows: readonly KernelRow[]): string {
  const row = rows.find((candidate) => candidate.workload === 'insert');
  const minimum = KERNEL_TARGETS.insertAppliesPerSecondMin;
  const description = `single-row insert applies/s >= ${grouped(minimum)}`;
  if (row === undefined) return `n/a   ${description} (not measured)`;
  const verdict = row.measurement.opsPerSecond >= minimum ? 'met ' : 'MISS';
  return `${verdict}  ${description}: ${grouped(row.measurement.opsPerSecond)}`;
}
