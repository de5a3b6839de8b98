/**
 * Helpers every file-handling part of the storage layer shares: the IO_ERROR that names the
 * operation and the path, the CORRUPTION error, and the directory fsync that makes a create or
 * rename durable.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ErrorCode, KimberliteError } from '../types/index.js';

/** `IO_ERROR` "<operation> <path> failed: <reason>", the OS error as `cause`. */
export function ioError(operation: string, path: string, error: unknown): KimberliteError {
  const reason = error instanceof Error ? error.message : String(error);
  return new KimberliteError(ErrorCode.IoError, `${operation} ${path} failed: ${reason}`, {
    cause: error,
  });
}

/** `CORRUPTION`: stored bytes that fail a check recovery must not repair. */
export function corruption(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.Corruption, message);
}

/** Makes a create or rename in `directory` durable (its entry, not only the file's data). */
export function syncDirectory(directory: string): void {
  // Windows cannot open a directory for fsync; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  let fd: number;
  try {
    fd = openSync(directory, 'r');
  } catch (error) {
    throw ioError('open directory', directory, error);
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    throw ioError('fsync directory', directory, error);
  } finally {
    closeSync(fd);
  }
}

/** Writes all of `data` at `positionBytes`, looping over short writes. */
export function writeAll(fd: number, data: Uint8Array, positionBytes: number): void {
  let done = 0;
  while (done < data.length) {
    done += writeSync(fd, data, done, data.length - done, positionBytes + done);
  }
}

/**
 * Replaces `path` with `data` atomically and durably: written to `<path>.writing`, synced, renamed
 * over `path`, then the directory synced. After a crash the file holds the old or the new bytes.
 */
export function writeFileDurably(
  path: string,
  data: Uint8Array,
  options: { mode?: number } = {},
): void {
  const temporary = `${path}.writing`;
  let fd: number;
  try {
    fd = openSync(temporary, 'w', options.mode ?? 0o644);
  } catch (error) {
    throw ioError('create', temporary, error);
  }
  try {
    writeAll(fd, data, 0);
    fsyncSync(fd);
  } catch (error) {
    throw ioError('write', temporary, error);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temporary, path);
  } catch (error) {
    throw ioError('rename', temporary, error);
  }
  syncDirectory(dirname(path));
}
