/**
 * One socket to a server: frames, the handshake, pipelined requests matched by id, timeouts.
 * Internal to the SDK (the Client owns a pool of these).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Crc32c } from '../crypto/index.js';
import { ErrorCode } from '../types/index.js';
import type { Credentials, Request, Response, Results } from '../wire/index.js';
import { decodeResponse, FrameDecoder, PROTOCOL_VERSIONS, requestFrame } from '../wire/index.js';
import {
  ConnectionError,
  errorFor,
  type KimberliteClientError,
  ProtocolError,
  TimeoutError,
} from './errors.js';

/** Socket options of a TLS connection (PEM text or bytes). */
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

interface Pending {
  resolve(r: unknown): void;
  reject(e: KimberliteClientError): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Distributes Omit over the request union. */
export type RequestBody = Request extends infer R
  ? R extends Request
    ? Omit<R, 'id'>
    : never
  : never;

export class Connection {
  private readonly pending = new Map<number, Pending>();
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
    socket.on('error', (e) => this.fail(connectionLost(e.message)));
    socket.on('close', () => this.fail(connectionLost('the server closed the connection')));
  }

  /** Opens a socket and performs the handshake. */
  static async open(o: ConnectionOptions): Promise<Connection> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const onError = (e: Error) => {
        clearTimeout(timer);
        s.destroy();
        reject(connectionLost(`cannot connect to ${o.host}:${o.port}: ${e.message}`));
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

  get inFlight(): number {
    return this.pending.size;
  }

  /** Sends one request; resolves with its result or rejects with a typed error. */
  send(body: RequestBody, timeoutMs: number): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.allocateId();
    const request = { ...body, id } as Request;
    let frame: Uint8Array;
    try {
      frame = requestFrame(request, this.crc);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      const p: Pending = { resolve, reject, timer: undefined };
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        p.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(
            new TimeoutError(
              ErrorCode.Timeout,
              `no reply to ${body.type} within ${timeoutMs} ms; raise timeoutMs or check the ` +
                'server load',
              true,
            ),
          );
        }, timeoutMs);
      }
      this.pending.set(id, p);
      this.socket.write(frame);
    });
  }

  /** Closes the socket; pending requests fail with CONNECTION_CLOSED. */
  destroy(): void {
    this.fail(connectionLost('the connection was closed by the client'));
    this.socket.destroy();
  }

  /** Waits for in-flight requests, then closes. */
  async close(): Promise<void> {
    const waits = [...this.pending.values()].map(
      (p) =>
        new Promise<void>((r) => {
          const { resolve, reject } = p;
          p.resolve = (v) => {
            resolve(v);
            r();
          };
          p.reject = (e) => {
            reject(e);
            r();
          };
        }),
    );
    await Promise.all(waits);
    this.destroy();
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
      if (p.timer) clearTimeout(p.timer);
      if (response.ok) p.resolve(response.result);
      else p.reject(errorFor(response.error));
    }
  }

  private fail(error: KimberliteClientError): void {
    if (!this.closedError) this.closedError = error;
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(error);
    }
  }
}

function connectionLost(message: string): ConnectionError {
  return new ConnectionError(ErrorCode.ConnectionClosed, message, true);
}

function toPem(v: string | Uint8Array): string | Buffer {
  return typeof v === 'string' ? v : Buffer.from(v);
}
