/**
 * One client connection: frames in, requests dispatched concurrently, replies out matched by
 * id. The first request must be a handshake (version, credentials); after it every request is
 * authorized against the connection's identity before it runs.
 *
 * Invariants:
 * - `inFlight` counts requests dispatched and not yet answered; it never exceeds the limit
 *   (a request past it is answered TOO_MANY_REQUESTS at once and never runs).
 * - A malformed frame or message ends the connection: one error frame with id 0, then close.
 *   Nothing else in the server is touched, and requests already running still finish.
 * - After `state` becomes `closed` nothing more is read from or written to the socket.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Crc32c } from '../crypto/index.js';
import { ErrorCode, KimberliteError } from '../types/index.js';
import {
  decodeRequest,
  encodeFrame,
  encodeResponse,
  errorResponse,
  FrameDecoder,
  PROTOCOL_VERSIONS,
  type Request,
  type Response,
} from '../wire/index.js';
import { type Authenticator, authorize, checkTenant, type Identity } from './auth.js';
import type { Limits } from './config.js';
import { type HandlerContext, handle } from './handlers.js';
import type { ServerMetrics } from './metrics.js';

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly crc: Crc32c;
  readonly limits: Limits;
  readonly authenticator: Authenticator;
  readonly metrics: ServerMetrics;
  readonly serverVersion: string;
  readonly shuttingDown: boolean;
  /** The handler context for an authenticated identity. */
  context(identity: Identity): HandlerContext;
  requestStarted(): void;
  requestFinished(): void;
  closed(connection: Connection): void;
  log(line: string): void;
}

/** How long a closing connection may take to flush its last frame before it is destroyed. */
const CLOSE_GRACE_MS = 2_000;

/** The highest version both sides speak, or undefined. */
export function negotiateVersion(offered: readonly number[]): number | undefined {
  let best: number | undefined;
  for (const version of offered) {
    if (PROTOCOL_VERSIONS.includes(version) && (best === undefined || version > best)) {
      best = version;
    }
  }
  return best;
}

export class Connection {
  readonly #socket: Socket;
  readonly #host: ConnectionHost;
  readonly #decoder: FrameDecoder;
  #state: 'handshake' | 'ready' | 'closed' = 'handshake';
  /** Payloads that arrived while the handshake was being checked (bounded by maxInFlight). */
  #queued: Uint8Array[] | undefined;
  #context: HandlerContext | undefined;
  /** The negotiated protocol version: the version of every frame sent after the handshake. */
  #version: number = PROTOCOL_VERSIONS[0] ?? 1;
  /** Invariant: 0 <= inFlight <= limits.inFlightPerConnectionMax. */
  #inFlight = 0;
  #idleTimer: NodeJS.Timeout;
  #paused = false;
  /** Writes are being gathered until the end of this turn. */
  #corked = false;
  /** The peer half-closed: close once nothing is in flight or queued. */
  #peerEnded = false;
  readonly #label: string;

  constructor(socket: Socket, host: ConnectionHost) {
    this.#socket = socket;
    this.#host = host;
    this.#label = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.#decoder = new FrameDecoder({
      crc32c: host.crc,
      maxPayloadBytes: host.limits.requestBytesMax,
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => {
      // A reset by the peer: the 'close' event follows and does the bookkeeping.
    });
    socket.on('close', () => this.#onClose());
    // The peer finished sending (the server listens with allowHalfOpen): answer what is in
    // flight, then close.
    socket.on('end', () => {
      this.#peerEnded = true;
      this.#closeIfDone();
    });
    socket.on('drain', () => {
      if (this.#paused && this.#state !== 'closed') {
        this.#paused = false;
        socket.resume();
      }
    });
    this.#idleTimer = setTimeout(() => this.#onIdle(), host.limits.idleTimeoutMs);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get isClosed(): boolean {
    return this.#state === 'closed';
  }

  /** Ends the connection after flushing what was written; used by shutdown. */
  end(): void {
    this.#close();
  }

  // ---- input --------------------------------------------------------------------------------

