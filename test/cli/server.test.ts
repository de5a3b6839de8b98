/**
 * End to end with real processes: `kimberlite init` and `kimberlite start` (the compiled bin)
 * on a free loopback port, the SDK doing DDL, DML, queries and time travel, `kimberlite query`
 * in every format, SIGTERM (graceful, exit 0), a restart, and the data still there.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Client } from '../../ts/client/index.js';
import { cleanup, kimberlite, ServerProcess, tempDir } from './cli_harness.js';

afterAll(cleanup);

describe('kimberlite start + SDK + restart', () => {
  it('serves DDL, DML, queries and time travel, and keeps them across a restart', async () => {
    const dir = `${tempDir('e2e')}/data`;
    expect((await kimberlite(['init', dir])).status).toBe(0);
    const server = await ServerProcess.start(dir);
    expect(server.output.text).toContain('auth none');
    expect(server.output.text).toMatch(/backends: crc32c: /);

    const db = await Client.connect({ address: server.address, tenantId: 1 });
    await db.admin.createTenant(1, 'clinic');
    await db.execute('CREATE TABLE patients (id BIGINT PRIMARY KEY, name TEXT)');
    const inserted = await db.execute('INSERT INTO patients VALUES ($1, $2), ($3, $4)', [
      1,
      'Jane Doe',
      2,
      'John Roe',
    ]);
    expect(inserted.rowsAffected).toBe(2);
    await db.execute("UPDATE patients SET name = 'Jane Smith' WHERE id = 1");
    const now = await db.query('SELECT name FROM patients WHERE id = $1', [1]);
    expect(now.rows).toEqual([['Jane Smith']]);
    const then = await db.queryAt(
      'SELECT name FROM patients WHERE id = $1',
      [1],
      inserted.position,
    );
    expect(then.rows).toEqual([['Jane Doe']]);
    await db.close();

    const json = await kimberlite([
      'query',
      '--address',
      server.address,
      '--tenant',
      '1',
      '--format',
      'json',
      'SELECT id, name FROM patients ORDER BY id',
    ]);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      { id: 1, name: 'Jane Smith' },
      { id: 2, name: 'John Roe' },
    ]);
    const csv = await kimberlite([
      'query',
      '--address',
      server.address,
      '--tenant',
      '1',
      '--format',
      'csv',
      '--at',
      String(inserted.position),
      'SELECT id, name FROM patients ORDER BY id',
    ]);
    expect(csv.status).toBe(0);
    expect(csv.stdout).toBe('id,name\n1,Jane Doe\n2,John Roe\n');
    const table = await kimberlite([
      'query',
      '--address',
      server.address,
      '--tenant',
      '1',
      'SELECT id FROM patients',
    ]);
    expect(table.stdout).toContain('(2 rows)');
    const bad = await kimberlite([
      'query',
      '--address',
      server.address,
      '--tenant',
      '1',
      'SELECT * FROM nowhere',
    ]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('UNKNOWN_TABLE');

    const stopped = await server.stop();
    expect(stopped.code).toBe(0);
    expect(server.output.text).toContain('stopped: database closed and synced');

    const again = await ServerProcess.start(dir);
    const db2 = await Client.connect({ address: again.address, tenantId: 1 });
    const after = await db2.query('SELECT id, name FROM patients ORDER BY id');
    expect(after.rows.map(([id, name]) => [Number(id), name])).toEqual([
      [1, 'Jane Smith'],
      [2, 'John Roe'],
    ]);
    const before = await db2.queryAt(
      'SELECT name FROM patients WHERE id = 1',
      [],
      inserted.position,
    );
    expect(before.rows).toEqual([['Jane Doe']]);
    await db2.close();
    expect((await again.stop()).code).toBe(0);
  });
});
