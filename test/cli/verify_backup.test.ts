/**
 * `kimberlite verify` and `kimberlite backup create|verify|restore` through the compiled bin:
 * a backup taken while a server runs and clients write restores to exactly the rows the server
 * had at the backup's log position, and verifies; verify passes on an intact directory, says
 * so clearly on a directory a server holds, and on a flipped byte exits non-zero naming the
 * log, segment file, byte and offset; a damaged archive is refused.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client } from '../../ts/client/index.js';
import { cleanup, kimberlite, ServerProcess, tempDir } from './cli_harness.js';

afterAll(cleanup);

function flipByte(path: string, at: number): void {
  const bytes = readFileSync(path);
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  writeFileSync(path, bytes);
}

async function rows(address: string, at?: bigint): Promise<unknown[][]> {
  const db = await Client.connect({ address, tenantId: 1 });
  try {
    const sql = 'SELECT id, writer, n FROM events ORDER BY id';
    const result = at === undefined ? await db.query(sql) : await db.queryAt(sql, [], at);
    return result.rows.map((row) => row.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
  } finally {
    await db.close();
  }
}

describe('kimberlite backup while the server runs, restore, verify', () => {
  it('restores exactly the rows at the backup position', async () => {
    const home = tempDir('backup');
    const dir = join(home, 'data');
    await kimberlite(['init', dir]);
    const server = await ServerProcess.start(dir);
    const setup = await Client.connect({ address: server.address, tenantId: 1 });
    await setup.admin.createTenant(1, 'clinic');
    await setup.execute('CREATE TABLE events (id BIGINT PRIMARY KEY, writer BIGINT, n BIGINT)');
    await setup.close();

    // Three clients write while the backup runs.
    let stop = false;
    let written = 0;
    const writers = [0, 1, 2].map(async (w) => {
      const db = await Client.connect({ address: server.address, tenantId: 1 });
      let n = 0;
      while (!stop || n < 20) {
        await db.execute('INSERT INTO events VALUES ($1, $2, $3)', [w * 1_000_000 + n, w, n]);
        n += 1;
        written += 1;
      }
      await db.close();
      return n;
    });
    // Bounded by the test's timeout: the writers are known to work (server.test.ts).
    while (written < 30) await new Promise((resolve) => setTimeout(resolve, 10));
    const archive = join(home, 'data.kbak');
    const created = await kimberlite(['backup', 'create', dir, archive]);
    stop = true;
    await Promise.all(writers);
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toContain('the master key is NOT in the backup');
    const position = BigInt(/to log position (\d+)/.exec(created.stdout)?.[1] ?? '-1');
    expect(position).toBeGreaterThan(1n);

    const locked = await kimberlite(['verify', dir]);
    expect(locked.status).toBe(1);
    expect(locked.stderr).toContain('DIRECTORY_LOCKED');
    expect(locked.stderr).toContain('backup verify');

    const checked = await kimberlite(['backup', 'verify', archive]);
    expect(checked.status, checked.stderr).toBe(0);
    expect(checked.stdout).toContain('is intact');

    const expected = await rows(server.address, position);
    expect(expected.length).toBeGreaterThan(0);
    expect((await server.stop()).code).toBe(0);

    const noKey = await kimberlite(['backup', 'restore', archive, join(home, 'nokey')], {
      env: { KIMBERLITE_MASTER_KEY: undefined },
    });
    expect(noKey.status).toBe(1);
    expect(noKey.stderr).toContain('--master-key-file');

    const restoredDir = join(home, 'restored');
    const restored = await kimberlite([
      'backup',
      'restore',
      archive,
      restoredDir,
      '--master-key-file',
      join(dir, 'master.key'),
    ]);
    expect(restored.status, restored.stderr).toBe(0);
    expect(restored.stdout).toContain(`log position ${position}`);
    const verified = await kimberlite(['verify', restoredDir]);
    expect(verified.status, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('every chain and Merkle root is intact');

    const again = await ServerProcess.start(restoredDir);
    expect(await rows(again.address)).toEqual(expected);
    expect((await again.stop()).code).toBe(0);

    const intact = await kimberlite(['verify', dir]);
    expect(intact.status, intact.stderr).toBe(0);

    // A flipped byte in the first record of tenant 1's partition.
    const segment = join(dir, 'tenants', '1', '00000000000000000000.segment');
    flipByte(segment, 100);
    const broken = await kimberlite(['verify', dir]);
    expect(broken.status).toBe(2);
    expect(broken.stderr).toContain(`log tenant 1: segment ${segment}, byte 0, offset 0`);
    expect(broken.stderr).toContain('CRC-32C mismatch');

    const damaged = join(home, 'damaged.kbak');
    writeFileSync(damaged, readFileSync(archive));
    flipByte(damaged, 200);
    const refused = await kimberlite(['backup', 'verify', damaged]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('does not match its SHA-256');
    expect(refused.stderr).toContain('CORRUPTION');
  });
});
