/**
 * Opening a segment log: loading (or rebuilding) the offset index of every sealed segment, and
 * recovering the last segment, the only one a crash can tear (docs/storage-format.md, "Segment
 * log", "Recovery").
 *
 * Rules: the last segment is scanned and its CRCs and chain checked, seeded by the hash of the
 * previous segment's last record. A clean tail is scanned in windows (segment_tail.ts): every
 * CRC is checked, the chain only after the prefix the last storage checkpoint synced, and a CRC
 * mismatch inside that prefix is corruption (open throws, as below); otherwise the segment is
 * read whole and checked entirely, as follows. Damage after the last good record with no
 * CRC-valid record after it is a torn tail: it is zeroed on disk (synced) and reported. Anything
 * else (damage in a sealed segment, a chain break, a bad record followed by good ones) is
 * corruption: open throws CORRUPTION naming the log, segment, byte position and offset, and
 * changes nothing.
 *
 * Invariant on return: every segment's index matches its file, the last segment holds only
 * CRC-valid records (chain-checked from the checkpointed record on) followed by zeros, and
 * `head` is the hash of the last record.
 */

import { CRYPTO, LIMITS } from '../types/index.js';
import { corruption, writeFileDurably } from './durable_io.js';
import { decodeIndex, SegmentIndex } from './offset_index.js';
import { type ScannedRecord, verifyRecords } from './record.js';
import {
  indexPath,
  listSegments,
  readIndexFile,
  readSpan,
  readWrittenPrefix,
  segmentPath,
} from './segment_files.js';
import type { SegmentFile } from './segment_io/index.js';
import { firstNonZero, type SegmentScan, scanSegment, validRecordAfter } from './segment_scan.js';
import { recoverCleanTail, type TrustedPrefix } from './segment_tail.js';
import type { RecoveryReport, StorageBackends } from './types.js';

const PAGE_BYTES = LIMITS.pageSizeBytes;
const GENESIS = new Uint8Array(CRYPTO.sha256DigestBytes);
const ALL_RECORDS = Number.MAX_SAFE_INTEGER;

export interface LogConfig {
  readonly directory: string;
  readonly name: string;
  readonly segmentSizeBytes: number;
  readonly create: boolean;
  /** The prefix the last storage checkpoint synced (segment_tail.ts): its chain not rechecked. */
  readonly trusted?: TrustedPrefix;
}

export interface OpenedSegment {
  readonly path: string;
  readonly index: SegmentIndex;
}

export interface RecoveredLog {
  readonly segments: OpenedSegment[];
  /** The last segment, open for appends. */
  readonly active: SegmentFile;
  readonly head: Uint8Array;
  readonly recovery: RecoveryReport | undefined;
  /** Offsets of every checkpoint record, increasing. */
  readonly checkpoints: bigint[];
}

function where(config: LogConfig, path: string, positionBytes: number, offset: bigint): string {
  return `log ${config.name}: segment ${path}, byte ${positionBytes}, offset ${offset}`;
}

/** Every record of `scan` in order, checked to hold consecutive offsets from `first`. */
function recordsOf(scan: SegmentScan): ScannedRecord[] {
  return scan.runs.flat();
}

function indexOf(first: bigint, records: readonly ScannedRecord[]): SegmentIndex {
  const index = new SegmentIndex(first, records.length);
  for (const record of records) index.push(record.start, record.kind, record.end);
  return index;
}

/** Loads a sealed segment's index, or rebuilds it by scanning (and rewrites the file). */
function loadSealed(backends: StorageBackends, config: LogConfig, first: bigint): OpenedSegment {
  const path = segmentPath(config.directory, first);
  const stored = readIndexFile(indexPath(config.directory, first));
  if (stored !== undefined) {
    const expected = { firstOffset: first, segmentSizeBytes: config.segmentSizeBytes };
    const index = decodeIndex(backends.crc32c, stored, expected);
    if (index !== undefined && index.count > 0) return { path, index };
  }
  const file = backends.segmentIo.open(path, { sizeBytes: config.segmentSizeBytes, create: false });
  try {
    const { bytes } = readSpan(backends.segmentIo, file, {
      fromBytes: 0,
      toBytes: file.sizeBytes,
    });
    const scan = scanSegment(bytes, { fromBytes: 0, maxRecords: ALL_RECORDS, wholeSegment: true });
    const records = recordsOf(scan);
    const problem = scan.problem;
    if (problem !== undefined) {
      const at = where(config, path, problem.positionBytes, first + BigInt(records.length));
      throw corruption(`${at}: ${problem.reason} in a sealed segment; run verify for details`);
    }
    checkOffsets(config, path, first, records);
    if (records.length === 0) {
      throw corruption(`${where(config, path, 0, first)}: a sealed segment holds no records`);
    }
    const index = indexOf(first, records);
    writeFileDurably(indexPath(config.directory, first), index.encode(backends.crc32c));
    return { path, index };
  } finally {
    file.close();
  }
}

