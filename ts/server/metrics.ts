/**
 * The server's Prometheus metrics, in a registry of its own (two servers in one process, as in
 * tests, never share counters). Exposed by the HTTP sidecar at /metrics.
 *
 * Names (docs/operations.md lists them with their labels):
 *   kimberlite_requests_total{type,code}, kimberlite_request_duration_seconds{type},
 *   kimberlite_commits_total, kimberlite_connections, kimberlite_connections_total,
 *   kimberlite_connections_refused_total{reason}, kimberlite_errors_total{code},
 *   kimberlite_log_position, kimberlite_data_bytes, and the process_* / nodejs_* defaults.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Directory entries walked at most when summing the data directory's size for a scrape. */
const DATA_WALK_ENTRIES_MAX = 100_000;

function directoryBytes(root: string): number {
  let total = 0;
  let visited = 0;
  const stack = [root];
  while (stack.length > 0 && visited < DATA_WALK_ENTRIES_MAX) {
    const dir = stack.pop() as string;
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      visited += 1;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) stack.push(path);
      else if (entry.isFile()) {
        try {
          total += statSync(path).size;
        } catch {
          // Removed between the listing and the stat (a rolled segment): not counted.
        }
      }
    }
  }
  return total;
}

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'type' | 'code'>;
  readonly latency: Histogram<'type'>;
  readonly commits: Counter;
  readonly connections: Gauge;
  readonly connectionsTotal: Counter;
  readonly refused: Counter<'reason'>;
  readonly errors: Counter<'code'>;

  /** Label children by key: prom-client hashes a label object on every call otherwise. */
  readonly #requestChildren = new Map<string, { inc(): void }>();
  readonly #latencyChildren = new Map<string, { observe(value: number): void }>();

  /** Counts one answered request (code `OK` or its error code) and its latency. */
  countRequest(type: string, code: string, seconds?: number): void {
    const key = `${type} ${code}`;
    let counter = this.#requestChildren.get(key);
    if (counter === undefined) {
      counter = this.requests.labels(type, code);
      this.#requestChildren.set(key, counter);
    }
    counter.inc();
    if (code !== 'OK') this.errors.inc({ code });
    if (seconds === undefined) return;
    let histogram = this.#latencyChildren.get(type);
    if (histogram === undefined) {
      histogram = this.latency.labels(type);
      this.#latencyChildren.set(type, histogram);
    }
    histogram.observe(seconds);
  }

  constructor(options: { dataDir: string; position: () => bigint }) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'kimberlite_requests_total',
      help: 'Requests answered, by request type and outcome code (OK for success)',
      labelNames: ['type', 'code'],
      registers,
    });
    this.latency = new Histogram({
      name: 'kimberlite_request_duration_seconds',
      help: 'Time from a request decoded to its reply sent, by request type',
      labelNames: ['type'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.commits = new Counter({
      name: 'kimberlite_commits_total',
      help: 'Writes made durable (each a committed command in the log)',
      registers,
    });
    this.connections = new Gauge({
      name: 'kimberlite_connections',
      help: 'Connections open now',
      registers,
    });
    this.connectionsTotal = new Counter({
      name: 'kimberlite_connections_total',
      help: 'Connections accepted since start',
      registers,
    });
    this.refused = new Counter({
      name: 'kimberlite_connections_refused_total',
      help: 'Connections refused or closed by the server, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.errors = new Counter({
      name: 'kimberlite_errors_total',
      help: 'Error replies and connection-level errors, by code',
      labelNames: ['code'],
      registers,
    });
    new Gauge({
      name: 'kimberlite_log_position',
      help: 'Log position of the newest durable batch (-1 when empty)',
      registers,
      collect() {
        this.set(Number(options.position()));
      },
    });
    new Gauge({
      name: 'kimberlite_data_bytes',
      help: 'Bytes of all files in the data directory (log segments, stores, keys)',
      registers,
      collect() {
        this.set(directoryBytes(options.dataDir));
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }
}
