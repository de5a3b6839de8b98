/**
 * The Kimberlite server: the embedded database behind a TCP (or TLS) listener speaking the
 * binary wire protocol (ts/wire), with an optional HTTP sidecar for /metrics, /health, /ready.
 *
 * Lifecycle: `start` checks the config, loads the auth keys, opens the database, listens;
 * `shutdown` stops accepting, answers new requests SHUTTING_DOWN, waits for the requests in
 * flight, closes the database (checkpoint and sync), then closes the sockets.
 *
 * Invariants:
 * - `#connections` holds exactly the accepted, not yet closed connections; its size never
 *   exceeds `limits.connectionsMax` (a connection past it gets TOO_MANY_CONNECTIONS and is
 *   closed before it is counted).
 * - `#inFlight` is the sum of the connections' in-flight requests; the database is closed only
 *   once it is 0 and no new request can start.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Server as HttpServer } from 'node:http';
import * as net from 'node:net';
import { join } from 'node:path';
import * as tls from 'node:tls';
import type { Crc32c } from '../crypto/index.js';
import { packageRoot } from '../platform/index.js';
import { Kimberlite } from '../runtime/index.js';
import { ErrorCode, KimberliteError } from '../types/index.js';
import type { Results } from '../wire/index.js';
import { encodeFrame, encodeResponse, errorResponse, PROTOCOL_VERSIONS } from '../wire/index.js';
import { type Authenticator, createAuthenticator, type Identity } from './auth.js';
import {
  type Address,
  checkServerConfig,
  formatAddress,
  type Limits,
  type ServerConfig,
} from './config.js';
import { Connection, type ConnectionHost } from './connection.js';
import type { HandlerContext } from './handlers.js';
import { startHttp } from './http.js';
import { ServerMetrics } from './metrics.js';

/** How long closing sockets may take to flush before shutdown destroys them. */
const CLOSE_GRACE_MS = 2_000;

let cachedVersion: string | undefined;

/**
 * The package's version (package.json), reported in handshakes and server_info.
 *
 * @example
 * serverVersion(); // '0.1.0'
 */
export function serverVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const parsed = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8'));
      cachedVersion = typeof parsed.version === 'string' ? parsed.version : 'unknown';
    } catch {
      cachedVersion = 'unknown';
    }
  }
  return cachedVersion as string;
}

function listen(server: net.Server, address: Address): Promise<Address> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      const bound = server.address() as net.AddressInfo;
      resolve({ host: address.host, port: bound.port });
    });
  });
}

