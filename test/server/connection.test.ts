/**
 * One connection against a stub server (ts/server/connection.ts): what a real server cannot
 * show on demand. A request arriving once shutdown began is answered SHUTTING_DOWN; a bug in a
 * handler (a non-Kimberlite exception) becomes an INTERNAL reply and the connection goes on.
 */
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Kimberlite } from '../../ts/runtime/index.js';
import type { Identity } from '../../ts/server/auth.js';
import { resolveLimits } from '../../ts/server/config.js';
import { Connection, type ConnectionHost, negotiateVersion } from '../../ts/server/connection.js';
import { ServerMetrics } from '../../ts/server/metrics.js';
import { crc32c, RawClient } from './raw_client.js';

const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function stubServer(db: Partial<Kimberlite>) {
  const logs: string[] = [];
  const state = { shuttingDown: false };
  const metrics = new ServerMetrics({ dataDir: '/nonexistent', position: () => 0n });
  const host: ConnectionHost = {
    crc: await crc32c(),
    limits: resolveLimits({}),
    authenticator: {
      mode: 'none',
      authenticate: async () => ({ subject: 'stub', tenant: undefined, roles: new Set(['admin']) }),
    },
    metrics,
    serverVersion: 'stub',
    get shuttingDown() {
      return state.shuttingDown;
    },
    context: (identity: Identity) => ({
      db: db as Kimberlite,
      identity,
      serverInfo: () => {
        throw new TypeError('not in the stub');
      },
      onCommit: () => undefined,
    }),
    requestStarted: () => undefined,
    requestFinished: () => undefined,
    closed: () => undefined,
    log: (line) => logs.push(line),
  };
  const listener = net.createServer((socket) => new Connection(socket, host));
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => listener.close());
  const port = (listener.address() as net.AddressInfo).port;
  const client = await RawClient.connect(port);
  cleanups.push(() => client.close());
  await client.handshake();
  return { client, state, logs };
}

describe('connection', () => {
  it('negotiates the highest common version', () => {
    expect(negotiateVersion([1, 2, 3])).toBe(1);
    expect(negotiateVersion([0, 2])).toBeUndefined();
  });

  it('answers requests arriving once shutdown began with SHUTTING_DOWN (retryable)', async () => {
    const { client, state } = await stubServer({});
    expect(await client.code({ type: 'ping' })).toBe('OK');
    state.shuttingDown = true;
    const reply = await client.request({ type: 'ping' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'SHUTTING_DOWN', retryable: true } });
  });

  it('turns an unexpected exception into INTERNAL, logs it, and keeps the connection', async () => {
    const { client, logs } = await stubServer({
      tenants: () => {
        throw new TypeError('boom');
      },
    });
    const reply = await client.request({ type: 'list_tenants' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'INTERNAL', retryable: false } });
    expect(reply.ok === false && reply.error.message).toContain('boom');
    expect(logs.join('\n')).toContain('internal error in list_tenants');
    expect(await client.code({ type: 'server_info' })).toBe('INTERNAL');
    expect(await client.code({ type: 'ping' })).toBe('OK');
  });
});
