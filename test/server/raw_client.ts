/**
 * A raw wire client for the server's tests: frames and messages straight from ts/wire (not the
 * SDK), so tests can send anything (no handshake, garbage, pipelines) and see every reply.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import type { Crc32c } from '../../ts/crypto/index.js';
import { loadCrypto } from '../../ts/crypto/index.js';
import { Server, type ServerConfig } from '../../ts/server/index.js';
import type { Credentials, Request, Response, Results } from '../../ts/wire/index.js';
import { decodeResponse, FrameDecoder, requestFrame } from '../../ts/wire/index.js';

let crcPromise: Promise<Crc32c> | undefined;

export function crc32c(): Promise<Crc32c> {
  crcPromise ??= loadCrypto({ choice: 'ts' }).then((c) => c.crc32c);
  return crcPromise;
}

/** Distributes Omit over the request union. */
export type RequestBody = Request extends infer R
  ? R extends Request
    ? Omit<R, 'id'>
    : never
  : never;

export class RawClient {
  readonly socket: net.Socket;
  readonly #crc: Crc32c;
  readonly #decoder: FrameDecoder;
  readonly #responses: Response[] = [];
  readonly #waiters: ((r: Response | undefined) => void)[] = [];
  readonly #byId = new Map<number, (r: Response) => void>();
  readonly #rejecters = new Map<number, (e: Error) => void>();
  #nextId = 1;
  #closed = false;
  /** Resolves when the server closes the connection. */
  readonly closed: Promise<void>;

  private constructor(socket: net.Socket, crc: Crc32c) {
    this.socket = socket;
    this.#crc = crc;
    this.#decoder = new FrameDecoder({ crc32c: crc });
    socket.on('data', (chunk: Buffer) => {
      for (const payload of this.#decoder.push(new Uint8Array(chunk))) {
        this.#deliver(decodeResponse(payload));
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.#closed = true;
        for (const waiter of this.#waiters.splice(0)) waiter(undefined);
        for (const [id, reject] of this.#rejecters) reject(new Error(`closed before reply ${id}`));
        this.#rejecters.clear();
        this.#byId.clear();
        resolve();
      }),
    );
  }

  static async connect(
    port: number,
    options: { tls?: tls.ConnectionOptions } = {},
  ): Promise<RawClient> {
    const crc = await crc32c();
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s =
        options.tls === undefined
          ? net.connect(port, '127.0.0.1', () => resolve(s))
          : tls.connect({ port, host: '127.0.0.1', ...options.tls }, () => resolve(s));
      s.once('error', reject);
    });
    return new RawClient(socket, crc);
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  #deliver(response: Response): void {
    const byId = this.#byId.get(response.id);
    if (byId !== undefined) {
      this.#byId.delete(response.id);
      this.#rejecters.delete(response.id);
      byId(response);
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter(response);
    else this.#responses.push(response);
  }

  /** The next reply not claimed by `request`, or undefined once the connection closed. */
  next(): Promise<Response | undefined> {
    const queued = this.#responses.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  sendBytes(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Sends a request with the next id and returns that id. */
  send(body: RequestBody): number {
    const id = this.#nextId++;
    this.sendBytes(requestFrame({ ...body, id } as Request, this.#crc));
    return id;
  }

  /** Sends a request and waits for the reply with its id. */
  request(body: RequestBody): Promise<Response> {
    const id = this.#nextId++;
    const reply = new Promise<Response>((resolve, reject) => {
      if (this.#closed) reject(new Error(`closed before request ${id}`));
      this.#byId.set(id, resolve);
      this.#rejecters.set(id, reject);
    });
    this.sendBytes(requestFrame({ ...body, id } as Request, this.#crc));
    return reply;
  }

  /** Sends a request and returns its result; throws with the code when it failed. */
  async ok<T extends Request['type']>(body: RequestBody & { type: T }): Promise<Results[T]> {
    const response = await this.request(body);
    if (!response.ok) {
      throw new Error(`${body.type} failed: ${response.error.code}: ${response.error.message}`);
    }
    return response.result as Results[T];
  }

  /** Sends a request and returns its error code ('OK' when it succeeded). */
  async code(body: RequestBody): Promise<string> {
    const response = await this.request(body);
    return response.ok ? 'OK' : response.error.code;
  }

  async handshake(credentials: Credentials = { kind: 'none' }, tenant?: number) {
    return this.ok({
      type: 'handshake',
      versions: [1],
      credentials,
      ...(tenant === undefined ? {} : { tenant }),
      clientName: 'server-test',
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

export async function tempDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'kmb-server-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A server on a free loopback port over a fresh data directory, logging into `lines`. */
export async function startServer(
  dir: string,
  overrides: Partial<ServerConfig> = {},
): Promise<{ server: Server; lines: string[] }> {
  const lines: string[] = [];
  const server = await Server.start({
    dataDir: dir,
    address: { host: '127.0.0.1', port: 0 },
    auth: { mode: 'none' },
    log: (line) => lines.push(line),
    ...overrides,
  });
  return { server, lines };
}
