/**
 * Running the compiled `kimberlite` bin (dist/cli/main.js, built by `npm run build`) as users
 * run it: one-shot commands with spawnSync-like results, and a server started on free loopback
 * ports whose address is read from its start-up lines.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'dist', 'cli', 'main.js');
const START_TIMEOUT_MS = 30_000;

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `kimberlite ...args` to completion, with `input` on stdin. */
export function kimberlite(
  args: readonly string[],
  options: { input?: string; env?: Record<string, string | undefined> } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** A fresh temporary directory; `cleanup()` removes every one made. */
const made: string[] = [];
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `kmb-cli-${label}-`));
  made.push(dir);
  return dir;
}
export function cleanup(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export class ServerProcess {
  readonly address: string;
  readonly child: ChildProcess;
  readonly output: { text: string };
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    child: ChildProcess,
    address: string,
    output: { text: string },
    exited: ServerProcess['exited'],
  ) {
    this.child = child;
    this.address = address;
    this.output = output;
    this.exited = exited;
  }

  /** `kimberlite start <dir> --address 127.0.0.1:0 --http off ...extra`; waits for the port. */
  static start(dir: string, extra: readonly string[] = []): Promise<ServerProcess> {
    const child = spawn(
      process.execPath,
      [BIN, 'start', dir, '--address', '127.0.0.1:0', '--http', 'off', ...extra],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output = { text: '' };
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.on('close', (code, signal) => done({ code, signal })),
    );
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the server did not start in time:\n${output.text}`));
      }, START_TIMEOUT_MS);
      const onData = (chunk: string) => {
        output.text += chunk;
        const match = /ready: address=(127\.0\.0\.1:\d+)/.exec(output.text);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(new ServerProcess(child, match[1], output, exited));
        }
      };
      child.stdout?.setEncoding('utf8').on('data', onData);
      child.stderr?.setEncoding('utf8').on('data', (d: string) => {
        output.text += d;
      });
      void exited.then(({ code }) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (${code}) before listening:\n${output.text}`));
      });
    });
  }

  /** SIGTERM, then the exit status. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill('SIGTERM');
    return this.exited;
  }

  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
