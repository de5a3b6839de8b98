/**
 * The server end to end over real sockets with raw frames: handshake, SQL, time travel,
 * streams, tenants, tables, server info, verify, pipelining, shutdown.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Server } from '../../ts/server/index.js';
import { RawClient, startServer, tempDir } from './raw_client.js';

let dir: { dir: string; remove(): Promise<void> };
let server: Server;
let lines: string[];

beforeEach(async () => {
  dir = await tempDir();
  ({ server, lines } = await startServer(dir.dir));
});

afterEach(async () => {
  await server.shutdown();
  await dir.remove();
});

async function connected(tenant?: number): Promise<RawClient> {
  const client = await RawClient.connect(server.address.port);
  await client.handshake({ kind: 'none' }, tenant);
  return client;
}

describe('server', () => {
  it('logs what it listens on and that auth none is for development only', () => {
    expect(lines.join('\n')).toContain(`listening on 127.0.0.1:${server.address.port}`);
    expect(lines.join('\n')).toContain(
      'WARNING: authentication is off (auth none): development only',
    );
    expect(lines.join('\n')).toMatch(/backends: crc32c: /);
  });

  it('answers a handshake with the version, the identity and the limits', async () => {
    const client = await RawClient.connect(server.address.port);
    const hello = await client.handshake();
    expect(hello.version).toBe(1);
    expect(hello.roles).toEqual(['admin']);
    expect(hello.tenant).toBeUndefined();
    expect(hello.maxFrameBytes).toBe(16 * 1024 * 1024);
    client.close();
  });

  it('runs DDL, DML and queries, with time travel by position', async () => {
    const client = await connected(1);
    await client.ok({ type: 'create_tenant', tenant: 1, name: 'clinic' });
    await client.ok({
      type: 'execute',
      tenant: 1,
      sql: 'CREATE TABLE patients (id BIGINT PRIMARY KEY, name TEXT NOT NULL)',
      params: [],
    });
    const first = await client.ok({
      type: 'execute',
      tenant: 1,
      sql: 'INSERT INTO patients VALUES ($1, $2)',
      params: [1, 'Jane Doe'],
    });
    expect(first.rowsAffected).toBe(1);
    await client.ok({
      type: 'execute',
      tenant: 1,
      sql: 'UPDATE patients SET name = $1 WHERE id = $2',
      params: ['Jane Roe', 1],
    });
    const now = await client.ok({
      type: 'query',
      tenant: 1,
      sql: 'SELECT id, name FROM patients WHERE id = $1',
      params: [1],
    });
    expect(now.columns.map((c) => c.name)).toEqual(['id', 'name']);
    expect(now.rows).toEqual([[1n, 'Jane Roe']]);
    const then = await client.ok({
      type: 'query',
      tenant: 1,
      sql: 'SELECT name FROM patients',
      params: [],
      at: first.position,
    });
    expect(then.rows).toEqual([['Jane Doe']]);
    expect(then.position).toBe(first.position);
    client.close();
  });

  it('appends and reads events, with stream info and byte limits', async () => {
    const client = await connected(2);
    await client.ok({ type: 'create_tenant', tenant: 2, name: 'events' });
    const created = await client.ok({ type: 'create_stream', tenant: 2, name: 'audit' });
    expect(created.streamId).toBeGreaterThan(0);
    const bytes = (text: string) => new TextEncoder().encode(text);
    const appended = await client.ok({
      type: 'append',
      tenant: 2,
      stream: 'audit',
      events: [bytes('a'), bytes('bb'), bytes('ccc')],
      expectedOffset: 0n,
    });
    expect(appended).toMatchObject({ firstOffset: 0n, count: 3 });
    const mismatch = await client.request({
      type: 'append',
      tenant: 2,
      stream: 'audit',
      events: [bytes('x')],
      expectedOffset: 0n,
    });
    expect(mismatch.ok ? 'OK' : mismatch.error.code).toBe('OFFSET_MISMATCH');
    const all = await client.ok({ type: 'read', tenant: 2, stream: 'audit' });
    expect(all.events.map((e) => new TextDecoder().decode(e.data))).toEqual(['a', 'bb', 'ccc']);
    expect(all.nextOffset).toBe(3n);
    const limited = await client.ok({
      type: 'read',
      tenant: 2,
      stream: 'audit',
      fromOffset: 1n,
      maxBytes: 2,
    });
    expect(limited.events.map((e) => e.offset)).toEqual([1n]);
    expect(limited.nextOffset).toBe(2n);
    const info = await client.ok({ type: 'stream_info', tenant: 2, stream: 'audit' });
    expect(info).toMatchObject({ name: 'audit', streamId: created.streamId, nextOffset: 3n });
    const past = await client.ok({
      type: 'read',
      tenant: 2,
      stream: 'audit',
      at: created.position,
    });
    expect(past.events).toEqual([]);
    expect(await client.code({ type: 'stream_info', tenant: 2, stream: 'nope' })).toBe(
      'UNKNOWN_STREAM',
    );
    client.close();
  });

  it('creates, lists, gets and deletes tenants', async () => {
    const client = await connected();
    const made = await client.ok({ type: 'create_tenant', tenant: 7, name: 'seven' });
    expect(made.tenant).toMatchObject({ id: 7, name: 'seven', sealed: false });
    expect(made.position).toBe(made.tenant.createdAt);
    await client.ok({ type: 'create_tenant', tenant: 8, name: 'eight' });
    expect(await client.code({ type: 'create_tenant', tenant: 7, name: 'again' })).toBe(
      'TENANT_EXISTS',
    );
    const list = await client.ok({ type: 'list_tenants' });
    expect(list.tenants.map((t) => t.id)).toEqual([7, 8]);
    expect((await client.ok({ type: 'get_tenant', tenant: 8 })).tenant.name).toBe('eight');
    await client.ok({ type: 'delete_tenant', tenant: 8 });
    expect(await client.code({ type: 'get_tenant', tenant: 8 })).toBe('UNKNOWN_TENANT');
    expect((await client.ok({ type: 'list_tenants' })).tenants.map((t) => t.id)).toEqual([7]);
    client.close();
  });

  it('lists and describes tables, now and as of a past position', async () => {
    const client = await connected();
    await client.ok({ type: 'create_tenant', tenant: 3, name: 't' });
    const a = await client.ok({
      type: 'execute',
      tenant: 3,
      sql: 'CREATE TABLE a (id BIGINT PRIMARY KEY, label VARCHAR(40))',
      params: [],
    });
    await client.ok({
      type: 'execute',
      tenant: 3,
      sql: 'CREATE TABLE b (id BIGINT PRIMARY KEY)',
      params: [],
    });
    expect((await client.ok({ type: 'list_tables', tenant: 3 })).tables).toEqual(['a', 'b']);
    const before = await client.ok({ type: 'list_tables', tenant: 3, at: a.position });
    expect(before).toEqual({ tables: ['a'], position: a.position });
    const described = await client.ok({ type: 'describe_table', tenant: 3, table: 'a' });
    expect(described.table.columns).toEqual([
      { name: 'id', type: 'BIGINT', notNull: true, primaryKey: true },
      { name: 'label', type: 'VARCHAR(40)', notNull: false, primaryKey: false },
    ]);
    expect(described.table.primaryKey).toEqual(['id']);
    expect(await client.code({ type: 'describe_table', tenant: 3, table: 'zz' })).toBe(
      'UNKNOWN_TABLE',
    );
    client.close();
  });

  it('reports server info, verifies the log and answers ping', async () => {
    const client = await connected();
    await client.ok({ type: 'create_tenant', tenant: 1, name: 'x' });
    const info = await client.ok({ type: 'server_info' });
    expect(info.protocolVersions).toEqual([1]);
    expect(info.auth).toBe('none');
    expect(info.tls).toBe(false);
    expect(info.connections).toBe(1);
    expect(info.backends.some((line) => line.startsWith('sha256: '))).toBe(true);
    expect(info.position).toBe(server.database.position);
    expect(info.position).toBeGreaterThanOrEqual(0n);
    const verified = await client.ok({ type: 'verify' });
    expect(verified.ok).toBe(true);
    expect(verified.records).toBeGreaterThan(0);
    expect(await client.ok({ type: 'ping' })).toEqual({});
    client.close();
  });

  it('answers 100 pipelined requests, each matched to its id', async () => {
    const client = await connected();
    await client.ok({ type: 'create_tenant', tenant: 1, name: 'p' });
    await client.ok({
      type: 'execute',
      tenant: 1,
      sql: 'CREATE TABLE kv (k BIGINT PRIMARY KEY, v TEXT)',
      params: [],
    });
    const ids: number[] = [];
    for (let i = 0; i < 100; i++) {
      ids.push(
        i % 2 === 0
          ? client.send({
              type: 'execute',
              tenant: 1,
              sql: 'INSERT INTO kv VALUES ($1, $2)',
              params: [i, `v${i}`],
              request: { clientId: 77, requestNumber: i + 1 },
            })
          : client.send({ type: 'query', tenant: 1, sql: 'SELECT 1', params: [] }),
      );
    }
    const seen = new Map<number, boolean>();
    for (let i = 0; i < 100; i++) {
      const reply = await client.next();
      expect(
        reply?.ok,
        JSON.stringify(reply, (_, v) => (typeof v === 'bigint' ? `${v}` : v)),
      ).toBe(true);
      seen.set(reply?.id ?? -1, true);
    }
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual(ids);
    const count = await client.ok({
      type: 'query',
      tenant: 1,
      sql: 'SELECT count(*) FROM kv',
      params: [],
    });
    expect(count.rows).toEqual([[50n]]);
    client.close();
  });

  it('applies a retried write once: the same request id returns the first outcome', async () => {
    const client = await connected();
    await client.ok({ type: 'create_tenant', tenant: 1, name: 'i' });
    await client.ok({
      type: 'execute',
      tenant: 1,
      sql: 'CREATE TABLE n (id BIGINT PRIMARY KEY)',
      params: [],
    });
    const write = {
      type: 'execute' as const,
      tenant: 1,
      sql: 'INSERT INTO n VALUES (1)',
      params: [],
      request: { clientId: 9, requestNumber: 1 },
    };
    const first = await client.ok(write);
    const again = await client.ok(write);
    expect(again.position).toBe(first.position);
    const rows = await client.ok({
      type: 'query',
      tenant: 1,
      sql: 'SELECT count(*) FROM n',
      params: [],
    });
    expect(rows.rows).toEqual([[1n]]);
    client.close();
  });

  it('returns query errors with their codes and keeps the connection', async () => {
    const client = await connected();
    await client.ok({ type: 'create_tenant', tenant: 1, name: 'e' });
    expect(await client.code({ type: 'query', tenant: 1, sql: 'SELEC 1', params: [] })).toBe(
      'SYNTAX_ERROR',
    );
    expect(
      await client.code({ type: 'query', tenant: 1, sql: 'SELECT * FROM nope', params: [] }),
    ).toBe('UNKNOWN_TABLE');
    expect(await client.code({ type: 'query', tenant: 99, sql: 'SELECT 1', params: [] })).toBe(
      'UNKNOWN_TENANT',
    );
    expect(await client.code({ type: 'ping' })).toBe('OK');
    client.close();
  });

  it('refuses a second handshake on a connection', async () => {
    const client = await connected();
    const code = await client.code({
      type: 'handshake',
      versions: [1],
      credentials: { kind: 'none' },
    });
    expect(code).toBe('PROTOCOL_ERROR');
    client.close();
  });

  it('answers requests in flight when the client half-closes, then closes', async () => {
    const setup = await connected();
    await setup.ok({ type: 'create_tenant', tenant: 1, name: 'h' });
    await setup.ok({
      type: 'execute',
      tenant: 1,
      sql: 'CREATE TABLE h (id BIGINT PRIMARY KEY)',
      params: [],
    });
    const client = await RawClient.connect(server.address.port);
    client.send({ type: 'handshake', versions: [1], credentials: { kind: 'none' } });
    for (let i = 0; i < 10; i++) {
      client.send({ type: 'execute', tenant: 1, sql: `INSERT INTO h VALUES (${i})`, params: [] });
    }
    client.socket.end();
    let answered = 0;
    for (;;) {
      const reply = await client.next();
      if (reply === undefined) break;
      if (reply.ok) answered += 1;
    }
    expect(answered).toBe(11);
    await client.closed;
    setup.close();
  });
});
