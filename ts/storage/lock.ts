/**
 * The data directory's lock: `<dir>/LOCK`, created exclusively (`O_CREAT | O_EXCL`) by the
 * process that opens the directory, holding that process's pid and host name. Two processes
 * appending to the same logs would interleave records and break every chain, so the second
 * opener gets a clear DIRECTORY_LOCKED error instead.
 *
 * A process killed with SIGKILL (or a power cut) leaves its LOCK behind. On the same host we
 * can tell: `process.kill(pid, 0)` fails with ESRCH for a pid that no longer exists, and the
 * lock is then taken over (and the take-over reported). On another host (a directory on shared
 * storage) we cannot tell, so we refuse and say how to clear it by hand.
 *
 * Invariants: while a `DirectoryLock` is held, `LOCK` holds its pid and host. A reused pid
 * makes a stale lock look live: that errs on the safe side (a refusal, never two writers).
 * Known limit: two processes taking over the same stale lock at the same instant could both
 * succeed (the unlink and the exclusive create are two steps); starting two servers on one
 * directory at once after a crash is an operator error this check does not fully close.
 */
import { closeSync, fsyncSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { assert, ErrorCode, KimberliteError } from '../types/index.js';

export const LOCK_FILE_NAME = 'LOCK';

export interface DirectoryLock {
  /** The LOCK file's path. */
  readonly path: string;
  /** When a crashed process's lock was taken over: its pid and what happened, for logs. */
  readonly tookOver: { readonly pid: number; readonly message: string } | undefined;
  /** Removes LOCK. Call once, after the directory's files are closed. */
  release(): void;
}

interface LockOwner {
  readonly pid: number;
  readonly host: string;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error as { code: unknown };
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

function ioError(message: string, cause: unknown): KimberliteError {
  return new KimberliteError(ErrorCode.IoError, message, { cause });
}

/** Creates LOCK exclusively; false when it already exists. */
function tryCreate(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw ioError(`cannot create ${path}: ${String(error)}`, error);
  }
  try {
    writeSync(fd, `${owner.pid}\n${owner.host}\n`);
    // Durable, so a lock read back after a crash names a real owner, not an empty file.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The owner LOCK names, or undefined when its content is not a pid and host (torn). */
function readOwner(path: string): LockOwner | undefined | 'gone' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'gone';
    throw ioError(`cannot read ${path}: ${String(error)}`, error);
  }
  const [pidText, host] = text.split('\n');
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0 || host === undefined || host === '') {
    return undefined;
  }
  return { pid, host };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user; it is alive.
    return errorCode(error) !== 'ESRCH';
  }
}

/**
 * Locks `directory` (which must exist) for this process, or throws DIRECTORY_LOCKED naming
 * the process that holds it.
 *
 * @example
 * const lock = acquireDirectoryLock('/var/lib/kimberlite');
 * try { ... } finally { lock.release(); }
 */
export function acquireDirectoryLock(directory: string): DirectoryLock {
  const path = join(directory, LOCK_FILE_NAME);
  const self: LockOwner = { pid: process.pid, host: hostname() };
  let tookOver: DirectoryLock['tookOver'];
  // Bounded: each turn either creates LOCK, throws, or removes a stale LOCK; a third turn
  // means another process keeps racing us for a stale lock.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(path, self)) return heldLock(path, self, tookOver);
    const owner = readOwner(path);
    if (owner === 'gone') continue;
    if (owner === undefined) {
      // A LOCK whose content is torn: its writer died between create and fsync.
      tookOver = { pid: 0, message: `took over ${path}: it named no process (torn write)` };
    } else if (owner.host !== self.host) {
      throw new KimberliteError(
        ErrorCode.DirectoryLocked,
        `data directory ${directory} is locked by process ${owner.pid} on host ` +
          `${owner.host} (${path}); stop it there, or if that host is gone, delete ${path}`,
      );
    } else if (isAlive(owner.pid)) {
      throw new KimberliteError(
        ErrorCode.DirectoryLocked,
        `data directory ${directory} is in use by process ${owner.pid} (${path}); ` +
          'stop it or open another directory',
      );
    } else {
      tookOver = {
        pid: owner.pid,
        message: `took over ${path} from process ${owner.pid}, which is no longer running`,
      };
    }
    try {
      unlinkSync(path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') {
        throw ioError(`cannot remove the stale ${path}: ${String(error)}`, error);
      }
    }
  }
  throw new KimberliteError(
    ErrorCode.DirectoryLocked,
    `data directory ${directory}: another process keeps taking ${path}; try again`,
  );
}

function heldLock(
  path: string,
  self: LockOwner,
  tookOver: DirectoryLock['tookOver'],
): DirectoryLock {
  let held = true;
  return {
    path,
    tookOver,
    release(): void {
      assert(held, `${path} was released twice`);
      held = false;
      const owner = readOwner(path);
      // Never remove a lock that is not ours (someone deleted ours and took it by hand).
      if (owner !== 'gone' && owner?.pid === self.pid && owner.host === self.host) {
        unlinkSync(path);
      }
    },
  };
}
