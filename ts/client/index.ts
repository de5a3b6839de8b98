/**
 * The Kimberlite TypeScript SDK (`kimberlite/client`): talks to a Kimberlite server over
 * TCP/TLS with the binary wire protocol. Same `execute` / `query` shapes as the embedded API.
 *
 * @example
 * import { Client } from 'kimberlite/client';
 * const db = await Client.connect({ address: '127.0.0.1:7432', tenantId: 1 });
 * await db.execute('INSERT INTO patients VALUES ($1, $2)', [2, 'John Roe']);
 * const { rows } = await db.query('SELECT * FROM patients WHERE id = $1', [2]);
 * await db.close();
 */
import { randomInt } from 'node:crypto';
import type { Crc32c } from '../crypto/index.js';
import { CRYPTO_CANDIDATES, parseBackendChoice, selectBackend } from '../crypto/index.js';
import { ErrorCode } from '../types/index.js';
import type {
  Credentials,
  RequestType,
  Results,
  TableDescription,
  TenantInfo,
  WireColumn,
  WireRequestId,
  WriteAudit,
} from '../wire/index.js';
import { WRITE_REQUESTS } from '../wire/index.js';
import { Connection, type RequestBody, type TlsOptions } from './connection.js';
import { ConnectionError, KimberliteClientError } from './errors.js';

export type { TableDescription, TenantInfo, WireColumn, WriteAudit } from '../wire/index.js';
export type { TlsOptions } from './connection.js';
export {
  AuthenticationError,
  ConnectionError,
  errorFor,
  KimberliteClientError,
  LimitError,
  PermissionError,
  ProtocolError,
  QueryError,
  TimeoutError,
} from './errors.js';

/**
 * How to reach and authenticate to a server.
 *
 * @example
 * const o: ConnectOptions = { address: 'db.internal:7432', tenantId: 1, token: 'kmb_...',
 *   tls: { ca: caPem }, poolSize: 4 };
 */
export interface ConnectOptions {
  /** `host:port` (IPv6 as `[::1]:7432`). */
  readonly address: string;
  /** The tenant execute/query/streams work on. */
  readonly tenantId?: number;
  /** An API key (`kmb_...`) or a JWT (three dot-separated parts); none when absent. */
  readonly token?: string;
  /** `true` for TLS with the system CAs, or TLS options. */
  readonly tls?: boolean | TlsOptions;
  /** Per request, default 30,000. */
  readonly timeoutMs?: number;
  /** Default 10,000. */
  readonly connectTimeoutMs?: number;
  /** Connections, default 1. */
  readonly poolSize?: number;
  /** Retries of retryable errors, default 3 (writes only with their request id). */
  readonly retries?: number;
  /** Shown in server logs, default `kimberlite-client`. */
  readonly clientName?: string;
}

/**
 * A position in the log to read at: a bigint or a safe integer number.
 *
 * @example
 * const at: At = 42n;
 */
export type At = bigint | number;

/**
 * The result of `execute`.
 *
 * @example
 * const { rowsAffected, position }: ExecuteResult = await db.execute('DELETE FROM t');
 */
export interface ExecuteResult {
  readonly columns: readonly WireColumn[];
  readonly rows: unknown[][];
  readonly rowsAffected: number;
  readonly position: bigint;
}

/**
 * The result of `query`.
 *
 * @example
 * const { columns, rows }: QueryResult = await db.query('SELECT * FROM t');
 */
export interface QueryResult {
  readonly columns: readonly WireColumn[];
  readonly rows: unknown[][];
  readonly position: bigint;
}

/**
 * One event of a stream.
 *
 * @example
 * for await (const e of db.readAll('orders')) console.log(e.offset, e.data);
 */
export interface StreamEvent {
  readonly offset: bigint;
  readonly data: Uint8Array;
}

/**
 * Per-call options.
 *
 * @example
 * await db.query('SELECT 1', [], { timeoutMs: 1000 });
 */
export interface CallOptions {
  readonly timeoutMs?: number;
}

/**
 * Administrative calls (tables, tenants).
 *
 * @example
 * const tables = await db.admin.listTables();
 */
