/**
 * `kimberlite --version`, run as users run it: the compiled bin in a child process (built by
 * `npm test` before the tests; `npm run build` when running vitest alone).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildStatus } from '../../ts/platform/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'main.js');
const PRIMITIVES = [
  'crc32c',
  'sha256',
  'blake3',
  'hmac-sha256',
  'aes-256-gcm',
  'ed25519',
  'segment-io',
  'segment-io-buffered',
];

function kimberlite(args: string[], backend?: string) {
  const env = { ...process.env };
  delete env.KIMBERLITE_BACKEND;
  if (backend !== undefined) env.KIMBERLITE_BACKEND = backend;
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The backend kind each primitive got, from the `name: kind (impl)` lines. */
function kinds(stdout: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const match = /^([a-z0-9-]+): (native|node|wasm|ts) \(/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) found.set(match[1], match[2]);
  }
  return found;
}

describe('kimberlite --version', () => {
  it('is built (run npm run build first)', () => {
    expect(existsSync(BIN), `${BIN} is missing: run npm run build`).toBe(true);
  });

  it('prints the package version and one line per primitive', () => {
    const { status, stdout } = kimberlite(['--version']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^kimberlite \d+\.\d+\.\d+ \(node v\d+/);
    expect([...kinds(stdout).keys()]).toEqual(PRIMITIVES);
  });

  it('names ts for every primitive with KIMBERLITE_BACKEND=ts', () => {
    const { status, stdout } = kimberlite(['--version'], 'ts');
    expect(status).toBe(0);
    expect([...kinds(stdout).values()]).toEqual(PRIMITIVES.map(() => 'ts'));
  });

  it('names native everywhere with KIMBERLITE_BACKEND=native, or fails with a clear error', () => {
    const { status, stdout, stderr } = kimberlite(['--version'], 'native');
    if (buildStatus('native').built) {
      expect(stderr).toBe('');
      expect(status).toBe(0);
      expect([...kinds(stdout).values()]).toEqual(PRIMITIVES.map(() => 'native'));
    } else {
      expect(status).toBe(1);
      expect(stderr).toMatch(/KIMBERLITE_BACKEND=native: the native backend for crc32c did not/);
      expect(stderr).toContain('[BACKEND_UNAVAILABLE]');
    }
  });

  it('rejects an unknown KIMBERLITE_BACKEND and lists the valid choices', () => {
    const { status, stderr } = kimberlite(['--version'], 'fastest');
    expect(status).toBe(1);
    expect(stderr).toContain('KIMBERLITE_BACKEND must be one of auto, native, node, wasm, ts');
  });
});
