/**
 * One socket to a server: frames, the handshake, pipelined requests matched by id, timeouts.
 * Internal to the SDK (the Client owns a pool of these).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Crc32c } from '../crypto/index.js';
import { ErrorCode } from '../types/index.js';
import type { Credentials, Request, Response, Results } from '../wire/index.js';
import {
  decodeResponse,
  FRAME_HEADER_BYTES,
  FrameDecoder,
  PROTOCOL_VERSIONS,
  requestFrame,
} from '../wire/index.js';
import {
  ConnectionError,
  errorFor,
  KimberliteClientError,
  LimitError,
  ProtocolError,
  TimeoutError,
} from './errors.js';

/**
 * Socket options of a TLS connection (PEM text or bytes).
 *
 * @example
 * const tls: TlsOptions = { ca: readFileSync('ca.pem', 'utf8'), servername: 'db.internal' };
 */
export interface TlsOptions {
  readonly ca?: string | Uint8Array;
  readonly cert?: string | Uint8Array;
  readonly key?: string | Uint8Array;
  readonly servername?: string;
  readonly rejectUnauthorized?: boolean;
}

export interface ConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: TlsOptions | undefined;
  readonly crc: Crc32c;
  readonly credentials: Credentials;
  readonly tenant?: number | undefined;
  readonly clientName?: string | undefined;
  readonly connectTimeoutMs: number;
}

/**
 * A request sent or waiting for a slot. `deadline` is a `performance.now()` time (Infinity
 * when the request has no timeout); one sweep timer per connection enforces every deadline.
 */
interface Pending {
  readonly body: RequestBody;
  readonly timeoutMs: number;
  readonly deadline: number;
  readonly resolve: (r: unknown) => void;
  readonly reject: (e: KimberliteClientError) => void;
}

/** Frames of one tick up to this many bytes are joined into one buffer; more go corked. */
const CONCAT_BYTES_MAX = 64 * 1024;

/** Distributes Omit over the request union. */
export type RequestBody = Request extends infer R
  ? R extends Request
    ? Omit<R, 'id'>
    : never
  : never;

export class Connection {
  private readonly pending = new Map<number, Pending>();
  /** Requests waiting for a slot (the server's maxInFlight), oldest first. */
  private readonly waiting: Pending[] = [];
  /** Frames of this tick, written together on the next tick (one write per tick). */
  private outbox: Uint8Array[] = [];
  private readonly flushBound = (): void => this.flush();
  /** The sweep timer, armed for the earliest deadline (`sweepAt`), unref'd. */
  private sweepTimer: ReturnType<typeof setTimeout> | undefined;
  private sweepAt = Number.POSITIVE_INFINITY;
  private readonly sweepBound = (): void => this.sweep();
  /** `close` calls waiting for the last reply. */
  private readonly idleWaiters: (() => void)[] = [];
  private nextId = 1;
  private closedError: KimberliteClientError | undefined;
  private readonly decoder: FrameDecoder;
  /** The handshake result. */
  hello: Results['handshake'] | undefined;

