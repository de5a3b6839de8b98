/**
 * Running appender children for the crash tests: spawn one (`node --import tsx`, which works
 * from inside vitest's forked workers), collect its complete stdout lines, wait for a given
 * line, SIGKILL it, and wait until it is gone with its pipes drained.
 *
 * The kill loop is the same for every crash test: the next child is spawned right after the
 * kill, so its start-up (about half a second on two cores) overlaps the parent's check of the
 * crash, and it opens the directory only when told `go`, after that check.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../ts/platform/build_status.js';
import { type Prng, SEED_NOTE } from '../crypto/random.js';
import { type ChildLine, parseLine } from './workload.js';

const CHILD_PATHS = {
  log: fileURLToPath(new URL('./appender_child.ts', import.meta.url)),
  storage: fileURLToPath(new URL('./committer_child.ts', import.meta.url)),
  embedded: fileURLToPath(new URL('./embedded_child.ts', import.meta.url)),
} as const;
/** Loading tsx, the native addon and the WASM modules; generous for a busy two-core machine. */
const START_TIMEOUT_MS = 30_000;
/** Opening includes recovery: scanning the last segment and, for Storage, replaying. */
const OPEN_TIMEOUT_MS = 30_000;
const KILL_DELAY_MS_MIN = 20;
const KILL_DELAY_MS_MAX = 300;

/**
 * `log`: appender_child.ts on a SegmentLog; `storage`: committer_child.ts on a Storage;
 * `embedded`: embedded_child.ts on a `Kimberlite` database.
 */
export type ChildMode = 'log' | 'storage' | 'embedded';

/** `KIMBERLITE_CRASH_KILLS`-style overrides: a positive integer, or the default. */
export function killsFromEnvironment(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const kills = Number(text);
  if (!Number.isSafeInteger(kills) || kills < 1) {
    throw new Error(`${name} must be a positive integer, got "${text}"`);
  }
  return kills;
}

/** A fresh directory for one test on the repository's own disk (not a tmpfs). */
export function crashDirectory(label: string): string {
  const root = join(packageRoot(), 'node_modules', '.cache', 'kimberlite-test');
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, `crash-${label}-`));
}

export class Child {
  /** Every complete line so far, in order. */
  readonly lines: ChildLine[] = [];
  /** Resolves once the process has exited and its pipes are closed. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly process: ChildProcess;
  /** Bytes of stdout after the last newline: a line cut by the kill is never counted. */
  private partial = '';
  private stderrText = '';
  private wake: (() => void) | undefined;

  constructor(mode: ChildMode, directory: string, seed: number) {
    this.process = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD_PATHS[mode], directory, String(seed)],
      { cwd: packageRoot(), env: process.env, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.process.stdout?.setEncoding('utf8');
    this.process.stdout?.on('data', (chunk: string) => this.take(chunk));
    this.process.stderr?.setEncoding('utf8');
    this.process.stderr?.on('data', (chunk: string) => {
      this.stderrText += chunk;
    });
    // A child killed while the parent still writes `go` must not crash the parent.
    this.process.stdin?.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.process.on('close', (code, signal) => {
        this.wake?.();
        resolve({ code, signal });
      });
    });
  }

  get stderr(): string {
    return this.stderrText;
  }

  private take(chunk: string): void {
    const text = this.partial + chunk;
    const pieces = text.split('\n');
    this.partial = pieces.pop() ?? '';
    for (const piece of pieces) {
      const line = parseLine(piece);
      if (line !== undefined) this.lines.push(line);
    }
    this.wake?.();
  }

  /** Waits for the first line of `kind`; throws with the child's stderr if it exits first. */
  async waitFor(kind: ChildLine['kind'], timeoutMs: number): Promise<ChildLine> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => {
      exited = true;
    });
    for (;;) {
      const found = this.lines.find((line) => line.kind === kind);
      if (found !== undefined) return found;
      if (exited || this.process.exitCode !== null || this.process.signalCode !== null) {
        throw new Error(
          `${SEED_NOTE}: the child exited before printing "${kind}"; stderr:\n${this.stderr}`,
        );
      }
      const leftMs = deadline - Date.now();
      if (leftMs <= 0) {
        throw new Error(
          `${SEED_NOTE}: no "${kind}" from the child in ${timeoutMs} ms; stderr:\n${this.stderr}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(leftMs, 100));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  go(): void {
    this.process.stdin?.write('go\n');
  }

  kill(): void {
    this.process.kill('SIGKILL');
  }
}

/** What one round hands the test's check: the killed child's lines and the kill delay. */
export interface Round {
  readonly index: number;
  /** The last round: the check reads everything back. */
  readonly last: boolean;
  readonly childSeed: number;
  readonly delayMs: number;
  readonly lines: readonly ChildLine[];
  /** The `open` line: what the child found when it opened the directory. */
  readonly open: ChildLine;
}

/**
 * Runs `kills` rounds: start a child (already loaded), let it open and append for 20-300 ms
 * (seeded), SIGKILL it, then `check` the directory while the next child loads.
 */
export async function killLoop(options: {
  readonly mode: ChildMode;
  readonly directory: string;
  readonly kills: number;
  readonly prng: Prng;
  readonly check: (round: Round) => Promise<void>;
}): Promise<void> {
  const { mode, directory, prng } = options;
  let childSeed = prng.u32();
  let next = new Child(mode, directory, childSeed);
  try {
    for (let index = 0; index < options.kills; index++) {
      const child = next;
      const seed = childSeed;
      await child.waitFor('ready', START_TIMEOUT_MS);
      child.go();
      const open = await child.waitFor('open', OPEN_TIMEOUT_MS);
      const delayMs = KILL_DELAY_MS_MIN + prng.int(KILL_DELAY_MS_MAX - KILL_DELAY_MS_MIN + 1);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      child.kill();
      childSeed = prng.u32();
      next = new Child(mode, directory, childSeed);
      const { signal } = await child.exited;
      if (signal !== 'SIGKILL') {
        throw new Error(
          `${SEED_NOTE}: child ${index} ended by itself (${signal}); stderr:\n${child.stderr}`,
        );
      }
      await options.check({
        index,
        last: index + 1 === options.kills,
        childSeed: seed,
        delayMs,
        lines: child.lines,
        open,
      });
    }
  } finally {
    next.kill();
    await next.exited;
  }
}

/** Every this many rounds (and after the last) the parent reads everything back. */
export const FULL_READ_EVERY_ROUNDS = 10;
/** One read's bounds while the parent checks what survived a kill. */
export const READ_BOUNDS = { maxRecords: 4096, maxBytes: 4 * 1024 * 1024 } as const;
