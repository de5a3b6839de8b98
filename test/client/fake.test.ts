/**
 * The SDK against a fake server: timeouts, connection loss, retries with the same request id,
 * out-of-order replies, typed errors, pooling and reconnects.
 */
import * as net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AuthenticationError,
  Client,
  ConnectionError,
  credentialsFor,
  errorFor,
  KimberliteClientError,
  PermissionError,
  parseAddress,
  QueryError,
  TimeoutError,
} from '../../ts/client/index.js';
import type { Request } from '../../ts/wire/index.js';
import { type FakeServer, startFake } from './fake_server.js';

const servers: FakeServer[] = [];
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
  for (const s of servers.splice(0)) await s.close();
});

async function fake(
  handler: Parameters<typeof startFake>[0],
  hello?: Parameters<typeof startFake>[1],
): Promise<FakeServer> {
  const s = await startFake(handler, hello);
  servers.push(s);
  return s;
}

async function connect(s: FakeServer, o: Partial<Parameters<typeof Client.connect>[0]> = {}) {
  const c = await Client.connect({ address: s.address, tenantId: 1, ...o });
  clients.push(c);
  return c;
}

const QUERY_RESULT = { columns: [{ name: 'x', type: 'BIGINT' }], rows: [[1n]], position: 5n };

describe('client against a fake server', () => {
  it('sends the handshake with credentials, tenant and client name first', async () => {
    const s = await fake((r, c) => c.ok(r, {}));
    const db = await connect(s, { token: 'kmb_0011aabb_secret', clientName: 'tests' });
    await db.ping();
    expect(s.requests[0]).toMatchObject({
      type: 'handshake',
      versions: [1],
      credentials: { kind: 'api_key', key: 'kmb_0011aabb_secret' },
      tenant: 1,
      clientName: 'tests',
    });
    expect(s.requests[1]?.type).toBe('ping');
    expect(db.session?.roles).toEqual(['admin']);
  });

  it('times out a request the server never answers with a TimeoutError', async () => {
    const s = await fake(() => {});
    const db = await connect(s, { retries: 0 });
    const e = await db.query('SELECT 1', [], { timeoutMs: 50 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TimeoutError);
    expect((e as TimeoutError).code).toBe('TIMEOUT');
    expect((e as TimeoutError).retryable).toBe(true);
  });

  it('times out a short request sent after a long one; the long one is answered', async () => {
    const held: { r: Request; c: Parameters<Parameters<typeof startFake>[0]>[1] }[] = [];
    let hold = true;
    const s = await fake((r, c) => {
      if (hold) held.push({ r, c });
      else c.ok(r, QUERY_RESULT);
    });
    const db = await connect(s, { retries: 0 });
    const long = db.query('long', [], { timeoutMs: 60_000 });
    const none = db.query('none', [], { timeoutMs: 0 });
    // Without a timer for the earlier deadline this would wait for the 60 s one.
    const short = await db.query('short', [], { timeoutMs: 20 }).catch((x: unknown) => x);
    expect(short).toBeInstanceOf(TimeoutError);
    expect((short as TimeoutError).message).toContain('no reply to query within 20 ms');
    await vi.waitFor(() => expect(held).toHaveLength(3));
    // The late reply to the timed-out request is dropped; the others get theirs.
    for (const { r, c } of held.reverse()) {
      if (r.type === 'query') c.ok(r, { ...QUERY_RESULT, rows: [[r.sql]] });
    }
    expect((await long).rows).toEqual([['long']]);
    expect((await none).rows).toEqual([['none']]);
    hold = false;
    expect((await db.query('after', [], { timeoutMs: 5_000 })).position).toBe(5n);
  });

  it('times out many requests at once, sent and waiting, and keeps the connection', async () => {
    let answer = false;
    const s = await fake(
      (r, c) => {
        if (answer) c.ok(r, QUERY_RESULT);
      },
      { maxInFlight: 3 },
    );
    const db = await connect(s, { retries: 0 });
    const all = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => db.query(`q${i}`, [], { timeoutMs: 30 })),
    );
    for (const r of all) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(TimeoutError);
    }
    expect(s.requests.filter((r) => r.type === 'query').length).toBeLessThanOrEqual(8);
    answer = true;
    expect((await db.query('SELECT 1')).position).toBe(5n);
  });

  it('sends the requests made in one tick in one socket write', async () => {
    const held: { r: Request; c: Parameters<Parameters<typeof startFake>[0]>[1] }[] = [];
    let hold = true;
    const s = await fake((r, c) => {
      if (hold) held.push({ r, c });
      else c.ok(r, QUERY_RESULT);
    });
    const db = await connect(s, { retries: 0 });
    const port = parseAddress(s.address).port;
    const write = vi.spyOn(net.Socket.prototype, 'write');
    const toServer = () => write.mock.contexts.filter((t) => (t as net.Socket).remotePort === port);
    try {
      const calls = Array.from({ length: 20 }, (_, i) => db.query(`q${i}`));
      await vi.waitFor(() => expect(held).toHaveLength(20));
      expect(toServer()).toHaveLength(1);
      hold = false;
      for (const { r, c } of held.splice(0)) c.ok(r, QUERY_RESULT);
      expect(await Promise.all(calls)).toHaveLength(20);
      // Requests of different ticks go in different writes.
      await db.query('a');
      await db.query('b');
      expect(toServer()).toHaveLength(3);
    } finally {
      write.mockRestore();
    }
  });

  it('fails every pending request with CONNECTION_CLOSED when the connection drops', async () => {
    let seen = 0;
    const s = await fake((_r, c) => {
      seen += 1;
      if (seen === 3) c.socket.destroy();
    });
    const db = await connect(s, { retries: 0 });
    const all = await Promise.allSettled([
      db.query('SELECT 1'),
      db.query('SELECT 2'),
      db.query('SELECT 3'),
    ]);
    for (const r of all) {
      expect(r.status).toBe('rejected');
      const e = (r as PromiseRejectedResult).reason as ConnectionError;
      expect(e).toBeInstanceOf(ConnectionError);
      expect(e.code).toBe('CONNECTION_CLOSED');
    }
  });

  it('retries a write dropped mid-request with the same request id; applied once', async () => {
    const applied = new Map<string, bigint>();
    let drops = 0;
    const s = await fake((r, c) => {
      if (r.type !== 'execute') return c.ok(r, {});
      const key = `${r.request?.clientId}/${r.request?.requestNumber}`;
      if (!applied.has(key)) applied.set(key, BigInt(applied.size + 10));
      // The first time, the write applies but the reply is lost with the connection.
      if (drops === 0) {
        drops += 1;
        c.socket.destroy();
        return;
      }
      c.ok(r, { columns: [], rows: [], rowsAffected: 1, position: applied.get(key) });
    });
    const db = await connect(s);
    const r = await db.execute('INSERT INTO t VALUES (1)');
    expect(r.rowsAffected).toBe(1);
    expect(r.position).toBe(10n);
    expect(applied.size).toBe(1);
    const executes = s.requests.filter((x) => x.type === 'execute');
    expect(executes).toHaveLength(2);
    expect(executes[0]?.type === 'execute' && executes[0].request).toEqual(
      executes[1]?.type === 'execute' && executes[1].request,
    );
    expect(s.connections).toBe(2);
    // The next write uses a new request number.
    drops = 1;
    await db.execute('INSERT INTO t VALUES (2)');
    expect(applied.size).toBe(2);
  });

  it('does not retry a non-retryable error', async () => {
    const s = await fake((r, c) =>
      c.reply({
        id: r.id,
        ok: false,
        error: { code: 'SYNTAX_ERROR', message: 'bad', retryable: false },
      }),
    );
    const db = await connect(s);
    const e = await db.query('SELEC 1').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(QueryError);
    expect((e as QueryError).code).toBe('SYNTAX_ERROR');
    expect(s.requests.filter((x) => x.type === 'query')).toHaveLength(1);
  });

  it('retries retryable errors up to `retries` times with backoff', async () => {
    const s = await fake((r, c) =>
      c.reply({
        id: r.id,
        ok: false,
        error: { code: 'TOO_MANY_REQUESTS', message: 'busy', retryable: true },
      }),
    );
    const db = await connect(s, { retries: 2 });
    const e = await db.query('SELECT 1').catch((x: unknown) => x);
    expect((e as KimberliteClientError).code).toBe('TOO_MANY_REQUESTS');
    expect(s.requests.filter((x) => x.type === 'query')).toHaveLength(3);
  });

  it('matches replies answered out of order by id', async () => {
    const held: Request[] = [];
    const s = await fake((r, c) => {
      held.push(r);
      if (held.length === 3) {
        for (const q of held.reverse()) {
          if (q.type === 'query') c.ok(q, { ...QUERY_RESULT, rows: [[q.sql]] });
        }
      }
    });
    const db = await connect(s);
    const results = await Promise.all(['a', 'b', 'c'].map((sql) => db.query(sql)));
    expect(results.map((r) => r.rows[0]?.[0])).toEqual(['a', 'b', 'c']);
  });

  it('holds one write per lane at a time and gives each write its own request number', async () => {
    const s = await fake((r, c) =>
      c.ok(r, { columns: [], rows: [], rowsAffected: 0, position: 1n }),
    );
    const db = await connect(s);
    await Promise.all([1, 2, 3, 4].map((i) => db.execute(`INSERT ${i}`)));
    await db.execute('INSERT 5');
    const ids = s.requests.flatMap((r) =>
      r.type === 'execute' && r.request ? [`${r.request.clientId}/${r.request.requestNumber}`] : [],
    );
    expect(new Set(ids).size).toBe(5);
  });

  it('spreads requests over the pool and reconnects a dead connection', async () => {
    const s = await fake((r, c) => {
      if (r.type === 'query' && r.sql === 'die') c.socket.destroy();
      else c.ok(r, QUERY_RESULT);
    });
    const db = await connect(s, { poolSize: 3, retries: 0 });
    expect(s.connections).toBe(3);
    await Promise.all([1, 2, 3, 4, 5, 6].map(() => db.query('SELECT 1')));
    await db.query('die').catch(() => {});
    const r = await db.query('SELECT 1');
    expect(r.position).toBe(5n);
    await vi.waitFor(() => expect(s.connections).toBe(4));
    await Promise.all([1, 2, 3].map(() => db.query('SELECT 1')));
  });

  it('keeps at most maxInFlight requests on the wire; the rest wait their turn', async () => {
    const held: { r: Request; c: Parameters<Parameters<typeof startFake>[0]>[1] }[] = [];
    const s = await fake((r, c) => held.push({ r, c }), { maxInFlight: 2 });
    const db = await connect(s, { retries: 0 });
    const calls = ['a', 'b', 'c', 'd', 'e'].map((sql) => db.query(sql));
    // A waiting request times out without ever being sent.
    const late = await db.query('late', [], { timeoutMs: 30 }).catch((x: unknown) => x);
    expect(late).toBeInstanceOf(TimeoutError);
    expect(held.map((h) => h.r.type === 'query' && h.r.sql)).toEqual(['a', 'b']);
    const answer = (n: number) => {
      for (const { r, c } of held.splice(0, n)) {
        if (r.type === 'query') c.ok(r, { ...QUERY_RESULT, rows: [[r.sql]] });
      }
    };
    answer(1);
    await vi.waitFor(() => expect(held).toHaveLength(2));
    answer(2);
    await vi.waitFor(() => expect(held).toHaveLength(2));
    answer(2);
    const results = await Promise.all(calls);
    expect(results.map((r) => r.rows[0]?.[0])).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(
      s.requests.filter((r) => r.type === 'query').map((r) => r.type === 'query' && r.sql),
    ).toEqual(['a', 'b', 'c', 'd', 'e']);
    // close waits for requests still waiting for a slot.
    const more = ['f', 'g', 'h'].map((sql) => db.query(sql));
    const closing = db.close();
    await vi.waitFor(() => expect(held).toHaveLength(2));
    answer(2);
    await vi.waitFor(() => expect(held).toHaveLength(1));
    answer(1);
    await closing;
    expect((await Promise.all(more)).map((r) => r.rows[0]?.[0])).toEqual(['f', 'g', 'h']);
  });

  it('refuses values the wire cannot carry and bad options as INVALID_ARGUMENT', async () => {
    const s = await fake((r, c) => c.ok(r, QUERY_RESULT));
    const db = await connect(s);
    const e = await db.query('SELECT $1', [2n ** 70n]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KimberliteClientError);
    expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false });
    expect(s.requests.filter((r) => r.type === 'query')).toHaveLength(0);
    expect((await db.query('SELECT 1')).position).toBe(5n);
    for (const tenantId of [0, 1.5, -1, 2 ** 32]) {
      const bad = await Client.connect({ address: s.address, tenantId }).catch((x: unknown) => x);
      expect(bad).toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });

  it('converts bigint/number positions and strings for streams', async () => {
    const s = await fake((r, c) => {
      if (r.type === 'append') c.ok(r, { firstOffset: 0n, count: r.events.length, position: 2n });
      else if (r.type === 'read') {
        const from = r.fromOffset ?? 0n;
        const events = from < 3n ? [{ offset: from, data: new Uint8Array([Number(from)]) }] : [];
        c.ok(r, { events, nextOffset: from + BigInt(events.length), position: 9n });
      } else c.ok(r, {});
    });
    const db = await connect(s);
    await db.append('s', ['hi', new Uint8Array([1])], { expectedOffset: 0 });
    const append = s.requests.find((r) => r.type === 'append');
    expect(append).toMatchObject({
      expectedOffset: 0n,
      events: [new TextEncoder().encode('hi'), new Uint8Array([1])],
    });
    const seen: bigint[] = [];
    for await (const e of db.readAll('s')) seen.push(e.offset);
    expect(seen).toEqual([0n, 1n, 2n]);
    const reads = s.requests.filter((r) => r.type === 'read');
    // Pages after the first are pinned at the first page's position.
    expect(reads.slice(1).every((r) => r.type === 'read' && r.at === 9n)).toBe(true);
  });

  it('fails connect with a ConnectionError when nothing listens', async () => {
    const s = await fake(() => {});
    const address = s.address;
    await s.close();
    servers.length = 0;
    const e = await Client.connect({ address }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectionError);
  });

  it('refuses calls after close', async () => {
    const s = await fake((r, c) => c.ok(r, {}));
    const db = await connect(s);
    await db.close();
    const e = await db.ping().catch((x: unknown) => x);
    expect((e as ConnectionError).code).toBe('CONNECTION_CLOSED');
  });
});

