/**
 * A TCP proxy between the SDK and a real server that can lose a reply: when `dropNext` says
 * so, the connection carrying that reply is cut before the reply reaches the client (both
 * sockets destroyed), as if the network failed after the server committed the write.
 */
import * as net from 'node:net';
import type { Crc32c } from '../../ts/crypto/index.js';
import { loadCrypto } from '../../ts/crypto/index.js';
import type { Response } from '../../ts/wire/index.js';
import { decodeResponse, encodeFrame, FrameDecoder } from '../../ts/wire/index.js';

export interface DropProxy {
  readonly address: string;
  /** Connections the proxy accepted so far. */
  readonly connections: number;
  /** The next reply matching this is lost with its connection (once). */
  dropNext(match: (r: Response) => boolean): void;
  /** While true, new connections are closed at once (the server looks down). */
  blocked: boolean;
  /** Resolves once a reply was dropped. */
  readonly dropped: Promise<Response>;
  close(): Promise<void>;
}

let crcPromise: Promise<Crc32c> | undefined;

/** Starts a proxy on a free loopback port forwarding to `upstream` (`host:port`). */
export async function startDropProxy(host: string, port: number): Promise<DropProxy> {
  crcPromise ??= loadCrypto({ choice: 'ts' }).then((c) => c.crc32c);
  const crc = await crcPromise;
  let match: ((r: Response) => boolean) | undefined;
  let onDropped: (r: Response) => void = () => {};
  const dropped = new Promise<Response>((resolve) => {
    onDropped = resolve;
  });
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const state = { blocked: false };
  const server = net.createServer((client) => {
    connections += 1;
    if (state.blocked) {
      client.on('error', () => {});
      client.destroy();
      return;
    }
    const upstream = net.connect({ host, port });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    const decoder = new FrameDecoder({ crc32c: crc });
    upstream.on('data', (chunk: Buffer) => {
      for (const payload of decoder.push(new Uint8Array(chunk))) {
        const response = decodeResponse(payload);
        if (match?.(response)) {
          match = undefined;
          cut();
          onDropped(response);
          return;
        }
        client.write(encodeFrame(payload, crc));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const bound = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${bound.port}`,
    get connections() {
      return connections;
    },
    get blocked() {
      return state.blocked;
    },
    set blocked(on: boolean) {
      state.blocked = on;
    },
    dropNext: (m) => {
      match = m;
    },
    dropped,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
