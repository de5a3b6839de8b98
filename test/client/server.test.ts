/**
 * The SDK end to end against the real server (`Server.start` in this process, port 0, a temp
 * data directory): auth none, API keys and JWT; DDL, DML, queries, time travel, every value
 * type equal to the embedded API's; streams and readAll; admin calls, serverInfo, verify;
 * typed errors with codes; a pool under concurrent writes; the server's in-flight and frame
 * limits; idle and restart reconnects; a write whose reply is lost applied once (also across
 * a restart); graceful shutdown; TLS with self-signed certificates (client certificates too).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AuthenticationError,
  Client,
  ConnectionError,
  type ConnectOptions,
  LimitError,
  PermissionError,
  QueryError,
} from '../../ts/client/index.js';
import { createApiKey, revokeApiKey, Server, type ServerConfig } from '../../ts/server/index.js';
import { startDropProxy } from './drop_proxy.js';

interface Running {
  readonly dir: string;
  readonly server: Server;
  readonly address: string;
}

async function start(o: Partial<ServerConfig> = {}, dir?: string): Promise<Running> {
  const dataDir = dir ?? (await mkdtemp(join(tmpdir(), 'kmb-client-')));
  const server = await Server.start({
    dataDir,
    address: { host: '127.0.0.1', port: 0 },
    auth: { mode: 'none' },
    log: () => {},
    ...o,
  });
  return { dir: dataDir, server, address: `${server.address.host}:${server.address.port}` };
}

async function stop(r: Running | undefined): Promise<void> {
  if (r === undefined) return;
  await r.server.shutdown();
  await rm(r.dir, { recursive: true, force: true });
}

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail, it succeeded');
}

const text = (data: Uint8Array) => new TextDecoder().decode(data);

/** A self-signed P-256 certificate for `cn`, valid one day (openssl). */
function selfSigned(cn: string, keyFile: string, certFile: string): void {
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
      ...['-subj', `/CN=${cn}`, '-days', '1', '-keyout', keyFile, '-out', certFile],
    ],
    { stdio: 'ignore' },
  );
}

