/**
 * `npm run bench -- server`: the server over loopback, measured from another process. The
 * server runs in a child process (bench/server_child.ts, `node --import tsx`) on a data
 * directory under `bench/results/server/` (deleted after); the clients run in this process and
 * speak raw wire frames (ts/wire), one connection per client, each awaiting its reply before
 * sending the next request.
 *
 * Table `bench (id BIGINT PRIMARY KEY, v TEXT)` with `--rows` rows loaded first.
 * Workloads (requests/s, and with one client each request's latency p50/p99, median over
 * `--runs`):
 * 1. single-row durable INSERT, 1, 16 and 64 clients;
 * 2. point SELECT `SELECT * FROM bench WHERE id = $1`, 1, 16 and 64 clients;
 * 3. one synced 4 KiB write (`writeSync` + `fdatasyncSync`) in this process, the floor a
 *    durable insert stands on, measured in the same run for the latency target.
 *
 * Targets (issue 6): 64-client durable inserts >= 30,000/s; point selects >= 50,000/s;
 * single-client insert p50 <= 2x one synced 4 KiB write + 100 us.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Unpackr } from 'msgpackr';
import { type Crc32c, loadCrypto } from '../ts/crypto/index.js';
import { FrameDecoder, type Request, type Response, requestFrame } from '../ts/wire/index.js';
import { filled, median, percentile, progress, randomSource } from './measure.js';
import { formatTable, grouped } from './report.js';

export const SERVER_TARGETS = {
  insertsPerSecond64ClientsMin: 30_000,
  pointSelectsPerSecondMin: 50_000,
  insertP50OverSyncedWriteMax: 2,
  insertP50SlackUs: 100,
} as const;

const CLIENT_COUNTS = [1, 16, 64] as const;
const LOAD_ROWS_PER_INSERT = 1000;
const PAGE_BYTES = 4096;
const SYNC_FILE_BYTES = 64 * 1024 * 1024;

export interface ServerBenchOptions {
  readonly runs: number;
  readonly seconds: number;
  /** Rows loaded before the point selects (default 10,000). */
  readonly rows?: number;
}

export interface ServerRow {
  readonly workload: string;
  readonly clients: number;
  /** Requests/s (or writes/s for the synced write), median over the runs. */
  readonly perSecond: number;
  readonly runs: readonly number[];
  /** Median over the runs of each run's percentile, microseconds (one client only). */
  readonly p50Us: number;
  readonly p99Us: number;
}

const unpackr = new Unpackr({ useRecords: false, int64AsType: 'bigint', mapsAsObjects: true });

type Body = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;

/** One connection with pipelining: requests matched to replies by id. */
class BenchConnection {
  readonly #socket: net.Socket;
  readonly #crc: Crc32c;
  readonly #pending = new Map<number, (r: Response) => void>();
  #nextId = 1;

  private constructor(socket: net.Socket, crc: Crc32c) {
    this.#socket = socket;
    this.#crc = crc;
    const decoder = new FrameDecoder({ crc32c: crc });
    socket.on('data', (chunk: Buffer) => {
      for (const payload of decoder.push(chunk)) {
        // The bench trusts its server: a plain unpack (no validation) keeps the client's own
        // cost per request down, so the numbers say more about the server.
        const response = unpackr.unpack(payload) as Response;
        const resolve = this.#pending.get(response.id);
        this.#pending.delete(response.id);
        resolve?.(response);
      }
    });
  }

  static async open(port: number, crc: Crc32c): Promise<BenchConnection> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    socket.setNoDelay(true);
    const connection = new BenchConnection(socket, crc);
    await connection.call({ type: 'handshake', versions: [1], credentials: { kind: 'none' } });
    return connection;
  }

  /** Sends `body`; resolves with the reply, rejects with its code when it failed. */
  call(body: Body): Promise<Response> {
    const id = this.#nextId++;
    const reply = new Promise<Response>((resolve, reject) => {
      this.#pending.set(id, (response) => {
        if (response.ok) resolve(response);
        else reject(new Error(`${body.type}: ${response.error.code}: ${response.error.message}`));
      });
    });
    this.#socket.write(requestFrame({ ...body, id } as Request, this.#crc));
    return reply;
  }

  close(): void {
    this.#socket.destroy();
  }
}