  #onData(chunk: Buffer): void {
    if (this.#state === 'closed') return;
    this.#idleTimer.refresh();
    let payloads: Uint8Array[];
    try {
      payloads = this.#decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    } catch (error) {
      this.#fatal(error, 'malformed_frame');
      return;
    }
    for (const payload of payloads) {
      if (this.isClosed) return;
      this.#onPayload(payload);
    }
  }

  #onPayload(payload: Uint8Array): void {
    if (this.#queued !== undefined) {
      if (this.#queued.length >= this.#host.limits.inFlightPerConnectionMax) {
        this.#fatal(
          new KimberliteError(
            ErrorCode.TooManyRequests,
            'too many requests sent before the handshake was answered',
          ),
          'too_many_requests',
        );
        return;
      }
      this.#queued.push(payload);
      return;
    }
    let request: Request;
    try {
      request = decodeRequest(payload);
    } catch (error) {
      this.#fatal(error, 'malformed_message');
      return;
    }
    if (this.#state === 'handshake') this.#handshake(request);
    else this.#dispatch(request);
  }

  #onIdle(): void {
    if (this.#state === 'closed') return;
    if (this.#inFlight > 0) {
      this.#idleTimer.refresh();
      return;
    }
    const ms = this.#host.limits.idleTimeoutMs;
    this.#host.metrics.refused.inc({ reason: 'idle' });
    this.#fatal(
      new KimberliteError(
        ErrorCode.Timeout,
        `connection closed after ${ms} ms without requests (the server's idle timeout)`,
      ),
      undefined,
    );
  }

  // ---- handshake ----------------------------------------------------------------------------

  #handshake(request: Request): void {
    const { metrics } = this.#host;
    if (request.type !== 'handshake') {
      const error = new KimberliteError(
        ErrorCode.Unauthenticated,
        `the first request on a connection must be a handshake, got ${request.type}`,
      );
      this.#count(request.type, error.code);
      this.#send(errorResponse(request.id, error));
      this.#close();
      return;
    }
    const version = negotiateVersion(request.versions);
    if (version === undefined) {
      const error = new KimberliteError(
        ErrorCode.UnsupportedVersion,
        `no common protocol version: the client speaks ${request.versions.join(', ') || 'none'}, ` +
          `the server ${PROTOCOL_VERSIONS.join(', ')}; upgrade the older side`,
      );
      this.#count('handshake', error.code);
      this.#send(errorResponse(request.id, error));
      this.#close();
      return;
    }
    this.#queued = [];
    const started = performance.now();
    this.#authenticate(request)
      .then((identity) => {
        if (this.#state === 'closed') return;
        this.#version = version;
        this.#context = this.#host.context(identity);
        this.#state = 'ready';
        metrics.countRequest('handshake', 'OK', (performance.now() - started) / 1000);
        this.#send({
          id: request.id,
          ok: true,
          type: 'handshake',
          result: {
            version,
            serverVersion: this.#host.serverVersion,
            ...(identity.tenant === undefined ? {} : { tenant: identity.tenant }),
            roles: [...identity.roles],
            maxFrameBytes: this.#host.limits.requestBytesMax,
            maxInFlight: this.#host.limits.inFlightPerConnectionMax,
          },
        });
        const queued = this.#queued ?? [];
        this.#queued = undefined;
        for (const payload of queued) {
          if (this.isClosed) return;
          this.#onPayload(payload);
        }
        this.#closeIfDone();
      })
      .catch((error: unknown) => {
        this.#queued = undefined;
        if (this.#state === 'closed') return;
        const response = errorResponse(request.id, error);
        if (!response.ok) this.#count('handshake', response.error.code);
        this.#send(response);
        this.#close();
      });
  }

  async #authenticate(request: Extract<Request, { type: 'handshake' }>): Promise<Identity> {
    if (this.#host.shuttingDown) {
      throw new KimberliteError(ErrorCode.ShuttingDown, 'the server is shutting down');
    }
    const identity = await this.#host.authenticator.authenticate(request.credentials);
    if (request.tenant !== undefined) checkTenant(identity, request.tenant);
    return identity;
  }

  // ---- requests -----------------------------------------------------------------------------

  #dispatch(request: Request): void {
    const context = this.#context;
    if (context === undefined) throw new Error('dispatch before the handshake');
    const limits = this.#host.limits;
    let refusal: KimberliteError | undefined;
    if (request.type === 'handshake') {
      refusal = new KimberliteError(
        ErrorCode.ProtocolError,
        'a second handshake on one connection: open a new connection to change identity',
      );
    } else if (this.#host.shuttingDown) {
      refusal = new KimberliteError(
        ErrorCode.ShuttingDown,
        'the server is shutting down; retry against another server or after restart',
      );
    } else if (this.#inFlight >= limits.inFlightPerConnectionMax) {
      refusal = new KimberliteError(
        ErrorCode.TooManyRequests,
        `${limits.inFlightPerConnectionMax} requests are already in flight on this connection ` +
          '(the server limit); wait for replies or open another connection',
      );
    } else {
      try {
        authorize(context.identity, request);
      } catch (error) {
        refusal = error as KimberliteError;
      }
    }
    if (refusal !== undefined) {
      this.#count(request.type, refusal.code);
      this.#send(errorResponse(request.id, refusal));
      return;
    }
    this.#inFlight += 1;
    this.#host.requestStarted();
    const started = performance.now();
    const finish = (response: Response): void => {
      this.#inFlight -= 1;
      this.#send(response);
      this.#closeIfDone();
      this.#host.metrics.countRequest(
        request.type,
        response.ok ? 'OK' : response.error.code,
        (performance.now() - started) / 1000,
      );
      this.#host.requestFinished();
    };
    const failed = (error: unknown): void => {
      if (!(error instanceof KimberliteError)) {
        this.#host.log(`internal error in ${request.type} (${this.#label}): ${String(error)}`);
      }
      finish(errorResponse(request.id, error));
    };
    // One promise reaction per request (this is the hot path): no intermediate mapping step.
    let running: ReturnType<typeof handle>;
    try {
      running = handle(context, request);
    } catch (error) {
      failed(error);
      return;
    }
    running.then(
      ({ type, result }) => finish({ id: request.id, ok: true, type, result } as Response),
      failed,
    );
  }

  #count(type: string, code: string): void {
    this.#host.metrics.countRequest(type, code);
  }

  // ---- output -------------------------------------------------------------------------------

  #frame(response: Response): Uint8Array {
    try {
      return encodeFrame(encodeResponse(response), this.#host.crc, this.#version);
    } catch (error) {
      // The result cannot travel (too big for a frame, or a value the codec refuses).
      const fallback = errorResponse(response.id, error);
      return encodeFrame(encodeResponse(fallback), this.#host.crc, this.#version);
    }
  }

  #send(response: Response): void {
    if (this.#state === 'closed' || this.#socket.destroyed) return;
    if (!this.#corked) {
      // Replies finished in the same turn (a batch of pipelined writes) leave in one syscall.
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#socket.uncork();
      });
    }
    const written = this.#socket.write(this.#frame(response));
    if (!written && !this.#paused) {
      // The peer does not read its replies: stop reading its requests until it catches up.
      this.#paused = true;
      this.#socket.pause();
    }
  }

  /** A connection-level error: one frame with id 0 saying what went wrong, then close. */
  #fatal(error: unknown, reason: string | undefined): void {
    if (this.#state === 'closed') return;
    const response = errorResponse(0, error);
    if (!response.ok) this.#host.metrics.errors.inc({ code: response.error.code });
    if (reason !== undefined) this.#host.metrics.refused.inc({ reason });
    this.#send(response);
    this.#close();
  }

  #closeIfDone(): void {
    if (this.#peerEnded && this.#inFlight === 0 && this.#queued === undefined) this.#close();
  }

  #close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#queued = undefined;
    clearTimeout(this.#idleTimer);
    const socket = this.#socket;
    socket.end();
    // A peer that never reads would keep the socket half-open: destroy it after a grace period.
    const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }

  #onClose(): void {
    if (this.#state !== 'closed') {
      this.#state = 'closed';
      this.#queued = undefined;
      clearTimeout(this.#idleTimer);
    }
    this.#host.closed(this);
  }
}