export interface Admin {
  listTables(o?: { at?: At } & CallOptions): Promise<string[]>;
  describeTable(name: string, o?: { at?: At } & CallOptions): Promise<TableDescription>;
  createTenant(id: number, name: string): Promise<TenantInfo>;
  listTenants(): Promise<TenantInfo[]>;
  getTenant(id: number): Promise<TenantInfo>;
  deleteTenant(id: number): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const BACKOFF_BASE_MS = 50;
const BACKOFF_MAX_MS = 2_000;

let sharedCrc: Promise<Crc32c> | undefined;
function crc32c(): Promise<Crc32c> {
  sharedCrc ??= selectBackend(
    'crc32c',
    CRYPTO_CANDIDATES.crc32c,
    parseBackendChoice(process.env.KIMBERLITE_BACKEND),
  ).then((s) => s.impl);
  return sharedCrc;
}

/**
 * Splits `host:port` (`[v6]:port` for IPv6).
 *
 * @example
 * parseAddress('127.0.0.1:7432'); // { host: '127.0.0.1', port: 7432 }
 */
export function parseAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port < 1 || port > 65535) {
    throw new KimberliteClientError(
      ErrorCode.InvalidArgument,
      `address '${address}' is not host:port (e.g. 127.0.0.1:7432 or [::1]:7432)`,
      false,
    );
  }
  return { host: (m[1] ?? m[2]) as string, port };
}

/**
 * The credentials a token stands for: `kmb_...` an API key, three dot-separated parts a JWT.
 *
 * @example
 * credentialsFor(undefined); // { kind: 'none' }
 */
export function credentialsFor(token: string | undefined): Credentials {
  if (token === undefined || token === '') return { kind: 'none' };
  if (token.startsWith('kmb_')) return { kind: 'api_key', key: token };
  if (token.split('.').length === 3) return { kind: 'jwt', token };
  throw new KimberliteClientError(
    ErrorCode.InvalidArgument,
    'token is neither an API key (kmb_...) nor a JWT (header.payload.signature)',
    false,
  );
}

/** A write lane: one in-flight write at a time per client id (see docs/sdk.md). */
interface Lane {
  readonly clientId: number;
  nextRequest: number;
}

/**
 * A connection pool to one Kimberlite server.
 *
 * @example
 * const db = await Client.connect({ address: '127.0.0.1:7432', tenantId: 1 });
 * await db.execute('CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT)');
 * await db.close();
 */
export class Client {
  private readonly connections: (Connection | undefined)[];
  private readonly reconnecting = new Map<number, Promise<Connection>>();
  private readonly lanes: Lane[] = [];
  private readonly laneWaiters: ((lane: Lane) => void)[] = [];
  private readonly usedClientIds = new Set<number>();
  private closed = false;
  private next = 0;

  /**
   * Administrative calls: tables and tenants.
   *
   * @example
   * await db.admin.createTenant(2, 'clinic-b');
   */
  readonly admin: Admin;

  private constructor(
    private readonly options: ConnectOptions,
    private readonly crc: Crc32c,
    first: Connection[],
  ) {
    this.connections = first;
    this.admin = {
      listTables: async (o) => [
        ...(
          await this.call(
            { type: 'list_tables', tenant: this.tenant(), ...atOf(o?.at) },
            o?.timeoutMs,
          )
        ).tables,
      ],
      describeTable: async (name, o) =>
        (
          await this.call(
            { type: 'describe_table', tenant: this.tenant(), table: name, ...atOf(o?.at) },
            o?.timeoutMs,
          )
        ).table,
      createTenant: async (id, name) =>
        (await this.write({ type: 'create_tenant', tenant: id, name })).tenant,
      listTenants: async () => [...(await this.call({ type: 'list_tenants' })).tenants],
      getTenant: async (id) => (await this.call({ type: 'get_tenant', tenant: id })).tenant,
      deleteTenant: async (id) => {
        await this.write({ type: 'delete_tenant', tenant: id });
      },
    };
  }

