/**
 * A tiny server speaking raw wire frames, for what a real server cannot easily do: never
 * answer, drop a connection mid-request, answer out of order. Each test gives a handler.
 */
import * as net from 'node:net';
import type { Crc32c } from '../../ts/crypto/index.js';
import { loadCrypto } from '../../ts/crypto/index.js';
import type { Request, Response } from '../../ts/wire/index.js';
import { decodeRequest, FrameDecoder, responseFrame } from '../../ts/wire/index.js';

export interface FakeConnection {
  readonly socket: net.Socket;
  reply(response: Response): void;
  /** Replies ok with a result for the request. */
  ok(request: Request, result: unknown): void;
}

export type Handler = (request: Request, conn: FakeConnection) => void;

export interface FakeServer {
  readonly address: string;
  readonly requests: Request[];
  connections: number;
  close(): Promise<void>;
}

export const HELLO = {
  version: 1,
  serverVersion: 'fake/0',
  roles: ['admin'],
  maxFrameBytes: 16 * 1024 * 1024,
  maxInFlight: 64,
};

let crcPromise: Promise<Crc32c> | undefined;

/** Starts a fake server on a free loopback port; handshakes are answered with `hello`. */
export async function startFake(
  handler: Handler,
  hello: Partial<typeof HELLO> = {},
): Promise<FakeServer> {
  crcPromise ??= loadCrypto({ choice: 'ts' }).then((c) => c.crc32c);
  const crc = await crcPromise;
  const requests: Request[] = [];
  const sockets = new Set<net.Socket>();
  const state = { connections: 0 };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    state.connections += 1;
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const decoder = new FrameDecoder({ crc32c: crc });
    const conn: FakeConnection = {
      socket,
      reply: (r) => {
        if (!socket.destroyed) socket.write(responseFrame(r, crc));
      },
      ok: (req, result) =>
        conn.reply({ id: req.id, ok: true, type: req.type, result } as unknown as Response),
    };
    socket.on('data', (chunk: Buffer) => {
      for (const payload of decoder.push(new Uint8Array(chunk))) {
        const request = decodeRequest(payload);
        requests.push(request);
        if (request.type === 'handshake') conn.ok(request, { ...HELLO, ...hello });
        else handler(request, conn);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    requests,
    get connections() {
      return state.connections;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