  private constructor(
    private readonly socket: net.Socket,
    private readonly crc: Crc32c,
  ) {
    this.decoder = new FrameDecoder({ crc32c: crc });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.fail(socketError(e)));
    socket.on('close', () =>
      this.fail(
        connectionLost(
          this.hello === undefined
            ? 'the server closed the connection before answering the handshake (a TLS server ' +
                'reached without the tls option, or not a Kimberlite server?)'
            : 'the server closed the connection',
        ),
      ),
    );
  }

  /** Opens a socket and performs the handshake. */
  static async open(o: ConnectionOptions): Promise<Connection> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const onError = (e: Error) => {
        clearTimeout(timer);
        s.destroy();
        const where = `${o.host}:${o.port}`;
        if (o.tls && isCertificateError(e)) {
          // Retrying cannot help: the client's trust settings must change.
          reject(
            new ConnectionError(
              ErrorCode.ConnectionClosed,
              `cannot connect to ${where}: the server's TLS certificate is not trusted ` +
                `(${e.message}); pass tls.ca with the CA that signed it (or the certificate ` +
                'itself when self-signed) and tls.servername when it names a host',
              false,
              { cause: e },
            ),
          );
          return;
        }
        reject(connectionLost(`cannot connect to ${where}: ${e.message}`));
      };
      const ready = () => {
        clearTimeout(timer);
        s.off('error', onError);
        resolve(s);
      };
      const s: net.Socket = o.tls
        ? tls.connect(
            {
              host: o.host,
              port: o.port,
              ...(o.tls.ca !== undefined ? { ca: toPem(o.tls.ca) } : {}),
              ...(o.tls.cert !== undefined ? { cert: toPem(o.tls.cert) } : {}),
              ...(o.tls.key !== undefined ? { key: toPem(o.tls.key) } : {}),
              servername: o.tls.servername ?? (net.isIP(o.host) ? undefined : o.host),
              rejectUnauthorized: o.tls.rejectUnauthorized ?? true,
            },
            ready,
          )
        : net.connect({ host: o.host, port: o.port }, ready);
      s.setNoDelay(true);
      s.once('error', onError);
      const timer = setTimeout(() => {
        s.destroy();
        reject(
          new TimeoutError(
            ErrorCode.Timeout,
            `no connection to ${o.host}:${o.port} within ${o.connectTimeoutMs} ms; ` +
              'is the server running and the address right?',
            true,
          ),
        );
      }, o.connectTimeoutMs);
    });
    const conn = new Connection(socket, o.crc);
    try {
      conn.hello = (await conn.send(
        {
          type: 'handshake',
          versions: PROTOCOL_VERSIONS,
          credentials: o.credentials,
          ...(o.tenant !== undefined ? { tenant: o.tenant } : {}),
          ...(o.clientName !== undefined ? { clientName: o.clientName } : {}),
        },
        o.connectTimeoutMs,
      )) as Results['handshake'];
    } catch (e) {
      conn.destroy();
      throw e;
    }
    return conn;
  }

  get alive(): boolean {
    return this.closedError === undefined;
  }

  /** Requests sent and not yet answered, plus those waiting for a slot. */
  get inFlight(): number {
    return this.pending.size + this.waiting.length;
  }

  /**
   * Sends one request; resolves with its result or rejects with a typed error. At most the
   * server's `maxInFlight` requests are on the wire at once; more wait here, in order, for a
   * reply to free a slot (the timeout counts from the call, waiting included).
   */
  send(body: RequestBody, timeoutMs: number): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const deadline =
        timeoutMs > 0 && Number.isFinite(timeoutMs)
          ? performance.now() + timeoutMs
          : Number.POSITIVE_INFINITY;
      const p: Pending = { body, timeoutMs, deadline, resolve, reject };
      if (deadline < this.sweepAt) this.armSweep(deadline);
      if (this.hasSlot()) this.start(p);
      else this.waiting.push(p);
    });
  }

  /** Encodes and queues one request; its frame leaves with the others of this tick. */
  private start(p: Pending): void {
    const id = this.allocateId();
    let frame: Uint8Array;
    try {
      // The body is the SDK's own object, built per call: stamp the id instead of copying.
      (p.body as { id?: number }).id = id;
      frame = requestFrame(p.body as Request, this.crc);
      this.checkSize(p.body.type, frame.byteLength - FRAME_HEADER_BYTES);
    } catch (e) {
      p.reject(asClientError(e));
      this.settled();
      return;
    }
    this.pending.set(id, p);
    if (this.outbox.push(frame) === 1) process.nextTick(this.flushBound);
  }

  /** Writes the frames queued this tick in one socket write. */
  private flush(): void {
    const frames = this.outbox;
    if (frames.length === 0 || this.closedError) return;
    this.outbox = [];
    if (frames.length === 1) {
      this.socket.write(frames[0] as Uint8Array);
      return;
    }
    let bytes = 0;
    for (const f of frames) bytes += f.byteLength;
    if (bytes <= CONCAT_BYTES_MAX) {
      this.socket.write(Buffer.concat(frames, bytes));
      return;
    }
    // Large frames are not copied: corked writes leave in one writev.
    this.socket.cork();
    for (const f of frames) this.socket.write(f);
    this.socket.uncork();
  }

  /** (Re)arms the sweep timer for `at` (a `performance.now()` time). */
  private armSweep(at: number): void {
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.sweepAt = at;
    // The open socket keeps the process alive while requests wait; the timer need not.
    this.sweepTimer = setTimeout(this.sweepBound, Math.max(0, Math.ceil(at - performance.now())));
    this.sweepTimer.unref();
  }

  /** Fails every request past its deadline; re-arms for the earliest one left. */
  private sweep(): void {
    this.sweepTimer = undefined;
    this.sweepAt = Number.POSITIVE_INFINITY;
    if (this.closedError) return;
    // A timer may fire a little early (ms rounding): 1 ms of slack avoids a second sweep.
    const now = performance.now() + 1;
    let next = Number.POSITIVE_INFINITY;
    const expired: Pending[] = [];
    for (const [id, p] of this.pending) {
      if (p.deadline <= now) {
        this.pending.delete(id);
        expired.push(p);
      } else if (p.deadline < next) {
        next = p.deadline;
      }
    }
    let kept = 0;
    for (const p of this.waiting) {
      if (p.deadline <= now) expired.push(p);
      else {
        this.waiting[kept++] = p;
        if (p.deadline < next) next = p.deadline;
      }
    }
    this.waiting.length = kept;
    if (next < Number.POSITIVE_INFINITY) this.armSweep(next);
    if (expired.length === 0) return;
    for (const p of expired) {
      p.reject(
        new TimeoutError(
          ErrorCode.Timeout,
          `no reply to ${p.body.type} within ${p.timeoutMs} ms; raise timeoutMs or check the ` +
            'server load',
          true,
        ),
      );
    }
    this.settled();
  }

  /** Closes the socket; pending requests fail with CONNECTION_CLOSED. */
  destroy(): void {
    this.fail(connectionLost('the connection was closed by the client'));
    this.socket.destroy();
  }

  /** Waits for in-flight (and waiting) requests, then closes. */
  async close(): Promise<void> {
    if (this.alive && this.inFlight > 0) {
      await new Promise<void>((r) => this.idleWaiters.push(r));
    }
    this.destroy();
  }

  /**
   * A request over the server's frame limit would make the server close the connection (and
   * fail every request on it): refuse it here, alone.
   */
  private checkSize(type: string, payloadBytes: number): void {
    const max = this.hello?.maxFrameBytes;
    if (max !== undefined && payloadBytes > max) {
      throw new LimitError(
        ErrorCode.LimitExceeded,
        `the ${type} request is ${payloadBytes} bytes encoded; the server takes at most ` +
          `${max} (its maxFrameBytes): send less per request (split the rows or events)`,
        false,
      );
    }
  }

  private hasSlot(): boolean {
    const max = this.hello?.maxInFlight;
    return max === undefined || max < 1 || this.pending.size < max;
  }

  /** A request left the wire: start waiting ones, tell `close` when nothing is left. */
  private settled(): void {
    while (this.waiting.length > 0 && this.hasSlot() && !this.closedError) {
      this.start(this.waiting.shift() as Pending);
    }
    if (this.inFlight === 0) {
      for (const r of this.idleWaiters.splice(0)) r();
    }
  }

  private allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
      if (!this.pending.has(id)) return id;
    }
  }

  private onData(chunk: Buffer): void {
    let payloads: Uint8Array[];
    try {
      payloads = this.decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    } catch (e) {
      this.fail(
        new ProtocolError(ErrorCode.ProtocolError, `bad frame from server: ${String(e)}`, false),
      );
      this.socket.destroy();
      return;
    }
    for (const payload of payloads) {
      let response: Response;
      try {
        response = decodeResponse(payload);
      } catch (e) {
        this.fail(
          new ProtocolError(ErrorCode.ProtocolError, `bad reply from server: ${String(e)}`, false),
        );
        this.socket.destroy();
        return;
      }
      if (response.id === 0 && !response.ok) {
        this.fail(errorFor(response.error));
        this.socket.destroy();
        return;
      }
      const p = this.pending.get(response.id);
      if (!p) continue; // a reply to a request that already timed out
      this.pending.delete(response.id);
      if (response.ok) p.resolve(response.result);
      else p.reject(errorFor(response.error));
    }
    this.settled();
  }

  private fail(error: KimberliteClientError): void {
    if (!this.closedError) this.closedError = error;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    this.sweepAt = Number.POSITIVE_INFINITY;
    this.outbox = [];
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(error);
    for (const w of this.waiting.splice(0)) w.reject(error);
    for (const r of this.idleWaiters.splice(0)) r();
  }
}

