/**
 * Segment IO reference backend on `node:fs`: positioned `writeSync` / `readSync` through the
 * page cache and `fdatasyncSync` for durability. No O_DIRECT and no aligned memory, so it runs
 * on every platform and filesystem (tmpfs included); the native backend is the fast path.
 *
 * Creating a segment writes real zeros (not a sparse `ftruncate`), so its blocks are allocated
 * up front and a later write cannot fail for want of space. The zeroed file is built under a
 * temporary name, synced, then renamed into place and the directory synced: a crash leaves
 * either no segment or a complete one, never a short one.
 *
 * Invariants: positions and lengths are multiples of `LIMITS.pageSizeBytes` (asserted), writes
 * stay inside `sizeBytes`, and every OS error surfaces as `KimberliteError` code IO_ERROR
 * naming the operation and the path, with the OS error as `cause`.
 */
import {
  closeSync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { BackendInfo } from '../../crypto/index.js';
import { assert, ErrorCode, KimberliteError } from '../../types/index.js';
import { ioError, syncDirectory, writeAll } from '../durable_io.js';
import { assertPages, assertRead, assertWrite } from './checks.js';
import type { SegmentFile, SegmentIo } from './index.js';

/** Zeros are written in chunks of this size: few syscalls, bounded memory. */
const ZERO_CHUNK_BYTES = 1024 * 1024;

function isMissing(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

/** Reads into `buffer` from `positionBytes` until it is full or the file ends. */
function readAll(fd: number, buffer: Uint8Array, positionBytes: number): number {
  let done = 0;
  while (done < buffer.length) {
    const read = readSync(fd, buffer, done, buffer.length - done, positionBytes + done);
    if (read === 0) break;
    done += read;
  }
  return done;
}

/** Creates `path` as `sizeBytes` of allocated, synced zeros, atomically. */
function createZeroed(path: string, sizeBytes: number): void {
  const temporary = `${path}.creating`;
  let fd: number;
  try {
    fd = openSync(temporary, 'w');
  } catch (error) {
    throw ioError('create segment', path, error);
  }
  try {
    const zeros = new Uint8Array(Math.min(ZERO_CHUNK_BYTES, sizeBytes));
    for (let at = 0; at < sizeBytes; at += zeros.length) {
      writeAll(fd, zeros.subarray(0, Math.min(zeros.length, sizeBytes - at)), at);
    }
    // fsync, not fdatasync: the file's new length is metadata it must not lose.
    fsyncSync(fd);
  } catch (error) {
    // Best effort: the write error is the one to report, not a failure to clean up after it.
    try {
      closeSync(fd);
      unlinkSync(temporary);
    } catch {}
    throw ioError('pre-allocate segment', path, error);
  }
  try {
    closeSync(fd);
  } catch (error) {
    throw ioError('close new segment', path, error);
  }
  try {
    renameSync(temporary, path);
  } catch (error) {
    throw ioError('rename segment into place', path, error);
  }
  syncDirectory(dirname(path));
}

class FsSegmentFile implements SegmentFile {
  readonly path: string;
  readonly sizeBytes: number;
  /** The open descriptor; -1 once closed. */
  private fd: number;

  constructor(path: string, sizeBytes: number, fd: number) {
    this.path = path;
    this.sizeBytes = sizeBytes;
    this.fd = fd;
  }

  writePages(buffer: Uint8Array, options: { positionBytes: number; sync: boolean }): void {
    const { positionBytes, sync } = options;
    assert(this.fd >= 0, `segment ${this.path} used after close()`);
    assertWrite(this, positionBytes, buffer.length);
    try {
      writeAll(this.fd, buffer, positionBytes);
    } catch (error) {
      throw ioError('write', this.path, error);
    }
    if (sync) this.sync();
  }

  readPages(buffer: Uint8Array, options: { positionBytes: number }): number {
    const { positionBytes } = options;
    assert(this.fd >= 0, `segment ${this.path} used after close()`);
    assertRead(this, positionBytes, buffer.length);
    try {
      return readAll(this.fd, buffer, positionBytes);
    } catch (error) {
      throw ioError('read', this.path, error);
    }
  }

  sync(): void {
    assert(this.fd >= 0, `segment ${this.path} used after close()`);
    try {
      fdatasyncSync(this.fd);
    } catch (error) {
      throw ioError('fdatasync', this.path, error);
    }
  }

  close(): void {
    assert(this.fd >= 0, `segment ${this.path} closed twice`);
    const fd = this.fd;
    this.fd = -1;
    try {
      closeSync(fd);
    } catch (error) {
      throw ioError('close', this.path, error);
    }
  }
}

const info: BackendInfo = { kind: 'ts', name: 'fs' };

const backend: SegmentIo = {
  info,
  allocAligned(sizeBytes: number): Uint8Array {
    assertPages(sizeBytes, 'an aligned buffer');
    // A fresh Uint8Array is zeroed; this backend never needs aligned memory.
    return new Uint8Array(sizeBytes);
  },
  open(path: string, options: { sizeBytes: number; create: boolean }): SegmentFile {
    const { sizeBytes, create } = options;
    assertPages(sizeBytes, 'a segment size');
    assert(sizeBytes > 0, 'a segment holds at least one page');
    let fd: number;
    try {
      fd = openSync(path, 'r+');
    } catch (error) {
      if (!(create && isMissing(error))) throw ioError('open segment', path, error);
      createZeroed(path, sizeBytes);
      try {
        fd = openSync(path, 'r+');
      } catch (reopenError) {
        throw ioError('open segment', path, reopenError);
      }
    }
    let actualBytes: number;
    try {
      actualBytes = fstatSync(fd).size;
    } catch (error) {
      try {
        closeSync(fd);
      } catch {}
      throw ioError('stat segment', path, error);
    }
    if (actualBytes !== sizeBytes) {
      closeSync(fd);
      throw new KimberliteError(
        ErrorCode.IoError,
        `segment ${path} is ${actualBytes} bytes, expected exactly ${sizeBytes}: ` +
          'it was not created by Kimberlite with this segment size, or was truncated',
      );
    }
    return new FsSegmentFile(path, sizeBytes, fd);
  },
};

/** Segment IO on node:fs; always loads. */
export async function load(): Promise<SegmentIo> {
  return backend;
}
