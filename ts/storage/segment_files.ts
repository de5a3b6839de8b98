/**
 * The files of one segment log directory (docs/storage-format.md, "Segment log"): naming
 * segments by their first offset, listing them, reading a segment's pages, and writing an
 * `.index` file atomically. Every OS error becomes IO_ERROR naming the path.
 *
 * Invariant: a file written here is complete or absent (temporary name, fsync, rename, fsync
 * of the directory); a segment is only ever opened at its configured size.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, KimberliteError, LIMITS } from '../types/index.js';
import { ioError, syncDirectory } from './durable_io.js';
import type { SegmentFile, SegmentIo } from './segment_io/index.js';

const PAGE_BYTES = LIMITS.pageSizeBytes;
const OFFSET_DIGITS = 20;
const SEGMENT_PATTERN = /^(\d{20})\.segment$/;

export function corruption(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.Corruption, message);
}

export function segmentPath(directory: string, firstOffset: bigint): string {
  return join(directory, `${firstOffset.toString().padStart(OFFSET_DIGITS, '0')}.segment`);
}

export function indexPath(directory: string, firstOffset: bigint): string {
  return join(directory, `${firstOffset.toString().padStart(OFFSET_DIGITS, '0')}.index`);
}

/** First offsets of the directory's segments, in increasing order; creates it with `create`. */
export function listSegments(directory: string, options: { create: boolean }): bigint[] {
  if (options.create) {
    try {
      mkdirSync(directory, { recursive: true });
    } catch (error) {
      throw ioError('create log directory', directory, error);
    }
  }
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch (error) {
    throw ioError('list log directory', directory, error);
  }
  const offsets: bigint[] = [];
  for (const name of names) {
    const match = SEGMENT_PATTERN.exec(name);
    if (match?.[1] !== undefined) offsets.push(BigInt(match[1]));
  }
  return offsets.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The size of the log's existing segments (its first segment's file size), or undefined for
 * a missing or empty log: a log is reopened at the size it was created with, so a partition
 * copied elsewhere opens without knowing its configuration.
 */
export function existingSegmentSize(directory: string): number | undefined {
  let first: bigint | undefined;
  try {
    first = listSegments(directory, { create: false })[0];
  } catch {
    return undefined;
  }
  if (first === undefined) return undefined;
  const path = segmentPath(directory, first);
  try {
    return statSync(path).size;
  } catch (error) {
    throw ioError('stat segment', path, error);
  }
}

/** Reads `[fromBytes, toBytes)` of a segment, widened to whole pages; returns bytes + base. */
export function readSpan(
  io: SegmentIo,
  file: SegmentFile,
  span: { fromBytes: number; toBytes: number },
): { bytes: Uint8Array; baseBytes: number } {
  const baseBytes = Math.floor(span.fromBytes / PAGE_BYTES) * PAGE_BYTES;
  const end = Math.min(Math.ceil(span.toBytes / PAGE_BYTES) * PAGE_BYTES, file.sizeBytes);
  const bytes = io.allocAligned(Math.max(end - baseBytes, 0));
  if (bytes.length > 0) {
    const read = file.readPages(bytes, { positionBytes: baseBytes });
    if (read !== bytes.length) {
      throw new KimberliteError(
        ErrorCode.IoError,
        `read ${file.path}: got ${read} of ${bytes.length} bytes at ${baseBytes}`,
      );
    }
  }
  return { bytes, baseBytes };
}

/** The `.index` file's bytes, or undefined when it does not exist or cannot be read. */
export function readIndexFile(path: string): Uint8Array | undefined {
  try {
    return readFileSync(path);
  } catch {
    // Missing or unreadable: the index is a cache, the caller rebuilds it from the segment.
    return undefined;
  }
}

/** Writes `bytes` to `path` durably and atomically (temporary file, fsync, rename, fsync). */
export function writeFileDurably(directory: string, path: string, bytes: Uint8Array): void {
  const temporary = `${path}.writing`;
  let fd: number;
  try {
    fd = openSync(temporary, 'w');
  } catch (error) {
    throw ioError('create', temporary, error);
  }
  try {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, done);
    fsyncSync(fd);
  } catch (error) {
    throw ioError('write', temporary, error);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temporary, path);
  } catch (error) {
    throw ioError('rename into place', path, error);
  }
  syncDirectory(directory);
}