function connectionLost(message: string): ConnectionError {
  return new ConnectionError(ErrorCode.ConnectionClosed, message, true);
}

/** A request that cannot be encoded (a value msgpack cannot carry): the caller's mistake. */
function asClientError(e: unknown): KimberliteClientError {
  if (e instanceof KimberliteClientError) return e;
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : String(e);
  return errorFor({
    code: typeof code === 'string' ? (code as ErrorCode) : ErrorCode.InvalidArgument,
    message,
    retryable: false,
  });
}

/** A socket error after connecting; a refused client certificate is not worth retrying. */
function socketError(e: Error): ConnectionError {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (/^ERR_SSL_.*ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA)/.test(code)) {
    return new ConnectionError(
      ErrorCode.ConnectionClosed,
      `the server refused the TLS client certificate (${code}): pass tls.cert and tls.key ` +
        'with a certificate signed by the CA the server trusts (its tls.caFile)',
      false,
      { cause: e },
    );
  }
  return connectionLost(e.message);
}

/** Node's certificate verification failures (self-signed, unknown CA, wrong name, expired). */
function isCertificateError(e: Error): boolean {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  return /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME/.test(code);
}

function toPem(v: string | Uint8Array): string | Buffer {
  return typeof v === 'string' ? v : Buffer.from(v);
}