  /**
   * Connects `poolSize` connections and performs the handshake on each.
   *
   * @example
   * const db = await Client.connect({ address: '127.0.0.1:7432', tenantId: 1,
   *   token: process.env.KMB_TOKEN });
   */
  static async connect(options: ConnectOptions): Promise<Client> {
    const poolSize = options.poolSize ?? 1;
    if (!Number.isInteger(poolSize) || poolSize < 1) {
      throw new KimberliteClientError(
        ErrorCode.InvalidArgument,
        `poolSize must be an integer >= 1, got ${poolSize}`,
        false,
      );
    }
    parseAddress(options.address);
    credentialsFor(options.token);
    const tenant = options.tenantId;
    if (
      tenant !== undefined &&
      !(Number.isInteger(tenant) && tenant >= 1 && tenant <= 0xffffffff)
    ) {
      throw new KimberliteClientError(
        ErrorCode.InvalidArgument,
        `tenantId must be an integer from 1 to ${0xffffffff}, got ${tenant}`,
        false,
      );
    }
    const crc = await crc32c();
    const first: Connection[] = [];
    try {
      for (let i = 0; i < poolSize; i++) first.push(await openWith(options, crc));
    } catch (e) {
      for (const c of first) c.destroy();
      throw e;
    }
    return new Client(options, crc, first);
  }

  /**
   * Runs a statement that may write (DDL, INSERT, UPDATE, DELETE); retried safely.
   *
   * @example
   * const r = await db.execute('INSERT INTO t VALUES ($1, $2)', [1, 'a']); // r.rowsAffected 1
   */
  async execute(
    sql: string,
    params: readonly unknown[] = [],
    o?: { audit?: WriteAudit } & CallOptions,
  ): Promise<ExecuteResult> {
    const r = await this.write(
      {
        type: 'execute',
        tenant: this.tenant(),
        sql,
        params,
        ...(o?.audit ? { audit: o.audit } : {}),
      },
      o?.timeoutMs,
    );
    // The decoder built every row afresh for this reply: hand them out without a copy.
    return r as ExecuteResult;
  }

  /**
   * Runs a read-only query, now or as of a past log position (`{ at }`).
   *
   * @example
   * const { rows } = await db.query('SELECT * FROM t WHERE id = $1', [1]);
   * const old = await db.query('SELECT * FROM t', [], { at: 10n });
   */
  async query(
    sql: string,
    params: readonly unknown[] = [],
    o?: { at?: At } & CallOptions,
  ): Promise<QueryResult> {
    const r = await this.call(
      { type: 'query', tenant: this.tenant(), sql, params, ...atOf(o?.at) },
      o?.timeoutMs,
    );
    return r as QueryResult;
  }

  /**
   * `query` as of a log position (the original SDK's name).
   *
   * @example
   * const { rows } = await db.queryAt('SELECT * FROM t', [], 10n);
   */
  queryAt(sql: string, params: readonly unknown[], at: At): Promise<QueryResult> {
    return this.query(sql, params, { at });
  }

  /**
   * Creates an event stream of the tenant.
   *
   * @example
   * const { streamId } = await db.createStream('orders');
   */
  async createStream(name: string): Promise<{ streamId: number; position: bigint }> {
    return this.write({ type: 'create_stream', tenant: this.tenant(), name });
  }

  /**
   * Appends events (strings are UTF-8 encoded); `expectedOffset` makes it conditional.
   *
   * @example
   * const { firstOffset } = await db.append('orders', ['a', 'b'], { expectedOffset: 0n });
   */
  async append(
    stream: string,
    events: readonly (Uint8Array | string)[],
    o?: { expectedOffset?: At } & CallOptions,
  ): Promise<{ firstOffset: bigint; count: number; position: bigint }> {
    const encoder = new TextEncoder();
    return this.write(
      {
        type: 'append',
        tenant: this.tenant(),
        stream,
        events: events.map((e) => (typeof e === 'string' ? encoder.encode(e) : e)),
        ...(o?.expectedOffset !== undefined ? { expectedOffset: BigInt(o.expectedOffset) } : {}),
      },
      o?.timeoutMs,
    );
  }