async function tlsOptions(config: NonNullable<ServerConfig['tls']>): Promise<tls.TlsOptions> {
  const read = async (path: string, what: string) => {
    try {
      return await readFile(path);
    } catch (error) {
      throw new KimberliteError(
        ErrorCode.InvalidArgument,
        `cannot read the TLS ${what} ${path}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  };
  const requireCert = config.requireClientCert === true;
  return {
    cert: await read(config.certFile, 'certificate'),
    key: await read(config.keyFile, 'key'),
    ...(config.caFile === undefined ? {} : { ca: await read(config.caFile, 'CA file') }),
    requestCert: requireCert,
    rejectUnauthorized: requireCert,
    minVersion: 'TLSv1.2',
  };
}

/**
 * A running server. Start one with `Server.start`; stop it with `shutdown`.
 *
 * @example
 * const server = await Server.start({
 *   dataDir: './data',
 *   address: { host: '127.0.0.1', port: 7432 },
 *   http: { host: '127.0.0.1', port: 7433 },
 *   auth: { mode: 'api_key' },
 * });
 * console.log(server.address.port);
 * await server.shutdown();
 */
export class Server {
  /**
   * The address the wire protocol listens on (the real port when 0 was asked for).
   *
   * @example
   * Client.connect({ address: `127.0.0.1:${server.address.port}` });
   */
  readonly address: Address;
  /**
   * The HTTP sidecar's address, when configured.
   *
   * @example
   * await fetch(`http://127.0.0.1:${server.httpAddress?.port}/metrics`);
   */
  readonly httpAddress: Address | undefined;
  readonly #config: ServerConfig;
  readonly #db: Kimberlite;
  readonly #listener: net.Server;
  readonly #sockets: Set<net.Socket>;
  readonly #http: HttpServer | undefined;
  readonly #connections = new Set<Connection>();
  readonly #host: ConnectionHost;
  readonly #startedAtMs = Date.now();
  #inFlight = 0;
  #drained: (() => void) | undefined;
  #shuttingDown = false;
  #stopped: Promise<void> | undefined;

  private constructor(parts: {
    config: ServerConfig;
    db: Kimberlite;
    listener: net.Server;
    sockets: Set<net.Socket>;
    address: Address;
    http: { server: HttpServer; address: Address } | undefined;
    host: ConnectionHost;
  }) {
    this.#config = parts.config;
    this.#db = parts.db;
    this.#listener = parts.listener;
    this.#sockets = parts.sockets;
    this.address = parts.address;
    this.#http = parts.http?.server;
    this.httpAddress = parts.http?.address;
    this.#host = parts.host;
  }

  /**
   * Opens the database in `config.dataDir` and starts listening. Logs (through `config.log`)
   * the addresses, TLS, the auth mode (auth none loudly) and the backends.
   *
   * @example
   * const server = await Server.start({ dataDir: dir, address: { host: '127.0.0.1', port: 0 },
   *   auth: { mode: 'none' } });
   */
  static async start(config: ServerConfig): Promise<Server> {
    const limits = checkServerConfig(config);
    const log = config.log ?? ((line: string) => console.error(line));
    const authenticator = await createAuthenticator(config.auth, config.dataDir);
    const secure = config.tls === undefined ? undefined : await tlsOptions(config.tls);
    const db = await Kimberlite.open(config.dataDir, {
      ...(config.backend === undefined ? {} : { backend: config.backend }),
      ...(config.masterKeyFile === undefined ? {} : { masterKeyFile: config.masterKeyFile }),
    });
    const metrics = new ServerMetrics({ dataDir: config.dataDir, position: () => db.position });
    let server: Server | undefined;
    const accept = (socket: net.Socket) => {
      if (server === undefined) socket.destroy();
      else server.#accept(socket);
    };
    const listener =
      secure === undefined
        ? net.createServer({ allowHalfOpen: true }, accept)
        : tls.createServer(
            { ...secure, allowHalfOpen: true },
            accept as (socket: tls.TLSSocket) => void,
          );
    listener.on('tlsClientError', (error: Error) => {
      metrics.refused.inc({ reason: 'tls' });
      log(`TLS handshake failed: ${error.message}`);
    });
    // Every raw socket, so shutdown can end those that never became connections (a TLS
    // handshake in progress, a refused socket).
    const sockets = new Set<net.Socket>();
    listener.on('connection', (socket: net.Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    let address: Address;
    let http: { server: HttpServer; address: Address } | undefined;
    try {
      address = await listen(listener, config.address);
      if (config.http !== undefined) {
        http = await startHttp(config.http, {
          metrics: () => metrics.registry.metrics(),
          contentType: metrics.registry.contentType,
          ready: () => server !== undefined && !server.#shuttingDown,
        });
      }
    } catch (error) {
      listener.close();
      await db.close();
      throw new KimberliteError(
        ErrorCode.IoError,
        `cannot listen: ${(error as Error).message}; is another server using the port?`,
        { cause: error },
      );
    }
    const host = Server.#makeHost(limits, db, authenticator, metrics, log, () => server);
    server = new Server({ config, db, listener, sockets, address, http, host });
    server.#logStart(limits, log);
    return server;
  }

  static #makeHost(
    limits: Limits,
    db: Kimberlite,
    authenticator: Authenticator,
    metrics: ServerMetrics,
    log: (line: string) => void,
    self: () => Server | undefined,
  ): ConnectionHost {
    const crc: Crc32c = db.backends.crc32c;
    return {
      crc,
      limits,
      authenticator,
      metrics,
      serverVersion: serverVersion(),
      get shuttingDown() {
        const server = self();
        return server === undefined || server.#shuttingDown;
      },
      context: (identity: Identity): HandlerContext => ({
        db,
        identity,
        serverInfo: () => (self() as Server).#serverInfo(),
        onCommit: () => metrics.commits.inc(),
      }),
      requestStarted: () => {
        const server = self() as Server;
        server.#inFlight += 1;
      },
      requestFinished: () => {
        const server = self() as Server;
        server.#inFlight -= 1;
        if (server.#inFlight === 0) server.#drained?.();
      },
      closed: (connection) => {
        const server = self();
        if (server === undefined) return;
        if (server.#connections.delete(connection)) metrics.connections.dec();
      },
      log,
    };
  }

  #logStart(limits: Limits, log: (line: string) => void): void {
    const config = this.#config;
    const tlsText =
      config.tls === undefined
        ? 'tls off'
        : `tls on${config.tls.requireClientCert === true ? ', client certificates required' : ''}`;
    log(`kimberlite ${serverVersion()} listening on ${formatAddress(this.address)} (${tlsText})`);
    if (this.httpAddress !== undefined) {
      log(`http on ${formatAddress(this.httpAddress)} (/metrics /health /ready)`);
    }
    if (config.auth.mode === 'none') {
      log('WARNING: authentication is off (auth none): development only');
    } else {
      log(`auth: ${config.auth.mode}`);
    }
    log(
      `limits: ${limits.connectionsMax} connections, ${limits.inFlightPerConnectionMax} in ` +
        `flight per connection, idle ${limits.idleTimeoutMs} ms, requests <= ` +
        `${limits.requestBytesMax} bytes`,
    );
    log(`backends: ${this.#backendLines().join(', ')}`);
    log(`data: ${config.dataDir} (log position ${this.#db.position})`);
  }

  #backendLines(): string[] {
    return this.#db.backends.report.map((r) => `${r.primitive}: ${r.kind} (${r.name})`);
  }

  #serverInfo(): Results['server_info'] {
    return {
      serverVersion: serverVersion(),
      protocolVersions: PROTOCOL_VERSIONS,
      backends: this.#backendLines(),
      position: this.#db.position,
      uptimeMs: Math.max(0, Date.now() - this.#startedAtMs),
      connections: this.#connections.size,
      auth: this.#config.auth.mode,
      tls: this.#config.tls !== undefined,
    };
  }

  /** Refuses a connection with one error frame (id 0), then closes it. */
  #refuse(socket: net.Socket, error: KimberliteError, reason: string): void {
    const metrics = this.#host.metrics;
    metrics.refused.inc({ reason });
    metrics.errors.inc({ code: error.code });
    socket.on('error', () => undefined);
    socket.end(encodeFrame(encodeResponse(errorResponse(0, error)), this.#host.crc));
    // Read (and drop) what the client sends, so its FIN arrives and the socket closes at once
    // when the client hangs up; one that never does is destroyed after a grace period.
    socket.resume();
    const grace = setTimeout(() => socket.destroy(), 2_000).unref();
    socket.once('close', () => clearTimeout(grace));
  }

  #accept(socket: net.Socket): void {
    const limits = this.#host.limits;
    if (this.#shuttingDown) {
      this.#refuse(
        socket,
        new KimberliteError(ErrorCode.ShuttingDown, 'the server is shutting down'),
        'shutting_down',
      );
      return;
    }
    if (this.#connections.size >= limits.connectionsMax) {
      this.#refuse(
        socket,
        new KimberliteError(
          ErrorCode.TooManyConnections,
          `the server has ${limits.connectionsMax} connections open (its limit); ` +
            'close idle connections or retry later',
        ),
        'too_many_connections',
      );
      return;
    }
    const connection = new Connection(socket, this.#host);
    this.#connections.add(connection);
    this.#host.metrics.connections.inc();
    this.#host.metrics.connectionsTotal.inc();
  }

  /**
   * Connections open now.
   *
   * @example
   * server.connectionCount; // 3
   */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /**
   * The database this server serves (for tests and embedding tools in the same process).
   *
   * @example
   * server.database.position; // the newest durable log position
   */
  get database(): Kimberlite {
    return this.#db;
  }

  /**
   * Graceful stop: no new connections, new requests answered SHUTTING_DOWN, requests in flight
   * finish and are answered, the database is closed (checkpoint and sync), then the sockets
   * and the HTTP sidecar close. Calling it again returns the same promise.
   *
   * @example
   * process.once('SIGTERM', () => void server.shutdown());
   */
  shutdown(): Promise<void> {
    this.#stopped ??= this.#shutdown();
    return this.#stopped;
  }

  async #shutdown(): Promise<void> {
    const log = this.#host.log;
    this.#shuttingDown = true;
    log('shutting down: finishing requests in flight');
    const listenerClosed = new Promise<void>((resolve) => this.#listener.close(() => resolve()));
    if (this.#inFlight > 0) {
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
      });
    }
    await this.#db.close();
    for (const connection of this.#connections) connection.end();
    if (this.#http !== undefined) {
      const http = this.#http;
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    }
    const grace = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref());
    await Promise.race([listenerClosed, grace]);
    for (const socket of this.#sockets) socket.destroy();
    await listenerClosed;
    log('stopped: database closed and synced');
  }
}

/**
 * Runs until SIGTERM or SIGINT, then shuts the server down gracefully. A second signal while
 * shutting down gets the default action (the process ends at once).
 *
 * @example
 * const server = await Server.start(config);
 * await runUntilSignal(server);
 */
export function runUntilSignal(
  server: Server,
  signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onSignal = (signal: NodeJS.Signals) => {
      for (const s of signals) process.off(s, onSignal);
      console.error(`${signal}: shutting down`);
      server.shutdown().then(resolve, reject);
    };
    for (const s of signals) process.on(s, onSignal);
  });
}
