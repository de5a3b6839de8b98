/**
 * `kimberlite verify <dir>`: checks every hash chain of a data directory (journal, system
 * partition, every tenant partition) and every batch's Merkle root, without any key. Opening
 * the directory runs the storage's recovery (as a server start would), so the directory must
 * not be in use: a running server holds its LOCK, and we say so rather than read files that
 * are changing under us. A backup of a running server can be verified instead.
 *
 * Exit codes: 0 intact; 2 a broken record (its log, segment file, byte position and offset are
 * printed); 1 anything else (locked, missing directory, IO error).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { parseBackendChoice } from '../crypto/index.js';
import { loadBackends, openStorage, type VerifyReport } from '../storage/index.js';
import { ErrorCode, KimberliteError } from '../types/index.js';

/** Exit code when verify finds a broken record. */
export const EXIT_CORRUPT = 2;

export interface VerifyOutcome {
  readonly ok: boolean;
  readonly records: bigint;
  /** The lines to print (stdout when ok, stderr when not). */
  readonly lines: string[];
}

/** A progress callback drawing a cli-progress bar, or nothing when stdout is not a TTY. */
function progressBar(): { onProgress?: (done: bigint, total: bigint) => void; stop(): void } {
  if (process.stdout.isTTY !== true) return { stop() {} };
  const bar = new SingleBar({
    format: 'verifying [{bar}] {percentage}% | {value}/{total} records',
    hideCursor: true,
  });
  let started = false;
  return {
    onProgress(done, total) {
      if (!started) {
        bar.start(Number(total), 0);
        started = true;
      }
      bar.setTotal(Number(total));
      bar.update(Number(done));
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** One line naming exactly where a verify failure lies. */
export function describeFailure(report: Extract<VerifyReport, { ok: false }>): string {
  const { location } = report;
  const offset = location.offset === undefined ? '' : `, offset ${location.offset}`;
  const byte = location.positionBytes < 0 ? '' : `, byte ${location.positionBytes}`;
  return (
    `broken record (${report.failure}): log ${location.log}, segment ${location.segment}` +
    `${byte}${offset}\n  ${report.message}`
  );
}

/** Verifies the data directory `dir`; throws DIRECTORY_LOCKED (with advice) when in use. */
export async function verifyDataDir(dir: string): Promise<VerifyOutcome> {
  if (!existsSync(dir)) {
    throw new KimberliteError(ErrorCode.InvalidArgument, `${dir} does not exist`);
  }
  if (!existsSync(join(dir, 'journal'))) {
    return { ok: true, records: 0n, lines: [`${dir} holds no log yet: nothing to verify`] };
  }
  const backends = await loadBackends({
    choice: parseBackendChoice(process.env.KIMBERLITE_BACKEND),
  });
  let storage: Awaited<ReturnType<typeof openStorage>>;
  try {
    storage = await openStorage(backends, { directory: dir, create: false });
  } catch (error) {
    if (error instanceof KimberliteError && error.code === ErrorCode.DirectoryLocked) {
      throw new KimberliteError(
        ErrorCode.DirectoryLocked,
        `${error.message}. verify needs the directory to itself (a server holds it while it ` +
          'runs): stop the server, or verify a copy: kimberlite backup create <dir> <file> ' +
          'then kimberlite backup verify <file>',
        { cause: error },
      );
    }
    if (error instanceof KimberliteError && error.code === ErrorCode.Corruption) {
      return { ok: false, records: 0n, lines: [`verify failed at open: ${error.message}`] };
    }
    throw error;
  }
  const bar = progressBar();
  let report: VerifyReport;
  try {
    report = storage.verify(bar.onProgress === undefined ? {} : { onProgress: bar.onProgress });
  } finally {
    bar.stop();
    await storage.close();
  }
  if (!report.ok) {
    return { ok: false, records: 0n, lines: [`verify failed: ${describeFailure(report)}`] };
  }
  const head = Buffer.from(report.head).toString('hex');
  return {
    ok: true,
    records: report.records,
    lines: [
      `verified ${dir}: ${report.records} records; every chain and Merkle root is intact`,
      `system head ${head}`,
    ],
  };
}