  /**
   * Reads one page of events from `fromOffset` (default 0).
   *
   * @example
   * const { events, nextOffset } = await db.read('orders', { fromOffset: 0n, maxEvents: 100 });
   */
  async read(
    stream: string,
    o?: { fromOffset?: At; maxBytes?: number; maxEvents?: number; at?: At } & CallOptions,
  ): Promise<{ events: StreamEvent[]; nextOffset: bigint; position: bigint }> {
    const r = await this.call(
      {
        type: 'read',
        tenant: this.tenant(),
        stream,
        ...(o?.fromOffset !== undefined ? { fromOffset: BigInt(o.fromOffset) } : {}),
        ...(o?.maxBytes !== undefined ? { maxBytes: o.maxBytes } : {}),
        ...(o?.maxEvents !== undefined ? { maxEvents: o.maxEvents } : {}),
        ...atOf(o?.at),
      },
      o?.timeoutMs,
    );
    return { ...r, events: [...r.events] };
  }

  /**
   * Every event from `fromOffset` to the end of the stream, paging with `read`.
   *
   * @example
   * for await (const { offset, data } of db.readAll('orders')) console.log(offset, data);
   */
  async *readAll(
    stream: string,
    o?: { fromOffset?: At; maxBytes?: number; maxEvents?: number; at?: At },
  ): AsyncIterable<StreamEvent> {
    let from = BigInt(o?.fromOffset ?? 0);
    let at = o?.at;
    for (;;) {
      const page = await this.read(stream, {
        ...o,
        fromOffset: from,
        ...(at !== undefined ? { at } : {}),
      });
      // Pin the snapshot of the first page so every page is from the same point in time.
      at ??= page.position;
      if (page.events.length === 0) return;
      yield* page.events;
      if (page.nextOffset <= from) return;
      from = page.nextOffset;
    }
  }

  /**
   * A stream's id, next offset and creation position.
   *
   * @example
   * const { nextOffset } = await db.streamInfo('orders');
   */
  async streamInfo(stream: string): Promise<Results['stream_info']> {
    return this.call({ type: 'stream_info', tenant: this.tenant(), stream });
  }

  /**
   * The server's version, protocols, backends, position, uptime, connections, auth and TLS.
   *
   * @example
   * const { serverVersion, backends } = await db.serverInfo();
   */
  async serverInfo(): Promise<Results['server_info']> {
    const r = await this.call({ type: 'server_info' });
    return { ...r, backends: [...r.backends], protocolVersions: [...r.protocolVersions] };
  }

  /**
   * Verifies the server's log (hash chain and checksums); admin only.
   *
   * @example
   * const { ok, problem } = await db.verify();
   */
  async verify(o?: CallOptions): Promise<Results['verify']> {
    return this.call({ type: 'verify' }, o?.timeoutMs);
  }

  /**
   * A round trip to the server.
   *
   * @example
   * await db.ping();
   */
  async ping(o?: CallOptions): Promise<void> {
    await this.call({ type: 'ping' }, o?.timeoutMs);
  }

  /**
   * What the handshake of the first live connection reported: tenant, roles and limits.
   *
   * @example
   * console.log(db.session?.roles);
   */
  get session(): Results['handshake'] | undefined {
    return this.connections.find((c) => c?.alive)?.hello;
  }

  /**
   * Waits for in-flight requests, then closes every connection. Later calls fail with
   * CONNECTION_CLOSED.
   *
   * @example
   * await db.close();
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const reconnecting = await Promise.allSettled(this.reconnecting.values());
    for (const r of reconnecting) if (r.status === 'fulfilled') r.value.destroy();
    await Promise.all(this.connections.map((c) => c?.close()));
  }

  private tenant(): number {
    const t = this.options.tenantId;
    if (t === undefined) {
      throw new KimberliteClientError(
        ErrorCode.InvalidArgument,
        'this call needs a tenant: pass tenantId to Client.connect',
        false,
      );
    }
    return t;
  }

  /** A read (or any request without a request id): retried on retryable errors. */
  private call<T extends RequestType>(
    body: Extract<RequestBody, { type: T }>,
    timeoutMs?: number,
  ): Promise<Results[T]> {
    return this.withRetries(body, timeoutMs) as Promise<Results[T]>;
  }

