/**
 * `kimberlite start` with `--tls-cert/--tls-key` and `--auth jwt --jwt-secret-file`, and the
 * client commands with `--tls-ca` and `--token <jwt>`: a valid token works, an expired one is
 * refused with TOKEN_EXPIRED, a plain TCP client gets nowhere. TLS material: the server tests'
 * fixtures (test/server/fixtures, a test-only CA and a certificate for 127.0.0.1).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, kimberlite, ROOT, ServerProcess, tempDir } from './cli_harness.js';

const FIXTURES = join(ROOT, 'test', 'server', 'fixtures');
const SECRET = 'a-test-secret-of-at-least-32-bytes-long!';

afterAll(cleanup);

function token(claims: Record<string, unknown>, expiresAt: number): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('ops')
    .setIssuedAt(expiresAt - 600)
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(SECRET));
}

describe('kimberlite start with TLS and JWT', () => {
  it('serves TLS clients holding a valid token and refuses the others', async () => {
    const home = tempDir('tls');
    const dir = join(home, 'data');
    await kimberlite(['init', dir]);
    const secretFile = join(home, 'jwt.secret');
    writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
    const server = await ServerProcess.start(dir, [
      '--tls-cert',
      join(FIXTURES, 'server.pem'),
      '--tls-key',
      join(FIXTURES, 'server.key'),
      '--auth',
      'jwt',
      '--jwt-secret-file',
      secretFile,
    ]);
    expect(server.output.text).toContain('auth=jwt tls=on');
    const now = Math.floor(Date.now() / 1000);
    const admin = await token({ roles: ['admin'] }, now + 600);
    const tls = ['--address', server.address, '--tls-ca', join(FIXTURES, 'ca.pem')];

    const created = await kimberlite([
      'tenant',
      'create',
      '1',
      '--name',
      'a',
      ...tls,
      '--token',
      admin,
    ]);
    expect(created.status, created.stderr).toBe(0);
    const writer = await token({ tenant: 1, roles: ['writer'] }, now + 600);
    const q = await kimberlite([
      'query',
      ...tls,
      '--token',
      writer,
      '--tenant',
      '1',
      'SELECT 1 AS one',
    ]);
    expect(q.status, q.stderr).toBe(0);
    expect(q.stdout).toContain('(1 row)');

    const expired = await token({ tenant: 1, roles: ['writer'] }, now - 60);
    const late = await kimberlite([
      'query',
      ...tls,
      '--token',
      expired,
      '--tenant',
      '1',
      'SELECT 1',
    ]);
    expect(late.status).toBe(1);
    expect(late.stderr).toContain('TOKEN_EXPIRED');

    const plain = await kimberlite([
      'query',
      '--address',
      server.address,
      '--token',
      writer,
      '--tenant',
      '1',
      'SELECT 1',
    ]);
    expect(plain.status).toBe(1);
    expect((await server.stop()).code).toBe(0);
  });

  it('refuses half a TLS configuration before starting', async () => {
    const dir = join(tempDir('tls-half'), 'data');
    await kimberlite(['init', dir]);
    const run = await kimberlite(['start', dir, '--tls-cert', join(FIXTURES, 'server.pem')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('TLS needs both --tls-cert <file> and --tls-key <file>');
    const jwt = await kimberlite(['start', dir, '--auth', 'jwt']);
    expect(jwt.status).toBe(1);
    expect(jwt.stderr).toContain('--jwt-secret-file');
  });
});
