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
} from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, KimberliteError, LIMITS } from '../types/index.js';
import { ioError, syncDirectory, writeAll } from './durable_io.js';
import type { SegmentFile, SegmentIo } from './segment_io/index.js';

const PAGE_BYTES = LIMITS.pageSizeBytes;
const OFFSET_DIGITS = 20;
const SEGMENT_PATTERN = /^(\d{20})\.segment$/;

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

/**
 * One buffer, kept while anything else holds it, for whole-segment reads whose bytes do not
 * outlive the call (recovery, verify): opening a storage opens one log per tenant, and a fresh
 * 256 MiB allocation per log cost more than reading the segment itself (about 1 s against
 * 10 ms, measured), mostly in page faults and in the GC freeing the previous ones.
 */
let transient: WeakRef<Uint8Array> | undefined;

function transientBuffer(io: SegmentIo, length: number): Uint8Array {
  const kept = transient?.deref();
  if (kept !== undefined && kept.length >= length) return kept.subarray(0, length);
  const fresh = io.allocAligned(length);
  transient = new WeakRef(fresh);
  return fresh;
}

/**
 * Reads `[fromBytes, toBytes)` of a segment, widened to whole pages; returns bytes + base.
 * With `transient`, the bytes live in a buffer the next transient read reuses: the caller must
 * not keep them (or views of them) past its own call.
 */
export function readSpan(
  io: SegmentIo,
  file: SegmentFile,
  span: { fromBytes: number; toBytes: number; transient?: boolean },
): { bytes: Uint8Array; baseBytes: number } {
  const baseBytes = Math.floor(span.fromBytes / PAGE_BYTES) * PAGE_BYTES;
  const end = Math.min(Math.ceil(span.toBytes / PAGE_BYTES) * PAGE_BYTES, file.sizeBytes);
  const length = Math.max(end - baseBytes, 0);
  const bytes = span.transient === true ? transientBuffer(io, length) : io.allocAligned(length);
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
    writeAll(fd, bytes, 0);
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