function checkOffsets(
  config: LogConfig,
  path: string,
  first: bigint,
  records: readonly ScannedRecord[],
): void {
  records.forEach((record, i) => {
    const expected = first + BigInt(i);
    if (record.offset !== expected) {
      const at = where(config, path, record.start, expected);
      throw corruption(`${at}: the record says offset ${record.offset}`);
    }
  });
}

/** The hash of a sealed segment's last record, checked against its CRC. */
function lastHashOf(
  backends: StorageBackends,
  config: LogConfig,
  segment: OpenedSegment,
): Uint8Array {
  const { index, path } = segment;
  const file = backends.segmentIo.open(path, { sizeBytes: config.segmentSizeBytes, create: false });
  try {
    const start = index.startOf(index.count - 1);
    const span = readSpan(backends.segmentIo, file, {
      fromBytes: start,
      toBytes: index.dataEndBytes,
    });
    const scan = scanSegment(span.bytes, {
      fromBytes: start - span.baseBytes,
      maxRecords: 1,
      wholeSegment: false,
    });
    const record = scan.runs[0]?.[0];
    const offset = index.endOffset - 1n;
    if (record === undefined || record.offset !== offset) {
      throw corruption(
        `${where(config, path, start, offset)}: the index does not match the segment`,
      );
    }
    const check = verifyRecords(backends, span.bytes, {
      records: [record],
      seed: record.previousHash,
    });
    if (!check.ok) throw corruption(`${where(config, path, start, offset)}: ${check.message}`);
    return check.head;
  } finally {
    file.close();
  }
}

export function recoverLog(backends: StorageBackends, config: LogConfig): RecoveredLog {
  const firsts = listSegments(config.directory, { create: config.create });
  if (firsts.length === 0) {
    if (!config.create) {
      throw corruption(
        `log ${config.name}: no segments in ${config.directory}; open it with create: true ` +
          'to start a new log',
      );
    }
    firsts.push(0n);
  }
  const segments: OpenedSegment[] = [];
  for (const first of firsts.slice(0, -1)) {
    const previous = segments[segments.length - 1];
    if (previous !== undefined && previous.index.endOffset !== first) {
      const at = where(config, segmentPath(config.directory, first), 0, previous.index.endOffset);
      throw corruption(`${at}: the previous segment ends at offset ${previous.index.endOffset}`);
    }
    segments.push(loadSealed(backends, config, first));
  }
  const lastFirst = firsts[firsts.length - 1] ?? 0n;
  const previous = segments[segments.length - 1];
  const path = segmentPath(config.directory, lastFirst);
  if (previous !== undefined && previous.index.endOffset !== lastFirst) {
    const at = where(config, path, 0, previous.index.endOffset);
    throw corruption(`${at}: the previous segment ends at offset ${previous.index.endOffset}`);
  }
  const seed = previous === undefined ? undefined : lastHashOf(backends, config, previous);
  const active = backends.segmentIo.open(path, {
    sizeBytes: config.segmentSizeBytes,
    create: config.create,
  });
  try {
    const tail = recoverTail(backends, config, { file: active, first: lastFirst, seed });
    segments.push({ path, index: tail.index });
    const checkpoints: bigint[] = [];
    for (const segment of segments) {
      for (let i = 0; i < segment.index.count; i++) {
        if (segment.index.isCheckpoint(i)) checkpoints.push(segment.index.firstOffset + BigInt(i));
      }
    }
    return { segments, active, head: tail.head, recovery: tail.recovery, checkpoints };
  } catch (error) {
    active.close();
    throw error;
  }
}

interface Tail {
  readonly index: SegmentIndex;
  readonly head: Uint8Array;
  readonly recovery: RecoveryReport | undefined;
}

/** Where the good records end, and why, if the scan found damage after them. */
interface Damage {
  readonly positionBytes: number;
  readonly reason: string;
  /** A CRC-valid record after the damage: corruption, not a torn tail. */
  readonly validAfter: number;
}