describe('helpers', () => {
  it('maps wire errors to typed classes', () => {
    expect(errorFor({ code: 'UNAUTHENTICATED', message: 'x', retryable: false })).toBeInstanceOf(
      AuthenticationError,
    );
    expect(errorFor({ code: 'TOKEN_EXPIRED', message: 'x', retryable: false })).toBeInstanceOf(
      AuthenticationError,
    );
    expect(errorFor({ code: 'CROSS_TENANT', message: 'x', retryable: false })).toBeInstanceOf(
      PermissionError,
    );
    expect(errorFor({ code: 'TIMEOUT', message: 'x', retryable: true })).toBeInstanceOf(
      TimeoutError,
    );
    const e = errorFor({ code: 'UNKNOWN_TABLE', message: 'no t', retryable: false });
    expect(e).toBeInstanceOf(QueryError);
    expect(e.message).toBe('no t');
  });

  it('detects the kind of token', () => {
    expect(credentialsFor(undefined)).toEqual({ kind: 'none' });
    expect(credentialsFor('kmb_1_2')).toEqual({ kind: 'api_key', key: 'kmb_1_2' });
    expect(credentialsFor('a.b.c')).toEqual({ kind: 'jwt', token: 'a.b.c' });
    expect(() => credentialsFor('nonsense')).toThrow(KimberliteClientError);
  });

  it('parses addresses', () => {
    expect(parseAddress('127.0.0.1:7432')).toEqual({ host: '127.0.0.1', port: 7432 });
    expect(parseAddress('[::1]:1')).toEqual({ host: '::1', port: 1 });
    expect(() => parseAddress('localhost')).toThrow(/host:port/);
    expect(() => parseAddress('h:70000')).toThrow(/host:port/);
  });
});
