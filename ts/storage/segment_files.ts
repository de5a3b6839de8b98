/**
 * The files of one segment log directory (docs/storage-format.md, "Segment log"): naming
 * segments by their first offset, listing them, and reading a segment's pages (`.index` files
 * are written atomically with durable_io's `writeFileDurably`). Every OS error becomes
 * IO_ERROR naming the path.
 *
 * Invariant: a segment is only ever opened at its configured size.
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, KimberliteError, LIMITS } from '../types/index.js';
import { ioError } from './durable_io.js';
import type { SegmentFile, SegmentIo } from './segment_io/index.js';
import { firstNonZero } from './segment_scan.js';

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

/**
 * Recovery reads a segment only up to the first stretch of this many zero bytes (page
 * aligned) after its data, not its whole pre-allocated size: appends are sequential and write
 * zeros 1 MiB ahead, so nothing this log wrote lies past such a stretch. Reading a 256 MiB
 * segment whole cost about 80 ms per log at every open. A torn write that left a hole wider
 * than this inside one unacknowledged append is not zeroed at open; verify then reports its
 * remains as junk after the data.
 */
export const RECOVERY_ZERO_STRETCH_BYTES = 8 * 1024 * 1024;

/**
 * Reads a segment from its start up to and including the first all-zero stretch of
 * `RECOVERY_ZERO_STRETCH_BYTES` (or to its end), into the transient buffer (see `readSpan`).
 */
export function readWrittenPrefix(io: SegmentIo, file: SegmentFile): Uint8Array {
  // Grown as needed: a buffer of the whole segment made V8 account 256 MiB of external memory
  // per log at open, which forced full garbage collections.
  let bytes = transientBuffer(io, Math.min(file.sizeBytes, 2 * RECOVERY_ZERO_STRETCH_BYTES));
  let end = 0;
  while (end < file.sizeBytes) {
    const stretchEnd = Math.min(end + RECOVERY_ZERO_STRETCH_BYTES, file.sizeBytes);
    if (stretchEnd > bytes.length) {
      const grown = io.allocAligned(Math.min(file.sizeBytes, 2 * bytes.length));
      grown.set(bytes.subarray(0, end));
      bytes = grown;
    }
    const stretch = bytes.subarray(end, stretchEnd);
    const read = file.readPages(stretch, { positionBytes: end });
    if (read !== stretch.length) {
      throw new KimberliteError(
        ErrorCode.IoError,
        `read ${file.path}: got ${read} of ${stretch.length} bytes at ${end}`,
      );
    }
    end = stretchEnd;
    if (firstNonZero(stretch, 0, stretch.length) < 0) break;
  }
  return bytes.subarray(0, end);
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
