/**
 * Authentication and authorization over real sockets: API keys (wrong, revoked while the
 * server runs, bound to a tenant, by role), JWTs (HS256 and ES256, expired), requests without
 * a handshake. Every refusal carries the right code and writes nothing.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AuthConfig,
  createApiKey,
  listApiKeys,
  revokeApiKey,
  type Server,
} from '../../ts/server/index.js';
import { RawClient, startServer, tempDir } from './raw_client.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(auth: AuthConfig = { mode: 'api_key' }) {
  const dir = await tempDir();
  cleanups.push(dir.remove);
  const admin = await createApiKey(dir.dir, { roles: ['admin'], name: 'ops' });
  const { server } = await startServer(dir.dir, { auth });
  cleanups.push(() => server.shutdown());
  return { dir: dir.dir, server, admin };
}

async function connect(server: Server): Promise<RawClient> {
  const client = await RawClient.connect(server.address.port);
  cleanups.push(async () => client.close());
  return client;
}

async function seed(server: Server, key: string): Promise<void> {
  const client = await connect(server);
  await client.handshake({ kind: 'api_key', key });
  await client.ok({ type: 'create_tenant', tenant: 1, name: 'one' });
  await client.ok({ type: 'create_tenant', tenant: 2, name: 'two' });
  for (const tenant of [1, 2]) {
    await client.ok({
      type: 'execute',
      tenant,
      sql: 'CREATE TABLE t (id BIGINT PRIMARY KEY)',
      params: [],
    });
  }
  client.close();
}

const insert = (tenant: number) => ({
  type: 'execute' as const,
  tenant,
  sql: 'INSERT INTO t VALUES (1)',
  params: [],
});

describe('API keys', () => {
  it('stores only a hash, lists keys without secrets, and revokes by id', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const made = await createApiKey(dir.dir, { tenant: 3, roles: ['reader'], name: 'app' });
    expect(made.key).toMatch(/^kmb_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    expect(made.key.startsWith(`kmb_${made.id}_`)).toBe(true);
    const { readFile, stat } = await import('node:fs/promises');
    const text = await readFile(join(dir.dir, 'api_keys.json'), 'utf8');
    expect(text).not.toContain(made.key.slice(14));
    expect((await stat(join(dir.dir, 'api_keys.json'))).mode & 0o777).toBe(0o600);
    const [listed] = await listApiKeys(dir.dir);
    expect(listed).toMatchObject({ id: made.id, tenant: 3, roles: ['reader'], name: 'app' });
    expect(JSON.stringify(listed)).not.toContain('sha256');
    await revokeApiKey(dir.dir, made.id);
    expect((await listApiKeys(dir.dir))[0]?.revokedAt).toBeDefined();
    await expect(revokeApiKey(dir.dir, 'deadbeef')).rejects.toThrow(/no API key/);
    await expect(createApiKey(dir.dir, { roles: ['writer'] })).rejects.toThrow(/admin/);
    await expect(createApiKey(dir.dir, { tenant: 1, roles: ['root' as 'admin'] })).rejects.toThrow(
      /unknown role/,
    );
  });

  it('refuses a wrong key, a key of the wrong kind and a malformed key', async () => {
    const { server, admin } = await setup();
    const wrong = `${admin.key.slice(0, -4)}AAAA`;
    for (const credentials of [
      { kind: 'api_key' as const, key: wrong },
      { kind: 'api_key' as const, key: 'kmb_nothing' },
      { kind: 'none' as const },
      { kind: 'jwt' as const, token: 'a.b.c' },
    ]) {
      const client = await connect(server);
      const code = await client.code({ type: 'handshake', versions: [1], credentials });
      expect(code).toBe('UNAUTHENTICATED');
      await client.closed;
    }
    expect(server.database.position).toBe(-1n);
  });

  it('refuses a key revoked while the server runs, and takes a key created meanwhile', async () => {
    const { dir, server, admin } = await setup();
    await seed(server, admin.key);
    const writer = await createApiKey(dir, { tenant: 1, roles: ['writer'] });
    const before = await connect(server);
    await before.handshake({ kind: 'api_key', key: writer.key });
    expect(await before.code(insert(1))).toBe('OK');
    await revokeApiKey(dir, writer.id);
    const position = server.database.position;
    const after = await connect(server);
    const response = await after.request({
      type: 'handshake',
      versions: [1],
      credentials: { kind: 'api_key', key: writer.key },
    });
    expect(response.ok ? 'OK' : response.error.message).toMatch(/revoked/);
    await after.closed;
    expect(server.database.position).toBe(position);
  });

  it("binds a key to its tenant: another tenant's id is CROSS_TENANT", async () => {
    const { dir, server, admin } = await setup();
    await seed(server, admin.key);
    const writer = await createApiKey(dir, { tenant: 1, roles: ['writer'] });
    const client = await connect(server);
    const hello = await client.handshake({ kind: 'api_key', key: writer.key }, 1);
    expect(hello).toMatchObject({ tenant: 1, roles: ['writer'] });
    const position = server.database.position;
    expect(await client.code(insert(2))).toBe('CROSS_TENANT');
    expect(
      await client.code({ type: 'query', tenant: 2, sql: 'SELECT * FROM t', params: [] }),
    ).toBe('CROSS_TENANT');
    expect(server.database.position).toBe(position);
    expect(await client.code(insert(1))).toBe('OK');
    const other = await connect(server);
    const code = await other.code({
      type: 'handshake',
      versions: [1],
      credentials: { kind: 'api_key', key: writer.key },
      tenant: 2,
    });
    expect(code).toBe('CROSS_TENANT');
  });

  it('enforces roles: a reader cannot write, a writer cannot manage tenants', async () => {
    const { dir, server, admin } = await setup();
    await seed(server, admin.key);
    const reader = await createApiKey(dir, { tenant: 1, roles: ['reader'] });
    const writer = await createApiKey(dir, { tenant: 1, roles: ['writer'] });
    const position = server.database.position;
    const r = await connect(server);
    await r.handshake({ kind: 'api_key', key: reader.key });
    expect(await r.code(insert(1))).toBe('PERMISSION_DENIED');
    expect(await r.code({ type: 'create_stream', tenant: 1, name: 's' })).toBe('PERMISSION_DENIED');
    expect(await r.code({ type: 'query', tenant: 1, sql: 'SELECT * FROM t', params: [] })).toBe(
      'OK',
    );
    const w = await connect(server);
    await w.handshake({ kind: 'api_key', key: writer.key });
    expect(await w.code({ type: 'create_tenant', tenant: 1, name: 'x' })).toBe('PERMISSION_DENIED');
    expect(await w.code({ type: 'delete_tenant', tenant: 1 })).toBe('PERMISSION_DENIED');
    expect(await w.code({ type: 'verify' })).toBe('PERMISSION_DENIED');
    expect(server.database.position).toBe(position);
  });

  it('lets a tenant-bound admin see only its own tenant', async () => {
    const { dir, server, admin } = await setup();
    await seed(server, admin.key);
    const boundAdmin = await createApiKey(dir, { tenant: 2, roles: ['admin'] });
    const client = await connect(server);
    await client.handshake({ kind: 'api_key', key: boundAdmin.key });
    const list = await client.ok({ type: 'list_tenants' });
    expect(list.tenants.map((t) => t.id)).toEqual([2]);
    expect(await client.code({ type: 'get_tenant', tenant: 1 })).toBe('CROSS_TENANT');
    expect(await client.code({ type: 'delete_tenant', tenant: 1 })).toBe('CROSS_TENANT');
  });
});

describe('handshake', () => {
  it('refuses any request before the handshake and closes, writing nothing', async () => {
    const { server, admin } = await setup();
    await seed(server, admin.key);
    const position = server.database.position;
    const client = await connect(server);
    expect(await client.code(insert(1))).toBe('UNAUTHENTICATED');
    await client.closed;
    expect(server.database.position).toBe(position);
  });

  it('refuses a client that shares no protocol version', async () => {
    const { server, admin } = await setup();
    const client = await connect(server);
    const code = await client.code({
      type: 'handshake',
      versions: [7, 9],
      credentials: { kind: 'api_key', key: admin.key },
    });
    expect(code).toBe('UNSUPPORTED_VERSION');
    await client.closed;
  });

  it('queues requests pipelined behind the handshake and answers them after it', async () => {
    const { server, admin } = await setup();
    const client = await connect(server);
    const hello = client.send({
      type: 'handshake',
      versions: [2, 1],
      credentials: { kind: 'api_key', key: admin.key },
    });
    const ping = client.send({ type: 'ping' });
    const first = await client.next();
    const second = await client.next();
    expect([first?.id, first?.ok, second?.id, second?.ok]).toEqual([hello, true, ping, true]);
  });
});

describe('JWT', () => {
  const secret = 'a-test-secret-that-is-at-least-32-bytes-long';

  async function jwtServer() {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const secretFile = join(dir.dir, 'jwt.secret');
    await writeFile(secretFile, `${secret}\n`, { mode: 0o600 });
    const { server } = await startServer(dir.dir, {
      auth: { mode: 'jwt', secretFile, issuer: 'tests' },
    });
    cleanups.push(() => server.shutdown());
    return server;
  }

  function token(claims: Record<string, unknown>, expiresAt: number | string = '1h') {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer('tests')
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .sign(new TextEncoder().encode(secret));
  }

  it('takes a valid token and binds its tenant and roles', async () => {
    const server = await jwtServer();
    const admin = await connect(server);
    await admin.handshake({ kind: 'jwt', token: await token({ roles: ['admin'] }) });
    await admin.ok({ type: 'create_tenant', tenant: 5, name: 'five' });
    const client = await connect(server);
    const hello = await client.handshake({
      kind: 'jwt',
      token: await token({ tenant: 5, roles: ['writer'] }),
    });
    expect(hello).toMatchObject({ tenant: 5, roles: ['writer'] });
    expect(await client.code({ type: 'create_stream', tenant: 5, name: 's' })).toBe('OK');
    expect(await client.code({ type: 'create_stream', tenant: 6, name: 's' })).toBe('CROSS_TENANT');
  });

  it('refuses an expired token (TOKEN_EXPIRED) and a forged one (UNAUTHENTICATED)', async () => {
    const server = await jwtServer();
    const position = server.database.position;
    const expired = await token(
      { tenant: 1, roles: ['admin'] },
      Math.floor(Date.now() / 1000) - 60,
    );
    const a = await connect(server);
    expect(
      await a.code({
        type: 'handshake',
        versions: [1],
        credentials: { kind: 'jwt', token: expired },
      }),
    ).toBe('TOKEN_EXPIRED');
    const forged = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setIssuer('tests')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-that-is-also-32-bytes-long!'));
    const b = await connect(server);
    expect(
      await b.code({
        type: 'handshake',
        versions: [1],
        credentials: { kind: 'jwt', token: forged },
      }),
    ).toBe('UNAUTHENTICATED');
    const noTenant = await token({ roles: ['writer'] });
    const c = await connect(server);
    expect(
      await c.code({
        type: 'handshake',
        versions: [1],
        credentials: { kind: 'jwt', token: noTenant },
      }),
    ).toBe('UNAUTHENTICATED');
    expect(server.database.position).toBe(position);
  });

  it('verifies ES256 tokens against a PEM public key', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const publicKeyFile = join(dir.dir, 'jwt.pem');
    await writeFile(publicKeyFile, await exportSPKI(publicKey));
    const { server } = await startServer(dir.dir, { auth: { mode: 'jwt', publicKeyFile } });
    cleanups.push(() => server.shutdown());
    const signed = await new SignJWT({ tenant: 4, roles: ['reader'] })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('bob')
      .setExpirationTime('5m')
      .sign(privateKey);
    const client = await connect(server);
    expect(await client.handshake({ kind: 'jwt', token: signed })).toMatchObject({
      tenant: 4,
      roles: ['reader'],
    });
  });
});