async function startChild(directory: string): Promise<{ child: ChildProcess; port: number }> {
  const script = fileURLToPath(new URL('./server_child.ts', import.meta.url));
  // KIMBERLITE_BENCH_SERVER_PROF=<dir>: the server child writes a CPU profile there (--cpu-prof).
  const profileDir = process.env.KIMBERLITE_BENCH_SERVER_PROF;
  const profile = profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', script, directory], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the server child exited with ${code}`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  return { child, port };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

/**
 * `clients` loops, loop i on connection i, each awaiting its reply before the next request,
 * until `seconds` pass: requests/s and, with one client, each latency in microseconds, sorted.
 */
async function timedClients(
  operation: (client: number) => Promise<unknown>,
  clients: number,
  seconds: number,
): Promise<{ perSecond: number; latenciesUs: Float64Array }> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let count = 0;
  const loop = async (client: number) => {
    while (performance.now() < deadline) {
      const before = performance.now();
      await operation(client);
      if (clients === 1) latencies.push((performance.now() - before) * 1000);
      count++;
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, client) => loop(client)));
  const perSecond = count / ((performance.now() - started) / 1000);
  return { perSecond, latenciesUs: Float64Array.from(latencies).sort() };
}

async function measureRow(
  workload: string,
  clients: number,
  operation: (client: number) => Promise<unknown>,
  options: ServerBenchOptions,
): Promise<ServerRow> {
  await timedClients(operation, clients, Math.min(0.3, options.seconds)); // warm-up
  const runs: number[] = [];
  const p50s: number[] = [];
  const p99s: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const { perSecond, latenciesUs } = await timedClients(operation, clients, options.seconds);
    runs.push(perSecond);
    p50s.push(percentile(latenciesUs, 0.5));
    p99s.push(percentile(latenciesUs, 0.99));
  }
  const row = {
    workload,
    clients,
    perSecond: median(runs),
    runs,
    p50Us: median(p50s),
    p99Us: median(p99s),
  };
  progress(`${workload}, ${clients} client(s): ${grouped(row.perSecond)}/s`);
  return row;
}