describe('client against the real server (auth none)', () => {
  let run: Running;
  let db: Client;

  beforeAll(async () => {
    run = await start();
    const admin = await Client.connect({ address: run.address });
    await admin.admin.createTenant(1, 'clinic');
    await admin.close();
    db = await Client.connect({ address: run.address, tenantId: 1, poolSize: 2 });
  });

  afterAll(async () => {
    await db?.close();
    await stop(run);
  });

  it('runs DDL, DML, queries and time travel (query at, queryAt)', async () => {
    await db.execute('CREATE TABLE patients (id BIGINT PRIMARY KEY, name TEXT NOT NULL)');
    const w = await db.execute('INSERT INTO patients VALUES ($1, $2)', [1, 'Jane Doe'], {
      audit: { actor: 'dr.who', reason: 'admission' },
    });
    expect(w.rowsAffected).toBe(1);
    expect(typeof w.position).toBe('bigint');
    const u = await db.execute("UPDATE patients SET name = 'Jane Roe' WHERE id = $1", [1]);
    expect(u.rowsAffected).toBe(1);
    expect(u.position > w.position).toBe(true);
    const now = await db.query('SELECT id, name FROM patients WHERE id = $1', [1]);
    expect(now.rows).toEqual([[1n, 'Jane Roe']]);
    expect(now.columns).toEqual([
      { name: 'id', type: 'BIGINT' },
      { name: 'name', type: 'TEXT' },
    ]);
    const then = await db.query('SELECT name FROM patients', [], { at: w.position });
    expect(then.rows).toEqual([['Jane Doe']]);
    expect((await db.queryAt('SELECT name FROM patients', [], w.position)).rows).toEqual(then.rows);
    // A number works as a position too.
    expect((await db.queryAt('SELECT name FROM patients', [], Number(w.position))).rows).toEqual(
      then.rows,
    );
    const d = await db.execute('DELETE FROM patients WHERE id = $1', [1]);
    expect(d.rowsAffected).toBe(1);
    expect((await db.query('SELECT * FROM patients')).rows).toEqual([]);
    expect((await db.query('SELECT name FROM patients', [], { at: u.position })).rows).toEqual([
      ['Jane Roe'],
    ]);
    await db.execute('INSERT INTO patients VALUES ($1, $2)', [1, 'Jane Roe']);
    // execute takes reads too, and RETURNING rows, as the embedded API does.
    const read = await db.execute('SELECT name FROM patients WHERE id = $1', [1]);
    expect(read).toMatchObject({ rows: [['Jane Roe']], rowsAffected: 0 });
    const ret = await db.execute('INSERT INTO patients VALUES ($1, $2) RETURNING id', [5, 'Kim']);
    expect(ret).toMatchObject({ rows: [[5n]], rowsAffected: 1 });
    await db.execute('DELETE FROM patients WHERE id = $1', [5]);
  });

  it('returns every value type exactly as the embedded API does', async () => {
    await db.execute(
      'CREATE TABLE kinds (id BIGINT PRIMARY KEY, i INTEGER, s SMALLINT, r REAL, ' +
        'd DOUBLE PRECISION, m DECIMAL(10,2), t TEXT, v VARCHAR(8), b BOOLEAN, day DATE, ' +
        'ts TIMESTAMP, u UUID, j JSON, bytes BYTEA)',
    );
    const row = [
      2n ** 62n,
      -7,
      3,
      0.5,
      Math.PI,
      '12.50',
      'naïve ✓',
      'short',
      true,
      '2026-11-22',
      new Date('2026-11-22T08:00:00.123Z'),
      '0B0E8F62-7A4C-4C8E-9F1A-0123456789AB',
      { z: [1, 'two', null], a: { nested: true } },
      new Uint8Array([0, 1, 254, 255]),
    ];
    const params = row.map((_, i) => `$${i + 1}`).join(', ');
    await db.execute(`INSERT INTO kinds VALUES (${params})`, row);
    await db.execute('INSERT INTO kinds (id) VALUES ($1)', [1]);
    const sql = 'SELECT * FROM kinds ORDER BY id';
    const remote = await db.query(sql);
    const local = await run.server.database.tenant(1).query(sql, [], { at: remote.position });
    expect(remote).toEqual(local);
    expect(remote.rows[0]).toEqual([1n, ...Array.from({ length: 13 }, () => null)]);
    const got = remote.rows[1] as unknown[];
    expect(got[0]).toBe(2n ** 62n);
    expect(got[5]).toBe('12.50');
    expect(got[10]).toBe('2026-11-22T08:00:00.123000Z');
    expect(got[11]).toBe('0b0e8f62-7a4c-4c8e-9f1a-0123456789ab');
    expect(got[12]).toEqual({ a: { nested: true }, z: [1, 'two', null] });
    expect(got[13]).toBeInstanceOf(Uint8Array);
    expect([...(got[13] as Uint8Array)]).toEqual([0, 1, 254, 255]);
  });

  it('reports SQL errors as typed errors with codes', async () => {
    const dup = await failure(db.execute('INSERT INTO patients VALUES ($1, $2)', [1, 'again']));
    expect(dup).toBeInstanceOf(QueryError);
    expect(dup).toMatchObject({ code: 'DUPLICATE_PRIMARY_KEY', retryable: false });
    const missing = await failure(db.query('SELECT * FROM nope'));
    expect(missing).toBeInstanceOf(QueryError);
    expect((missing as QueryError).code).toBe('UNKNOWN_TABLE');
    const syntax = await failure(db.query('SELEC id FROM patients'));
    expect(syntax).toBeInstanceOf(QueryError);
    expect((syntax as QueryError).code).toBe('SYNTAX_ERROR');
    const notNull = await failure(db.execute('INSERT INTO patients VALUES ($1, NULL)', [9]));
    expect((notNull as QueryError).code).toBe('NOT_NULL_VIOLATION');
    // Nothing of the failed writes is there.
    expect((await db.query('SELECT COUNT(*) FROM patients')).rows).toEqual([[1n]]);
  });

  it('creates, appends to, reads (maxEvents, maxBytes) and iterates streams', async () => {
    const created = await db.createStream('orders');
    expect(typeof created.streamId).toBe('number');
    const a = await db.append('orders', ['a', 'bb', 'ccc'], { expectedOffset: 0n });
    expect(a).toMatchObject({ firstOffset: 0n, count: 3 });
    const bad = await failure(db.append('orders', ['x'], { expectedOffset: 0n }));
    expect(bad).toBeInstanceOf(QueryError);
    expect((bad as QueryError).code).toBe('OFFSET_MISMATCH');
    const b = await db.append('orders', [new Uint8Array([1, 2, 3, 4])], { expectedOffset: 3 });
    expect(b.firstOffset).toBe(3n);

    const page = await db.read('orders', { fromOffset: 1n, maxEvents: 1 });
    expect(page.events.map((e) => text(e.data))).toEqual(['bb']);
    expect(page.events[0]?.offset).toBe(1n);
    expect(page.nextOffset).toBe(2n);
    // maxBytes: 'a' (1) + 'bb' (2) fit in 3 bytes, 'ccc' does not.
    const bytes = await db.read('orders', { maxBytes: 3 });
    expect(bytes.events.map((e) => text(e.data))).toEqual(['a', 'bb']);
    expect(bytes.nextOffset).toBe(2n);
    // At least one event even when it alone is over maxBytes.
    const one = await db.read('orders', { fromOffset: 2n, maxBytes: 1 });
    expect(one.events.map((e) => text(e.data))).toEqual(['ccc']);
    // Reading at an older position sees the stream as it was.
    const old = await db.read('orders', { at: a.position });
    expect(old.events).toHaveLength(3);

    const all: string[] = [];
    for await (const e of db.readAll('orders', { maxEvents: 2 })) all.push(text(e.data));
    expect(all).toEqual(['a', 'bb', 'ccc', '\u0001\u0002\u0003\u0004']);
    const tail: bigint[] = [];
    for await (const e of db.readAll('orders', { fromOffset: 2n, maxBytes: 1 })) {
      tail.push(e.offset);
    }
    expect(tail).toEqual([2n, 3n]);
    // readAll reads one snapshot: events appended while it iterates are not in it.
    const seen: bigint[] = [];
    for await (const e of db.readAll('orders', { maxEvents: 1 })) {
      seen.push(e.offset);
      if (seen.length === 1) await db.append('orders', ['late']);
    }
    expect(seen).toEqual([0n, 1n, 2n, 3n]);
    const info = await db.streamInfo('orders');
    expect(info).toMatchObject({ name: 'orders', streamId: created.streamId, nextOffset: 5n });

    const unknown = await failure(db.append('nope', ['x']));
    expect((unknown as QueryError).code).toBe('UNKNOWN_STREAM');
  });

  it('lists and describes tables, manages tenants, reports server info', async () => {
    const before = (await db.query('SELECT 1')).position;
    await db.execute('CREATE TABLE later (k BIGINT PRIMARY KEY)');
    expect(await db.admin.listTables()).toEqual(expect.arrayContaining(['patients', 'later']));
    expect(await db.admin.listTables({ at: before })).not.toContain('later');
    const t = await db.admin.describeTable('patients');
    expect(t.name).toBe('patients');
    expect(t.primaryKey).toEqual(['id']);
    expect(t.columns.map((c) => [c.name, c.type, c.notNull, c.primaryKey])).toEqual([
      ['id', 'BIGINT', true, true],
      ['name', 'TEXT', true, false],
    ]);
    const noTable = await failure(db.admin.describeTable('nope'));
    expect((noTable as QueryError).code).toBe('UNKNOWN_TABLE');

    const created = await db.admin.createTenant(2, 'clinic-b');
    expect(created).toMatchObject({ id: 2, name: 'clinic-b', sealed: false });
    expect((await db.admin.listTenants()).map((x) => x.id)).toEqual([1, 2]);
    expect((await db.admin.getTenant(2)).name).toBe('clinic-b');
    const exists = await failure(db.admin.createTenant(2, 'again'));
    expect((exists as QueryError).code).toBe('TENANT_EXISTS');
    await db.admin.deleteTenant(2);
    const gone = await failure(db.admin.getTenant(3));
    expect((gone as QueryError).code).toBe('UNKNOWN_TENANT');

    const info = await db.serverInfo();
    expect(info.auth).toBe('none');
    expect(info.tls).toBe(false);
    expect(info.protocolVersions).toContain(1);
    expect(info.backends.length).toBeGreaterThan(0);
    expect(info.connections).toBeGreaterThanOrEqual(2);
    expect(info.position >= before).toBe(true);
    await db.ping();
    const verified = await db.verify();
    expect(verified.ok).toBe(true);
    expect(verified.records).toBeGreaterThan(0);
    expect(db.session).toMatchObject({ version: 1, roles: ['admin'] });
    expect(db.session?.tenant).toBeUndefined();
  });

  it('pipelines 200 concurrent writes over a pool of 4, then counts them', async () => {
    const pool = await Client.connect({ address: run.address, tenantId: 1, poolSize: 4 });
    try {
      await pool.execute('CREATE TABLE kv (k BIGINT PRIMARY KEY, v TEXT)');
      const writes = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          pool.execute('INSERT INTO kv VALUES ($1, $2)', [i, `v${i}`]),
        ),
      );
      expect(writes.every((w) => w.rowsAffected === 1)).toBe(true);
      expect(new Set(writes.map((w) => w.position)).size).toBeGreaterThan(0);
      const reads = await Promise.all(
        Array.from({ length: 50 }, (_, i) => pool.query('SELECT v FROM kv WHERE k = $1', [i])),
      );
      expect(reads.map((r) => r.rows[0]?.[0])).toEqual(
        Array.from({ length: 50 }, (_, i) => `v${i}`),
      );
      const r = await db.query('SELECT COUNT(*) FROM kv');
      expect(r.rows).toEqual([[200n]]);
      expect((await pool.serverInfo()).connections).toBeGreaterThanOrEqual(6);
    } finally {
      await pool.close();
    }
    await expect(pool.ping()).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  });

  it('applies a write once when its reply is lost and the client retries', async () => {
    await db.execute('CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)');
    await db.execute('INSERT INTO counter VALUES (1, 0)');
    const proxy = await startDropProxy(run.server.address.host, run.server.address.port);
    const c = await Client.connect({ address: proxy.address, tenantId: 1 });
    try {
      proxy.dropNext((r) => r.ok && r.type === 'execute');
      const w = await c.execute('UPDATE counter SET n = n + 1 WHERE id = 1');
      const lost = await proxy.dropped;
      expect(lost.ok).toBe(true);
      // The retry came over a new connection and got the first outcome back.
      expect(proxy.connections).toBe(2);
      expect(w.rowsAffected).toBe(1);
      expect(lost.ok && lost.type === 'execute' && lost.result.position).toBe(w.position);
      expect((await db.query('SELECT n FROM counter WHERE id = 1')).rows).toEqual([[1n]]);
      // The next write on the same client is a new request and applies.
      await c.execute('UPDATE counter SET n = n + 1 WHERE id = 1');
      expect((await db.query('SELECT n FROM counter WHERE id = 1')).rows).toEqual([[2n]]);
    } finally {
      await c.close();
      await proxy.close();
    }
  });

  it('applies a lost write once when the server restarts before the retry', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kmb-client-retry-'));
    let first: Running | undefined = await start({}, dir);
    let second: Running | undefined;
    const { host, port } = first.server.address;
    const proxy = await startDropProxy(host, port);
    const admin = await Client.connect({ address: first.address });
    await admin.admin.createTenant(1, 'clinic');
    await admin.close();
    const c = await Client.connect({ address: proxy.address, tenantId: 1, retries: 30 });
    try {
      await c.execute('CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)');
      await c.execute('INSERT INTO counter VALUES (1, 0)');
      proxy.dropNext((r) => {
        // The reply is lost and the server looks down until it has restarted.
        if (r.ok && r.type === 'execute') proxy.blocked = true;
        return proxy.blocked;
      });
      const write = c.execute('UPDATE counter SET n = n + 1 WHERE id = 1');
      await proxy.dropped;
      await first.server.shutdown();
      first = undefined;
      second = await start({ address: { host, port } }, dir);
      proxy.blocked = false;
      const w = await write;
      expect(w.rowsAffected).toBe(1);
      const direct = await Client.connect({ address: second.address, tenantId: 1 });
      expect((await direct.query('SELECT n FROM counter WHERE id = 1')).rows).toEqual([[1n]]);
      await direct.close();
    } finally {
      await c.close();
      await proxy.close();
      await first?.server.shutdown();
      await second?.server.shutdown();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the data across a restart; the client reconnects to the same address', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kmb-client-restart-'));
    let first: Running | undefined = await start({}, dir);
    let second: Running | undefined;
    const port = first.server.address.port;
    const a = await Client.connect({ address: first.address });
    const c = await Client.connect({ address: first.address, tenantId: 7, poolSize: 2 });
    try {
      await a.admin.createTenant(7, 'seven');
      await c.execute('CREATE TABLE t (id BIGINT PRIMARY KEY)');
      const w = await c.execute('INSERT INTO t VALUES (1), (2)');
      await first.server.shutdown();
      first = undefined;
      const down = await failure(c.query('SELECT 1', [], { timeoutMs: 2_000 }));
      expect(down).toBeInstanceOf(ConnectionError);
      second = await start({ address: { host: '127.0.0.1', port } }, dir);
      // The same client heals its pool with new connections and handshakes.
      expect((await c.query('SELECT id FROM t ORDER BY id')).rows).toEqual([[1n], [2n]]);
      expect((await c.query('SELECT COUNT(*) FROM t', [], { at: w.position })).rows).toEqual([
        [2n],
      ]);
      await c.execute('INSERT INTO t VALUES (3)');
      expect((await c.query('SELECT COUNT(*) FROM t')).rows).toEqual([[3n]]);
      expect((await a.admin.getTenant(7)).name).toBe('seven');
    } finally {
      await a.close();
      await c.close();
      await first?.server.shutdown();
      await second?.server.shutdown();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('client against the real server (jwt)', () => {
  let run: Running;
  const secret = new TextEncoder().encode('a-test-secret-of-at-least-32-bytes!!');
  const token = (claims: Record<string, unknown>, exp: string | number = '1h') =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('app')
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(secret);

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kmb-client-jwt-'));
    const secretFile = join(dir, 'jwt.secret');
    await writeFile(secretFile, new TextDecoder().decode(secret), { mode: 0o600 });
    run = await start({ auth: { mode: 'jwt', secretFile } }, dir);
    const admin = await Client.connect({
      address: run.address,
      token: await token({ roles: ['admin'] }),
    });
    await admin.admin.createTenant(1, 'clinic');
    await admin.admin.createTenant(2, 'other');
    await admin.close();
  });

  afterAll(async () => {
    await stop(run);
  });

  it('takes a JWT bound to a tenant and refuses other tenants', async () => {
    const jwt = await token({ tenant: 1, roles: ['writer'] });
    const c = await Client.connect({ address: run.address, tenantId: 1, token: jwt });
    try {
      expect(c.session).toMatchObject({ tenant: 1, roles: ['writer'] });
      await c.execute('CREATE TABLE t (id BIGINT PRIMARY KEY)');
      await c.execute('INSERT INTO t VALUES ($1)', [1]);
      expect((await c.query('SELECT id FROM t')).rows).toEqual([[1n]]);
      expect((await c.serverInfo()).auth).toBe('jwt');
    } finally {
      await c.close();
    }
    const other = await failure(Client.connect({ address: run.address, tenantId: 2, token: jwt }));
    expect(other).toBeInstanceOf(PermissionError);
    expect((other as PermissionError).code).toBe('CROSS_TENANT');
  });

  it('refuses an expired, forged or missing token with its code', async () => {
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = await token({ tenant: 1, roles: ['writer'] }, past);
    const e1 = await failure(Client.connect({ address: run.address, tenantId: 1, token: expired }));
    expect(e1).toBeInstanceOf(AuthenticationError);
    expect(e1).toMatchObject({ code: 'TOKEN_EXPIRED', retryable: false });
    const good = await token({ tenant: 1, roles: ['admin'] });
    const forged = `${good.slice(0, good.lastIndexOf('.'))}.${'A'.repeat(43)}`;
    const e2 = await failure(Client.connect({ address: run.address, tenantId: 1, token: forged }));
    expect(e2).toMatchObject({ code: 'UNAUTHENTICATED' });
    const e3 = await failure(Client.connect({ address: run.address, tenantId: 1 }));
    expect(e3).toBeInstanceOf(AuthenticationError);
    expect(e3).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('client against the real server (small limits)', () => {
  let run: Running;

  beforeAll(async () => {
    run = await start({
      limits: { inFlightPerConnectionMax: 4, requestBytesMax: 64 * 1024 },
    });
    const admin = await Client.connect({ address: run.address });
    await admin.admin.createTenant(1, 'clinic');
    await admin.close();
  });

  afterAll(async () => {
    await stop(run);
  });

  it('reconnects transparently after the server closes idle connections', async () => {
    const idle = await start({ limits: { idleTimeoutMs: 500 } });
    const c = await Client.connect({ address: idle.address, poolSize: 2 });
    try {
      await c.ping();
      // The server closes both connections after its idle timeout (0.5 s here).
      await vi.waitFor(() => expect(c.session).toBeUndefined(), { timeout: 20_000 });
      expect((await c.admin.listTenants()).length).toBe(0);
      expect(c.session?.roles).toEqual(['admin']);
    } finally {
      await c.close();
      await stop(idle);
    }
  });

  it('refuses a request over the server maxFrameBytes without hurting others', async () => {
    const c = await Client.connect({ address: run.address, tenantId: 1, retries: 0 });
    try {
      expect(c.session?.maxFrameBytes).toBe(64 * 1024);
      await c.execute('CREATE TABLE blobs (id BIGINT PRIMARY KEY, body TEXT)');
      const big = 'x'.repeat(100 * 1024);
      const [small, tooBig, after] = await Promise.allSettled([
        c.execute('INSERT INTO blobs VALUES ($1, $2)', [1, 'small']),
        c.execute('INSERT INTO blobs VALUES ($1, $2)', [2, big]),
        c.query('SELECT id FROM blobs WHERE id = $1', [1]),
      ]);
      expect(small.status).toBe('fulfilled');
      expect(after.status).toBe('fulfilled');
      const e = (tooBig as PromiseRejectedResult).reason;
      expect(e).toBeInstanceOf(LimitError);
      expect(e).toMatchObject({ code: 'LIMIT_EXCEEDED', retryable: false });
      expect((e as LimitError).message).toMatch(/65536/);
      expect((await c.query('SELECT id FROM blobs')).rows).toEqual([[1n]]);
      expect(c.session).toBeDefined();
    } finally {
      await c.close();
    }
  });

  it('keeps at most the server maxInFlight requests in flight per connection', async () => {
    const c = await Client.connect({ address: run.address, tenantId: 1, retries: 0 });
    try {
      expect(c.session?.maxInFlight).toBe(4);
      await c.execute('CREATE TABLE t (id BIGINT PRIMARY KEY)');
      const writes = await Promise.all(
        Array.from({ length: 60 }, (_, i) => c.execute('INSERT INTO t VALUES ($1)', [i])),
      );
      expect(writes).toHaveLength(60);
      const reads = await Promise.all(
        Array.from({ length: 100 }, (_, i) => c.query('SELECT id FROM t WHERE id = $1', [i % 60])),
      );
      expect(reads.map((r) => r.rows[0]?.[0])).toEqual(
        Array.from({ length: 100 }, (_, i) => BigInt(i % 60)),
      );
    } finally {
      await c.close();
    }
  });
});

describe('client against the real server (connection limit, shutdown)', () => {
  it('refuses connections past the limit with TOO_MANY_CONNECTIONS', async () => {
    const run = await start({ limits: { connectionsMax: 2 } });
    try {
      const a = await Client.connect({ address: run.address, poolSize: 2 });
      const e = await failure(Client.connect({ address: run.address }));
      expect(e).toBeInstanceOf(ConnectionError);
      expect(e).toMatchObject({ code: 'TOO_MANY_CONNECTIONS', retryable: true });
      await a.close();
      await vi.waitFor(() => expect(run.server.connectionCount).toBe(0));
      const b = await Client.connect({ address: run.address });
      await b.ping();
      await b.close();
    } finally {
      await stop(run);
    }
  });

  it('answers writes in flight at a graceful shutdown; each acknowledged one is kept', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kmb-client-shutdown-'));
    let first: Running | undefined = await start({}, dir);
    let second: Running | undefined;
    try {
      const admin = await Client.connect({ address: first.address });
      await admin.admin.createTenant(1, 'clinic');
      await admin.close();
      const c = await Client.connect({
        address: first.address,
        tenantId: 1,
        poolSize: 2,
        retries: 0,
      });
      await c.execute('CREATE TABLE t (id BIGINT PRIMARY KEY)');
      const writes = Array.from({ length: 40 }, (_, i) =>
        c.execute('INSERT INTO t VALUES ($1)', [i], {}).then(() => i),
      );
      // Stop once the first reply is in: the rest are in flight, queued or not yet sent.
      await Promise.race(writes);
      const stopping = first.server.shutdown();
      // Writes sent once the shutdown began are refused, not applied.
      const late = await Promise.allSettled(
        [100, 101, 102].map((i) => c.execute('INSERT INTO t VALUES ($1)', [i])),
      );
      const settled = await Promise.allSettled(writes);
      await stopping;
      for (const r of late) {
        expect(r.status).toBe('rejected');
        const e = (r as PromiseRejectedResult).reason;
        expect(e).toBeInstanceOf(ConnectionError);
        expect(['SHUTTING_DOWN', 'CONNECTION_CLOSED']).toContain(e.code);
        expect(e.retryable).toBe(true);
      }
      first = undefined;
      const acked = settled.flatMap((r) => (r.status === 'fulfilled' ? [BigInt(r.value)] : []));
      expect(acked.length).toBeGreaterThan(0);
      for (const r of settled) {
        if (r.status === 'rejected') {
          expect(r.reason).toBeInstanceOf(ConnectionError);
          expect(['SHUTTING_DOWN', 'CONNECTION_CLOSED']).toContain(r.reason.code);
        }
      }
      await c.close();
      second = await start({}, dir);
      const again = await Client.connect({ address: second.address, tenantId: 1 });
      const ids = (await again.query('SELECT id FROM t')).rows.map((row) => row[0] as bigint);
      expect(ids).toEqual(expect.arrayContaining(acked));
      expect(ids).not.toContain(100n);
      await again.close();
    } finally {
      await first?.server.shutdown();
      await second?.server.shutdown();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('client against the real server (api keys)', () => {
  let run: Running;
  const keys: Record<'admin' | 'writer' | 'reader' | 'tenantAdmin', string> = {
    admin: '',
    writer: '',
    reader: '',
    tenantAdmin: '',
  };
  const clients: Client[] = [];
  const connect = async (o: Omit<ConnectOptions, 'address'>) => {
    const c = await Client.connect({ address: run.address, ...o });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kmb-client-keys-'));
    run = await start({ auth: { mode: 'api_key' } }, dir);
    // Keys made while the server runs work at the next handshake.
    keys.admin = (await createApiKey(dir, { roles: ['admin'], name: 'ops' })).key;
    keys.writer = (await createApiKey(dir, { tenant: 1, roles: ['writer'] })).key;
    keys.reader = (await createApiKey(dir, { tenant: 1, roles: ['reader'] })).key;
    keys.tenantAdmin = (await createApiKey(dir, { tenant: 1, roles: ['admin'] })).key;
    const admin = await connect({ token: keys.admin });
    await admin.admin.createTenant(1, 'clinic');
    await admin.admin.createTenant(2, 'other');
  });

  afterAll(async () => {
    for (const c of clients) await c.close();
    await stop(run);
  });

  it('a writer key works on its tenant and the handshake reports its identity', async () => {
    const w = await connect({ token: keys.writer, tenantId: 1 });
    expect(w.session).toMatchObject({ tenant: 1, roles: ['writer'] });
    await w.execute('CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT)');
    await w.execute('INSERT INTO notes VALUES ($1, $2)', [1, 'hello']);
    expect((await w.query('SELECT body FROM notes')).rows).toEqual([['hello']]);
    await w.createStream('log');
    await w.append('log', ['x']);
    expect((await w.serverInfo()).auth).toBe('api_key');
  });

  it('refuses another tenant with CROSS_TENANT, at the handshake and per request', async () => {
    const e = await failure(
      Client.connect({ address: run.address, token: keys.writer, tenantId: 2 }),
    );
    expect(e).toBeInstanceOf(PermissionError);
    expect((e as PermissionError).code).toBe('CROSS_TENANT');
    const a = await connect({ token: keys.tenantAdmin, tenantId: 1 });
    const other = await failure(a.admin.getTenant(2));
    expect(other).toBeInstanceOf(PermissionError);
    expect((other as PermissionError).code).toBe('CROSS_TENANT');
    expect((await a.admin.listTenants()).map((t) => t.id)).toEqual([1]);
  });

  it('refuses what a role does not allow with PERMISSION_DENIED; nothing is written', async () => {
    const r = await connect({ token: keys.reader, tenantId: 1 });
    const denied = await failure(r.execute('INSERT INTO notes VALUES ($1, $2)', [2, 'no']));
    expect(denied).toBeInstanceOf(PermissionError);
    expect(denied).toMatchObject({ code: 'PERMISSION_DENIED', retryable: false });
    expect((await r.query('SELECT COUNT(*) FROM notes')).rows).toEqual([[1n]]);
    expect(await r.admin.listTables()).toContain('notes');
    const w = await connect({ token: keys.writer, tenantId: 1 });
    expect((await failure(w.admin.createTenant(3, 'x'))) as PermissionError).toMatchObject({
      code: 'PERMISSION_DENIED',
    });
    expect((await failure(w.verify())) as PermissionError).toMatchObject({
      code: 'PERMISSION_DENIED',
    });
  });

  it('refuses a wrong, missing or revoked key with UNAUTHENTICATED', async () => {
    const wrong = `${keys.writer.slice(0, -4)}AAAA`;
    const e1 = await failure(Client.connect({ address: run.address, token: wrong, tenantId: 1 }));
    expect(e1).toBeInstanceOf(AuthenticationError);
    expect((e1 as AuthenticationError).code).toBe('UNAUTHENTICATED');
    const e2 = await failure(Client.connect({ address: run.address, tenantId: 1 }));
    expect((e2 as AuthenticationError).code).toBe('UNAUTHENTICATED');
    const made = await createApiKey(run.dir, { tenant: 1, roles: ['reader'] });
    const ok = await connect({ token: made.key, tenantId: 1 });
    await ok.ping();
    await revokeApiKey(run.dir, made.id);
    const e3 = await failure(Client.connect({ address: run.address, token: made.key }));
    expect((e3 as AuthenticationError).code).toBe('UNAUTHENTICATED');
  });
});

describe('client against the real server (TLS, self-signed certificate)', () => {
  let run: Running;
  let cert: string;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kmb-client-tls-'));
    const keyFile = join(dir, 'server.key');
    const certFile = join(dir, 'server.pem');
    selfSigned('localhost', keyFile, certFile);
    cert = await readFile(certFile, 'utf8');
    run = await start({ tls: { certFile, keyFile } }, dir);
  });

  it('authenticates with a client certificate when the server requires one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kmb-client-mtls-'));
    const files = (n: string) => ({ key: join(dir, `${n}.key`), cert: join(dir, `${n}.pem`) });
    for (const [name, cn] of [
      ['server', 'localhost'],
      ['client', 'app'],
    ] as const) {
      selfSigned(cn, files(name).key, files(name).cert);
    }
    const server = files('server');
    const client = files('client');
    const mtls = await start(
      {
        tls: {
          certFile: server.cert,
          keyFile: server.key,
          caFile: client.cert,
          requireClientCert: true,
        },
      },
      dir,
    );
    try {
      const ca = await readFile(server.cert, 'utf8');
      const c = await Client.connect({
        address: mtls.address,
        tls: {
          ca,
          servername: 'localhost',
          cert: await readFile(client.cert, 'utf8'),
          key: await readFile(client.key),
        },
      });
      expect((await c.serverInfo()).tls).toBe(true);
      await c.close();
      const without = await failure(
        Client.connect({ address: mtls.address, tls: { ca, servername: 'localhost' } }),
      );
      expect(without).toBeInstanceOf(ConnectionError);
      expect((without as ConnectionError).code).toBe('CONNECTION_CLOSED');
      // The server's TLS alert normally arrives and says why; a reset may overtake it.
      if (!(without as ConnectionError).retryable) {
        expect((without as ConnectionError).message).toMatch(/client certificate.*tls\.cert/);
      }
    } finally {
      await stop(mtls);
    }
  });

  afterAll(async () => {
    await stop(run);
  });

  it('talks to the server over TLS when the client trusts its certificate', async () => {
    const c = await Client.connect({
      address: run.address,
      tls: { ca: cert, servername: 'localhost' },
      poolSize: 2,
    });
    try {
      expect((await c.serverInfo()).tls).toBe(true);
      await c.admin.createTenant(1, 'clinic');
      const t = await Client.connect({
        address: run.address,
        tenantId: 1,
        tls: { ca: new TextEncoder().encode(cert), servername: 'localhost' },
      });
      await t.execute('CREATE TABLE t (id BIGINT PRIMARY KEY)');
      await t.execute('INSERT INTO t VALUES ($1)', [1]);
      expect((await t.query('SELECT id FROM t')).rows).toEqual([[1n]]);
      await t.close();
    } finally {
      await c.close();
    }
  });

  it('refuses a server certificate the client does not trust', async () => {
    const e = await failure(Client.connect({ address: run.address, tls: true, retries: 0 }));
    expect(e).toBeInstanceOf(ConnectionError);
    expect(e).toMatchObject({ code: 'CONNECTION_CLOSED', retryable: false });
    expect((e as ConnectionError).message).toMatch(/certificate is not trusted.*tls\.ca/);
    // Trusting it but naming the wrong host is refused the same way.
    const name = await failure(
      Client.connect({ address: run.address, tls: { ca: cert, servername: 'elsewhere' } }),
    );
    expect(name).toMatchObject({ code: 'CONNECTION_CLOSED', retryable: false });
  });

  it('fails cleanly when a plain TCP client meets the TLS server', async () => {
    const e = await failure(
      Client.connect({ address: run.address, connectTimeoutMs: 5_000, retries: 0 }),
    );
    expect(e).toBeInstanceOf(ConnectionError);
    expect((e as ConnectionError).message).toMatch(/before answering the handshake/);
  });
});
