/**
 * Crash of the server process under load: the compiled `kimberlite start` (dist/cli/main.js,
 * `npm run build` first) with several SDK clients inserting rows concurrently, killed with
 * SIGKILL at a random moment. After each kill, `kimberlite verify` passes on the directory
 * (taking over the dead server's LOCK), and after a restart every insert whose reply reached
 * a client is there, exactly once (the primary key), with the values it was written with.
 * Inserts whose reply was lost may or may not be there: both are correct.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client } from '../../ts/client/index.js';
import { packageRoot } from '../../ts/platform/build_status.js';
import { crashDirectory, killsFromEnvironment } from './harness.js';

const BIN = join(packageRoot(), 'dist', 'cli', 'main.js');
const CLIENTS = 4;
const ROUNDS = killsFromEnvironment('KIMBERLITE_SERVER_CRASH_KILLS', 5);
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function cli(args: readonly string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
}

interface Running {
  readonly child: ChildProcess;
  readonly address: string;
  readonly exited: Promise<void>;
}

function startServer(dir: string): Promise<Running> {
  const child = spawn(
    process.execPath,
    [BIN, 'start', dir, '--address', '127.0.0.1:0', '--http', 'off'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<void>((done) => child.on('close', () => done()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start:\n${output}`)), 60_000);
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      output += d;
    });
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      output += d;
      const match = /ready: address=(127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ child, address: match[1], exited });
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the server exited before listening:\n${output}`));
    });
  });
}

/** One client inserting rows `(id, client, n)` until its connection dies. */
async function writer(address: string, client: number, round: number, acked: Map<number, number>) {
  let db: Client;
  try {
    db = await Client.connect({ address, tenantId: 1, retries: 0, timeoutMs: 10_000 });
  } catch {
    return;
  }
  const base = (round * CLIENTS + client) * 1_000_000;
  try {
    for (let n = 0; n < 1_000_000; n++) {
      const id = base + n;
      await db.execute('INSERT INTO acked VALUES ($1, $2, $3)', [id, client, n]);
      acked.set(id, client);
    }
  } catch {
    // The server was killed: this write's outcome is unknown; the client stops.
  } finally {
    await db.close().catch(() => {});
  }
}

describe('kimberlite server crash (SIGKILL under load)', () => {
  it('keeps every acknowledged write and verifies after each kill', async () => {
    const dir = join(crashDirectory('server'), 'data');
    dirs.push(dir);
    expect(cli(['init', dir]).status).toBe(0);
    let server = await startServer(dir);
    const setup = await Client.connect({ address: server.address, tenantId: 1 });
    await setup.admin.createTenant(1, 'crash');
    await setup.execute('CREATE TABLE acked (id BIGINT PRIMARY KEY, client BIGINT, n BIGINT)');
    await setup.close();
    const acked = new Map<number, number>();
    for (let round = 0; round < ROUNDS; round++) {
      const writers = Array.from({ length: CLIENTS }, (_, c) =>
        writer(server.address, c, round, acked),
      );
      const before = acked.size;
      // Let the writers get going, then kill at a random moment.
      const deadline = Date.now() + 20_000;
      while (acked.size < before + 50 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.floor(Math.random() * 400)));
      server.child.kill('SIGKILL');
      await server.exited;
      await Promise.all(writers);
      expect(acked.size).toBeGreaterThan(before);

      const verified = cli(['verify', dir]);
      expect(verified.status, `${verified.stdout}${verified.stderr}`).toBe(0);
      expect(verified.stdout).toContain('every chain and Merkle root is intact');

      server = await startServer(dir);
      const db = await Client.connect({ address: server.address, tenantId: 1 });
      const { rows } = await db.query('SELECT id, client, n FROM acked');
      await db.close();
      const found = new Map(rows.map(([id, client]) => [Number(id), Number(client)]));
      const missing = [...acked.keys()].filter((id) => !found.has(id));
      expect(missing, `round ${round}: acknowledged writes lost`).toEqual([]);
      for (const [id, client] of acked) expect(found.get(id)).toBe(client);
      for (const [id, , n] of rows) expect(Number(id) % 1_000_000).toBe(Number(n));
    }
    server.child.kill('SIGTERM');
    await server.exited;
    const final = cli(['verify', dir]);
    expect(final.status, `${final.stdout}${final.stderr}`).toBe(0);
  });
});
