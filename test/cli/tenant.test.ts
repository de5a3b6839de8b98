/**
 * `kimberlite tenant key create|list|revoke` on a data directory and `kimberlite tenant
 * create|list|info|delete` over the wire, against a server started with `--auth apikey`: an
 * admin key manages tenants, a tenant key works on its tenant only, a revoked key is refused.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, kimberlite, ServerProcess, tempDir } from './cli_harness.js';

afterAll(cleanup);

/** The key line `kmb_<id>_<secret>` printed once by `tenant key create`. */
function keyOf(stdout: string): string {
  const key = /^kmb_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/m.exec(stdout)?.[0];
  if (key === undefined) throw new Error(`no key in:\n${stdout}`);
  return key;
}

describe('kimberlite tenant and tenant key', () => {
  it('creates, lists and revokes keys; manages tenants with an admin key', async () => {
    const dir = `${tempDir('tenant')}/data`;
    expect((await kimberlite(['init', dir])).status).toBe(0);
    const admin = await kimberlite(['tenant', 'key', 'create', dir, '--role', 'admin']);
    expect(admin.status).toBe(0);
    expect(admin.stdout).toContain('shown only now');
    const adminKey = keyOf(admin.stdout);
    const writer = await kimberlite([
      'tenant',
      'key',
      'create',
      dir,
      '--tenant',
      '7',
      '--role',
      'writer',
      '--name',
      'app',
    ]);
    const writerKey = keyOf(writer.stdout);
    const writerId = writerKey.slice(4, 12);
    const noTenant = await kimberlite(['tenant', 'key', 'create', dir, '--role', 'reader']);
    expect(noTenant.status).toBe(1);
    expect(noTenant.stderr).toContain('INVALID_ARGUMENT');

    const listed = await kimberlite(['tenant', 'key', 'list', dir]);
    expect(listed.stdout).toContain(writerId);
    expect(listed.stdout).toContain('app');
    expect(listed.stdout).not.toContain(writerKey.slice(13));

    const server = await ServerProcess.start(dir, ['--auth', 'apikey']);
    expect(server.output.text).toContain('auth=api_key');
    const asAdmin = ['--address', server.address, '--token', adminKey];
    const created = await kimberlite(['tenant', 'create', '7', '--name', 'clinic', ...asAdmin]);
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toContain('created tenant 7');
    expect(
      (await kimberlite(['tenant', 'create', '8', '--name', 'other', ...asAdmin])).status,
    ).toBe(0);
    const list = await kimberlite(['tenant', 'list', ...asAdmin]);
    expect(list.stdout).toMatch(/ 7 +\| clinic/);
    expect(list.stdout).toContain('(2 rows)');
    const info = await kimberlite(['tenant', 'info', '8', ...asAdmin]);
    expect(info.stdout).toMatch(/ 8 +\| other/);

    const asWriter = ['--address', server.address, '--token', writerKey, '--tenant', '7'];
    const ddl = await kimberlite(['query', ...asWriter, 'CREATE TABLE t (id BIGINT PRIMARY KEY)']);
    expect(ddl.status, ddl.stderr).toBe(0);
    const other = await kimberlite([
      'query',
      '--address',
      server.address,
      '--token',
      writerKey,
      '--tenant',
      '8',
      'SELECT 1 AS one',
    ]);
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/CROSS_TENANT|PERMISSION_DENIED/);
    const anonymous = await kimberlite([
      'query',
      '--address',
      server.address,
      '--tenant',
      '7',
      'SELECT 1 AS one',
    ]);
    expect(anonymous.status).toBe(1);
    expect(anonymous.stderr).toContain('UNAUTHENTICATED');
    const denied = await kimberlite([
      'tenant',
      'create',
      '9',
      '--name',
      'x',
      '--address',
      server.address,
      '--token',
      writerKey,
    ]);
    expect(denied.status).toBe(1);
    expect(denied.stderr).toMatch(/PERMISSION_DENIED|CROSS_TENANT/);

    const revoked = await kimberlite(['tenant', 'key', 'revoke', dir, writerId]);
    expect(revoked.stdout).toContain(`revoked API key ${writerId}`);
    const after = await kimberlite(['query', ...asWriter, 'SELECT 1 AS one']);
    expect(after.status).toBe(1);
    expect(after.stderr).toContain('UNAUTHENTICATED');
    const unknown = await kimberlite(['tenant', 'key', 'revoke', dir, '00000000']);
    expect(unknown.status).toBe(1);

    const deleted = await kimberlite(['tenant', 'delete', '8', ...asAdmin]);
    expect(deleted.status, deleted.stderr).toBe(0);
    expect((await server.stop()).code).toBe(0);
  });
});
