/**
 * The server's limits over real sockets: connections, requests in flight per connection, idle
 * timeout and request size. Past each one the client gets a clear error with a stable code;
 * other connections are untouched.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LimitsConfig, Server } from '../../ts/server/index.js';
import { RawClient, startServer, tempDir } from './raw_client.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serverWith(limits: LimitsConfig): Promise<Server> {
  const dir = await tempDir();
  cleanups.push(dir.remove);
  const { server } = await startServer(dir.dir, { limits });
  cleanups.push(() => server.shutdown());
  return server;
}

async function connect(server: Server): Promise<RawClient> {
  const client = await RawClient.connect(server.address.port);
  cleanups.push(async () => client.close());
  return client;
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('limits', () => {
  it('refuses a connection past connectionsMax with TOO_MANY_CONNECTIONS (id 0)', async () => {
    const server = await serverWith({ connectionsMax: 2 });
    const a = await connect(server);
    const b = await connect(server);
    await a.handshake();
    await b.handshake();
    const c = await connect(server);
    const refused = await c.next();
    expect(refused).toMatchObject({ id: 0, ok: false, error: { code: 'TOO_MANY_CONNECTIONS' } });
    expect(refused?.ok === false && refused.error.retryable).toBe(true);
    await c.closed;
    expect(await a.code({ type: 'ping' })).toBe('OK');
    a.close();
    await until(() => server.connectionCount < 2);
    const d = await connect(server);
    await d.handshake();
    expect(await d.code({ type: 'ping' })).toBe('OK');
  });

  it('answers TOO_MANY_REQUESTS past inFlightPerConnectionMax, for that id only', async () => {
    const server = await serverWith({ inFlightPerConnectionMax: 2 });
    const client = await connect(server);
    await client.handshake();
    await client.ok({ type: 'create_tenant', tenant: 1, name: 'x' });
    await client.ok({
      type: 'execute',
      tenant: 1,
      sql: 'CREATE TABLE t (id BIGINT PRIMARY KEY)',
      params: [],
    });
    const ids = Array.from({ length: 10 }, (_, i) =>
      client.send({ type: 'execute', tenant: 1, sql: `INSERT INTO t VALUES (${i})`, params: [] }),
    );
    const codes = new Map<number, string>();
    for (const _ of ids) {
      const reply = await client.next();
      codes.set(
        reply?.id ?? 0,
        reply === undefined ? 'CLOSED' : reply.ok ? 'OK' : reply.error.code,
      );
    }
    const values = ids.map((id) => codes.get(id));
    expect(values.filter((c) => c === 'OK').length).toBeGreaterThanOrEqual(2);
    expect(values.filter((c) => c === 'TOO_MANY_REQUESTS').length).toBeGreaterThan(0);
    expect(values.every((c) => c === 'OK' || c === 'TOO_MANY_REQUESTS')).toBe(true);
    const count = await client.ok({
      type: 'query',
      tenant: 1,
      sql: 'SELECT count(*) FROM t',
      params: [],
    });
    expect(count.rows).toEqual([[BigInt(values.filter((c) => c === 'OK').length)]]);
  });

  it('closes an idle connection with a TIMEOUT error frame', async () => {
    const server = await serverWith({ idleTimeoutMs: 100 });
    const idle = await connect(server);
    await idle.handshake();
    const notice = await idle.next();
    expect(notice).toMatchObject({ id: 0, ok: false, error: { code: 'TIMEOUT' } });
    await idle.closed;
  });

  it('refuses a frame over requestBytesMax, closing only that connection', async () => {
    const server = await serverWith({ requestBytesMax: 1024 });
    const other = await connect(server);
    await other.handshake();
    const big = await connect(server);
    await big.handshake();
    big.send({ type: 'query', tenant: 1, sql: `SELECT '${'x'.repeat(2000)}'`, params: [] });
    const refused = await big.next();
    expect(refused).toMatchObject({ id: 0, ok: false, error: { code: 'LIMIT_EXCEEDED' } });
    await big.closed;
    expect(await other.code({ type: 'ping' })).toBe('OK');
  });
});
