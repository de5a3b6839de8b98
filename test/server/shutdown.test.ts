/**
 * Graceful shutdown: requests in flight finish and are answered, new ones get SHUTTING_DOWN,
 * new connections are refused, and the data is durable when the directory is reopened.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Kimberlite } from '../../ts/runtime/index.js';
import type { Response } from '../../ts/wire/index.js';
import { RawClient, startServer, tempDir } from './raw_client.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('shutdown', () => {
  it('completes requests in flight, refuses new ones, and leaves the data durable', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const { server } = await startServer(dir.dir);
    const client = await RawClient.connect(server.address.port);
    cleanups.push(async () => client.close());
    await client.handshake();
    await client.ok({ type: 'create_tenant', tenant: 1, name: 's' });
    await client.ok({
      type: 'execute',
      tenant: 1,
      sql: 'CREATE TABLE t (id BIGINT PRIMARY KEY)',
      params: [],
    });
    const ids = Array.from({ length: 200 }, (_, i) =>
      client.send({ type: 'execute', tenant: 1, sql: `INSERT INTO t VALUES (${i})`, params: [] }),
    );
    // A ping behind them is answered without a sync: once its reply is here, the server has
    // read every insert, and those not answered yet are in flight.
    const marker = client.send({ type: 'ping' });
    const replies: Response[] = [];
    for (;;) {
      const reply = await client.next();
      if (reply === undefined) throw new Error('closed early');
      replies.push(reply);
      if (reply.id === marker) break;
    }
    const stopping = server.shutdown();
    const late = client.send({ type: 'ping' });
    for (;;) {
      const reply = await client.next();
      if (reply === undefined) break;
      replies.push(reply);
    }
    await stopping;
    const byId = new Map(replies.map((r) => [r.id, r]));
    const answered = ids.filter((id) => byId.get(id)?.ok === true);
    // Every insert was read before shutdown began, so each one finished and was answered.
    expect(answered.length).toBe(200);
    // A request sent once shutdown began never runs: it is answered SHUTTING_DOWN when it
    // arrives while requests are still finishing, or not read at all once the socket closed.
    const lateReply = byId.get(late);
    if (lateReply !== undefined) {
      expect(lateReply.ok === false && lateReply.error.code).toBe('SHUTTING_DOWN');
    }
    await expect(RawClient.connect(server.address.port).then((c) => c.closed)).rejects.toThrow();

    const db = await Kimberlite.open(dir.dir);
    try {
      const count = await db.tenant(1).query('SELECT count(*) FROM t');
      expect(count.rows).toEqual([[200n]]);
    } finally {
      await db.close();
    }
  });

  it('can be called twice and resolves both times', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const { server, lines } = await startServer(dir.dir, { http: { host: '127.0.0.1', port: 0 } });
    await Promise.all([server.shutdown(), server.shutdown()]);
    expect(lines.at(-1)).toContain('stopped');
  });
});
