/**
 * `kimberlite init <dir>` through the compiled bin: a config file and a 0600 master key the
 * runtime can read; a second init leaves it alone; a foreign non-empty directory is refused.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'main.js');

function kimberlite(args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('kimberlite init', () => {
  it('creates kimberlite.json and a 0600 master.key', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kmb-init-')), 'data');
    const { status, stdout } = kimberlite(['init', dir]);
    expect(status).toBe(0);
    expect(stdout).toContain(`initialised ${dir}`);
    const config = JSON.parse(readFileSync(join(dir, 'kimberlite.json'), 'utf8'));
    expect(config).toMatchObject({ version: 1, address: '127.0.0.1:7432', auth: { mode: 'none' } });
    expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    const keyLine = readFileSync(join(dir, 'master.key'), 'utf8').split('\n')[1] ?? '';
    expect(Buffer.from(keyLine, 'base64')).toHaveLength(32);
  });

  it('leaves an existing Kimberlite directory and its key alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmb-init-'));
    expect(kimberlite(['init', dir]).status).toBe(0);
    const key = readFileSync(join(dir, 'master.key'), 'utf8');
    const again = kimberlite(['init', dir]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('already a Kimberlite directory');
    expect(readFileSync(join(dir, 'master.key'), 'utf8')).toBe(key);
  });

  it('refuses a non-empty directory that is not a Kimberlite one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmb-init-'));
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const { status, stderr } = kimberlite(['init', dir]);
    expect(status).toBe(1);
    expect(stderr).toContain('[INVALID_ARGUMENT]');
    expect(stderr).toContain('is not empty');
  });
});
