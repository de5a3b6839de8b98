/**
 * What the crash tests' children share: printing protocol lines, waiting for `go`, stamping
 * time, and the start-up every child does (backends, `ready`, `go`, a lifetime limit).
 *
 * stdout is a pipe, and Node queues writes to a full pipe inside the process (measured: 1 MiB
 * queued, 64 KiB delivered), so a SIGKILL can drop lines printed before it. For the log and
 * storage children that only hides acknowledgements, which their checks allow; the embedded
 * child issues a write only once its `write` line has left the process (the write callback).
 * A child exits by itself after a minute, in case the parent died without killing it.
 */
import { parseBackendChoice } from '../../ts/crypto/index.js';
import { type Backends, loadBackends } from '../../ts/storage/index.js';
import { Prng } from '../crypto/random.js';
import { type ChildLine, formatLine } from './workload.js';

const LIFETIME_MS = 60_000;

export function print(line: ChildLine): void {
  process.stdout.write(`${formatLine(line)}\n`);
}

/** Resolves when the parent writes `go`. */
function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('go\n')) {
        process.stdin.pause();
        resolve();
      }
    });
  });
}

/** Wall-clock nanoseconds that never go back within this process. */
export function stamper(): () => bigint {
  let last = 0n;
  return () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    last = now > last ? now : last + 1n;
    return last;
  };
}

export interface ChildContext {
  readonly backends: Backends;
  readonly directory: string;
  readonly prng: Prng;
  /** `Date.now()` past which the child stops by itself. */
  readonly deadlineMs: number;
}

/**
 * Parses `<directory> <seed>`, loads the backends, prints `ready`, waits for `go`, then runs
 * `body`; any error goes to stderr with exit code 2, which the parent reports.
 */
export function runChild(name: string, body: (context: ChildContext) => Promise<void>): void {
  const start = async (): Promise<void> => {
    const [directory, seedText] = process.argv.slice(2);
    if (directory === undefined || seedText === undefined) {
      throw new Error(`usage: ${name} <directory> <seed>`);
    }
    const backends = await loadBackends({
      choice: parseBackendChoice(process.env.KIMBERLITE_BACKEND),
    });
    setTimeout(() => process.exit(3), LIFETIME_MS).unref();
    const deadlineMs = Date.now() + LIFETIME_MS;
    print({ kind: 'ready' });
    await waitForGo();
    await body({ backends, directory, prng: new Prng(Number(seedText)), deadlineMs });
  };
  start().catch((error: unknown) => {
    process.stderr.write(`${name}: ${error instanceof Error ? error.stack : error}\n`);
    process.exit(2);
  });
}