  /** A write: holds a lane so a retry resends the same (clientId, requestNumber). */
  private async write<T extends RequestType>(
    body: Extract<RequestBody, { type: T }>,
    timeoutMs?: number,
  ): Promise<Results[T]> {
    const lane = await this.acquireLane();
    const request: WireRequestId = { clientId: lane.clientId, requestNumber: lane.nextRequest };
    let ok = false;
    try {
      // `body` is built per call by this class: add the request id in place, no copy.
      (body as { request?: WireRequestId }).request = request;
      const r = await this.withRetries(body, timeoutMs);
      ok = true;
      return r as Results[T];
    } finally {
      // A request number whose outcome is unknown must not be reused for another write, so
      // the lane moves on in every case; the kernel keeps only the latest per client.
      lane.nextRequest += 1;
      this.releaseLane(lane, ok);
    }
  }

  private async withRetries(body: RequestBody, timeoutMs?: number): Promise<unknown> {
    const retries = this.options.retries ?? 3;
    const isWrite = WRITE_REQUESTS.has(body.type);
    const idempotent = !isWrite || (body as { request?: unknown }).request !== undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        // A live connection is picked without a promise step; a reconnect is awaited.
        const picked = this.connection();
        const conn = picked instanceof Connection ? picked : await picked;
        return await conn.send(body, timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      } catch (e) {
        if (
          this.closed ||
          attempt >= retries ||
          !idempotent ||
          !(e instanceof KimberliteClientError) ||
          !e.retryable
        ) {
          throw e;
        }
        const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
        await sleep(backoff / 2 + Math.random() * (backoff / 2));
      }
    }
  }

  /** The live connection with the fewest in-flight requests (round robin among equals). */
  private connection(): Connection | Promise<Connection> {
    if (this.closed) {
      throw new ConnectionError(ErrorCode.ConnectionClosed, 'the client is closed', false);
    }
    const n = this.connections.length;
    let best: Connection | undefined;
    let dead = -1;
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n;
      const c = this.connections[i];
      if (c?.alive) {
        if (!best || c.inFlight < best.inFlight) best = c;
      } else if (dead < 0) {
        dead = i;
      }
    }
    this.next = (this.next + 1) % n;
    if (dead >= 0) {
      const reconnecting = this.reconnect(dead);
      if (!best) return reconnecting;
      // Heal the pool in the background; a failure is retried on a later call.
      reconnecting.catch(() => {});
    }
    return best as Connection;
  }

  private reconnect(i: number): Promise<Connection> {
    let p = this.reconnecting.get(i);
    if (!p) {
      p = openWith(this.options, this.crc).then(
        (c) => {
          this.reconnecting.delete(i);
          if (this.closed) {
            c.destroy();
            throw new ConnectionError(ErrorCode.ConnectionClosed, 'the client is closed', false);
          }
          this.connections[i] = c;
          return c;
        },
        (e: unknown) => {
          this.reconnecting.delete(i);
          throw e;
        },
      );
      this.reconnecting.set(i, p);
    }
    return p;
  }

  private acquireLane(): Promise<Lane> {
    const lane = this.lanes.pop();
    if (lane) return Promise.resolve(lane);
    const max = this.laneCap();
    if (this.usedClientIds.size < max) return Promise.resolve(this.newLane());
    return new Promise((resolve) => this.laneWaiters.push(resolve));
  }

  private releaseLane(lane: Lane, _ok: boolean): void {
    const waiter = this.laneWaiters.shift();
    if (waiter) waiter(lane);
    else this.lanes.push(lane);
  }

  /** Concurrent writes: the server's in-flight limit per connection times the pool size. */
  private laneCap(): number {
    const perConnection = this.session?.maxInFlight ?? 64;
    return Math.max(1, perConnection * this.connections.length);
  }

  private newLane(): Lane {
    for (;;) {
      const clientId = randomInt(1, 0xffffffff);
      if (!this.usedClientIds.has(clientId)) {
        this.usedClientIds.add(clientId);
        return { clientId, nextRequest: 1 };
      }
    }
  }
}

function openWith(o: ConnectOptions, crc: Crc32c): Promise<Connection> {
  const { host, port } = parseAddress(o.address);
  return Connection.open({
    host,
    port,
    tls: o.tls === true ? {} : o.tls === false ? undefined : o.tls,
    crc,
    credentials: credentialsFor(o.token),
    tenant: o.tenantId,
    clientName: o.clientName ?? 'kimberlite-client',
    connectTimeoutMs: o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  });
}

function atOf(at: At | undefined): { at?: bigint } {
  return at === undefined ? {} : { at: BigInt(at) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
