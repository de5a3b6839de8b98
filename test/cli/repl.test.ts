/**
 * `kimberlite repl` driven through piped stdin (no prompt, no echo): a statement, a multi-line
 * statement, an error that does not end the session, `.tables`, `.schema`, `.help`, and the
 * history file written for the next session.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../ts/client/index.js';
import { cleanup, kimberlite, ServerProcess, tempDir } from './cli_harness.js';

let server: ServerProcess;
let home: string;

beforeAll(async () => {
  home = tempDir('repl');
  const dir = join(home, 'data');
  await kimberlite(['init', dir]);
  server = await ServerProcess.start(dir);
  const db = await Client.connect({ address: server.address, tenantId: 1 });
  await db.admin.createTenant(1, 'clinic');
  await db.close();
});

afterAll(async () => {
  await server?.stop();
  cleanup();
});

function repl(input: string) {
  return kimberlite(['repl', '--address', server.address, '--tenant', '1'], {
    input,
    env: { KIMBERLITE_HISTORY: join(home, 'history') },
  });
}

describe('kimberlite repl (piped stdin)', () => {
  it('runs statements, multi-line statements, errors and dot commands', async () => {
    const { status, stdout, stderr } = await repl(
      [
        'CREATE TABLE patients (id BIGINT PRIMARY KEY, name TEXT);',
        "INSERT INTO patients VALUES (1, 'Jane'), (2, 'John');",
        'SELECT id, name',
        '  FROM patients',
        '  WHERE id = 2;',
        'SELECT * FROM missing;',
        '.tables',
        '.schema patients',
        '.help',
        'SELECT count(*) AS n FROM patients; .exit',
        '',
      ].join('\n'),
    );
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^OK, 0 rows affected \(log position \d+, [\d.]+ ms\)$/);
    expect(lines[1]).toMatch(/^OK, 2 rows affected/);
    // The multi-line SELECT: an aligned table, its row count and timing.
    expect(lines.slice(2, 6).join('\n')).toMatch(
      /^ id \| name\n----\+------\n 2 {2}\| John\n\(1 row, [\d.]+ ms\)$/,
    );
    expect(lines[6]).toBe('error [UNKNOWN_TABLE]: Unknown table: missing');
    expect(lines[7]).toBe('patients');
    expect(stdout).toContain('CREATE TABLE patients (');
    expect(stdout).toContain('PRIMARY KEY (id)');
    expect(stdout).toContain('.schema <table>');
    expect(stdout).toMatch(/ n\n---\n 2\n\(1 row, [\d.]+ ms\)/);
    expect(stdout).not.toContain('kimberlite>');
  });

  it('keeps history across sessions', async () => {
    await repl('SELECT 1 AS one;\n');
    const history = readFileSync(join(home, 'history'), 'utf8');
    expect(history).toContain('SELECT id, name   FROM patients   WHERE id = 2;');
    expect(history).toContain('.tables');
    expect(history.trimEnd().split('\n').at(-1)).toBe('SELECT 1 AS one;');
  });

  it('reports a statement left without its ;', async () => {
    const { stdout } = await repl('SELECT 1 AS one\n');
    expect(stdout).toContain('the input ended inside a statement');
  });
});