/** One synced 4 KiB write per call on a pre-zeroed file in `directory`. */
async function syncedWriteRow(directory: string, options: ServerBenchOptions): Promise<ServerRow> {
  const path = join(directory, 'write-4k.bin');
  const fd = openSync(path, 'w+');
  const zeros = new Uint8Array(1024 * 1024);
  for (let at = 0; at < SYNC_FILE_BYTES; at += zeros.length)
    writeSync(fd, zeros, 0, zeros.length, at);
  fdatasyncSync(fd);
  const page = filled(PAGE_BYTES, 4);
  let position = 0;
  try {
    return await measureRow(
      'synced 4 KiB write (this process)',
      1,
      async () => {
        writeSync(fd, page, 0, PAGE_BYTES, position);
        fdatasyncSync(fd);
        position = (position + PAGE_BYTES) % SYNC_FILE_BYTES;
      },
      options,
    );
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}

/**
 * Runs the suite: a server child over `directory` (emptied first, deleted after), clients
 * here. Rows: inserts and point selects at 1/16/64 clients, and the synced 4 KiB write.
 */
export async function runServerBenchmarks(
  options: ServerBenchOptions,
  directory: string,
): Promise<ServerRow[]> {
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const dataDir = join(directory, 'data');
  const crc = (await loadCrypto({ choice: 'auto' })).crc32c;
  const { child, port } = await startChild(dataDir);
  const connections: BenchConnection[] = [];
  try {
    const max = Math.max(...CLIENT_COUNTS);
    for (let i = 0; i < max; i++) connections.push(await BenchConnection.open(port, crc));
    const first = connections[0] as BenchConnection;
    const rows = options.rows ?? 10_000;
    await first.call({ type: 'create_tenant', tenant: 1, name: 'bench' });
    await first.call({
      type: 'execute',
      tenant: 1,
      sql: 'CREATE TABLE bench (id BIGINT PRIMARY KEY, v TEXT)',
      params: [],
    });
    progress(`loading ${grouped(rows)} rows`);
    for (let from = 0; from < rows; from += LOAD_ROWS_PER_INSERT) {
      const count = Math.min(LOAD_ROWS_PER_INSERT, rows - from);
      const params: unknown[] = [];
      const tuples: string[] = [];
      for (let i = 0; i < count; i++) {
        params.push(from + i, `row ${from + i}`);
        tuples.push(`($${2 * i + 1}, $${2 * i + 2})`);
      }
      await first.call({
        type: 'execute',
        tenant: 1,
        sql: `INSERT INTO bench VALUES ${tuples.join(', ')}`,
        params,
      });
    }
    const random = randomSource(0x5e7e);
    let nextId = rows;
    const on = (client: number) => connections[client] as BenchConnection;
    const insert = (client: number) =>
      on(client).call({
        type: 'execute',
        tenant: 1,
        sql: 'INSERT INTO bench VALUES ($1, $2)',
        params: [nextId++, 'inserted'],
      });
    const select = (client: number) =>
      on(client).call({
        type: 'query',
        tenant: 1,
        sql: 'SELECT * FROM bench WHERE id = $1',
        params: [random() % rows],
      });
    const results: ServerRow[] = [];
    for (const clients of CLIENT_COUNTS) {
      results.push(await measureRow('INSERT one row (durable)', clients, insert, options));
    }
    for (const clients of CLIENT_COUNTS) {
      results.push(await measureRow('point SELECT by key', clients, select, options));
    }
    results.push(await syncedWriteRow(directory, options));
    return results;
  } finally {
    for (const connection of connections) connection.close();
    await stopChild(child);
    rmSync(directory, { recursive: true, force: true });
  }
}

export function formatServerRows(rows: readonly ServerRow[]): string {
  return formatTable(
    ['workload', 'clients', 'requests/s', 'p50 us', 'p99 us'],
    rows.map((row) => [
      row.workload,
      String(row.clients),
      grouped(row.perSecond),
      row.clients === 1 ? row.p50Us.toFixed(1) : '',
      row.clients === 1 ? row.p99Us.toFixed(1) : '',
    ]),
    (column) => column > 0,
  );
}

export function formatServerTargets(rows: readonly ServerRow[]): string {
  const find = (workload: string, clients: number) =>
    rows.find((row) => row.workload.startsWith(workload) && row.clients === clients);
  const lines: string[] = [];
  const inserts = find('INSERT', 64);
  if (inserts !== undefined) {
    const met = inserts.perSecond >= SERVER_TARGETS.insertsPerSecond64ClientsMin;
    lines.push(
      `  64-client durable inserts >= ${grouped(SERVER_TARGETS.insertsPerSecond64ClientsMin)}/s: ` +
        `${grouped(inserts.perSecond)}/s ${met ? 'met' : 'NOT met'}`,
    );
  }
  const selects = [...rows]
    .filter((row) => row.workload.startsWith('point SELECT'))
    .sort((a, b) => b.perSecond - a.perSecond)[0];
  if (selects !== undefined) {
    const met = selects.perSecond >= SERVER_TARGETS.pointSelectsPerSecondMin;
    lines.push(
      `  point selects >= ${grouped(SERVER_TARGETS.pointSelectsPerSecondMin)}/s: ` +
        `${grouped(selects.perSecond)}/s (${selects.clients} clients) ${met ? 'met' : 'NOT met'}`,
    );
  }
  const single = find('INSERT', 1);
  const synced = find('synced 4 KiB', 1);
  if (single !== undefined && synced !== undefined) {
    const limit =
      SERVER_TARGETS.insertP50OverSyncedWriteMax * synced.p50Us + SERVER_TARGETS.insertP50SlackUs;
    const met = single.p50Us <= limit;
    lines.push(
      `  single-client insert p50 <= 2x synced 4 KiB write + 100 us: ` +
        `${single.p50Us.toFixed(1)} us <= ${limit.toFixed(1)} us ` +
        `(write p50 ${synced.p50Us.toFixed(1)} us) ${met ? 'met' : 'NOT met'}`,
    );
  }
  return lines.join('\n');
}