/** Scans, checks and (if torn) truncates the last segment. */
function recoverTail(
  backends: StorageBackends,
  config: LogConfig,
  last: { file: SegmentFile; first: bigint; seed: Uint8Array | undefined },
): Tail {
  const { file, first } = last;
  // A clean tail is recovered in bounded memory: CRCs all checked, the chain after the
  // checkpointed prefix; a bad CRC inside that prefix throws CORRUPTION from there.
  const fast = recoverCleanTail(backends, { ...last, name: config.name, trusted: config.trusted });
  if (fast !== undefined) return { index: fast.index, head: fast.head, recovery: undefined };
  const bytes = readWrittenPrefix(backends.segmentIo, file);
  const scan = scanSegment(bytes, { fromBytes: 0, maxRecords: ALL_RECORDS, wholeSegment: true });
  const records = recordsOf(scan);
  // A log whose first segments were released starts its chain at its first record's link.
  const genesis = first === 0n ? GENESIS : new Uint8Array(records[0]?.previousHash ?? GENESIS);
  let seed = last.seed ?? genesis;
  let good = 0;
  let damage: Damage | undefined;
  for (const run of scan.runs) {
    const check = verifyRecords(backends, bytes, { records: run, seed });
    const failed = check.ok ? run.length : check.index;
    // Offsets are checked on the records the CRC vouches for.
    for (let i = 0; i < failed; i++) {
      const record = run[i];
      if (record !== undefined && record.offset !== first + BigInt(good + i)) {
        const at = where(config, file.path, record.start, first + BigInt(good + i));
        throw corruption(`${at}: the record says offset ${record.offset}`);
      }
    }
    if (check.ok) {
      good += run.length;
      seed = check.head;
      continue;
    }
    const broken = run[check.index];
    const at = where(config, file.path, broken?.start ?? 0, first + BigInt(good + check.index));
    if (check.failure !== 'crc') throw corruption(`${at}: ${check.message} (chain broken)`);
    const start = broken?.start ?? 0;
    const validAfter = validRecordAfter(backends, bytes, {
      fromBytes: start,
      toBytes: bytes.length,
    });
    if (validAfter >= 0) {
      throw corruption(`${at}: CRC-32C mismatch, followed by a valid record at byte ${validAfter}`);
    }
    // Recompute the head over the good prefix of this run.
    const prefix = run.slice(0, check.index);
    const head = verifyRecords(backends, bytes, { records: prefix, seed });
    if (head.ok) seed = head.head;
    good += check.index;
    damage = { positionBytes: start, reason: 'bad CRC at the tail', validAfter };
    break;
  }
  if (damage === undefined && scan.problem !== undefined) {
    const problem = scan.problem;
    const validAfter = validRecordAfter(backends, bytes, {
      fromBytes: problem.positionBytes,
      toBytes: bytes.length,
    });
    if (validAfter >= 0) {
      const at = where(config, file.path, problem.positionBytes, first + BigInt(good));
      throw corruption(
        `${at}: ${problem.reason}, followed by a valid record at byte ${validAfter}`,
      );
    }
    const kind =
      problem.kind === 'truncated' ? 'partial record' : `${problem.kind} bytes at the tail`;
    damage = {
      positionBytes: problem.positionBytes,
      reason: `${kind}: ${problem.reason}`,
      validAfter,
    };
  }
  const index = indexOf(first, records.slice(0, good));
  if (damage === undefined) return { index, head: seed, recovery: undefined };
  const truncatedBytes = truncateTail(backends, file, bytes, damage.positionBytes);
  const recovery: RecoveryReport = {
    log: config.name,
    segment: file.path,
    positionBytes: damage.positionBytes,
    offset: first + BigInt(good),
    truncatedBytes,
    reason: damage.reason,
  };
  return { index, head: seed, recovery };
}

/** The last non-zero byte of `bytes[from, to)`, or -1: page by page from the end. */
function lastNonZero(bytes: Uint8Array, from: number, to: number): number {
  let pageStart = Math.floor((to - 1) / PAGE_BYTES) * PAGE_BYTES;
  for (; pageStart + PAGE_BYTES > from && pageStart >= 0; pageStart -= PAGE_BYTES) {
    const low = Math.max(pageStart, from);
    const high = Math.min(pageStart + PAGE_BYTES, to);
    if (firstNonZero(bytes, low, high) < 0) continue;
    for (let i = high - 1; i >= low; i--) if (bytes[i] !== 0) return i;
  }
  return -1;
}

/** Zeros the segment from `fromBytes` to its last non-zero byte (synced); returns bytes zeroed. */
function truncateTail(
  backends: StorageBackends,
  file: SegmentFile,
  bytes: Uint8Array,
  fromBytes: number,
): number {
  const last = lastNonZero(bytes, fromBytes, bytes.length);
  if (last < 0) return 0;
  const pageStart = Math.floor(fromBytes / PAGE_BYTES) * PAGE_BYTES;
  const pageEnd = Math.ceil((last + 1) / PAGE_BYTES) * PAGE_BYTES;
  const pages = backends.segmentIo.allocAligned(pageEnd - pageStart);
  // The good records before `fromBytes` in its page are written back unchanged.
  pages.set(bytes.subarray(pageStart, fromBytes));
  file.writePages(pages, { positionBytes: pageStart, sync: true });
  bytes.fill(0, fromBytes, last + 1);
  return last + 1 - fromBytes;
}
