/**
 * Scanning the bytes of a segment (docs/storage-format.md, "Segment log"): records are back to
 * back, except that after a sync the next record starts on the next 4 KiB page boundary and the
 * rest of that page is zero. So a scan that meets zeros at a position inside a page checks that
 * the rest of the page is zero and continues at the next page; zeros where a header would start
 * on a page boundary are the end of the segment's data, and everything after must be zero.
 *
 * Pure: works on bytes already read. The bytes given start on a page boundary of the file, so
 * positions inside them are page-aligned exactly where the file's are.
 *
 * Invariant: `runs` are the contiguous runs of complete, well-shaped records in file order
 * (CRC and chain are not checked here: see `verifyRecords`), and `dataEndBytes` is the end of
 * the last of them.
 */
import { Buffer } from 'node:buffer';
import { LIMITS } from '../types/index.js';
import {
  RECORD_MAGIC,
  type RecordCrypto,
  type ScannedRecord,
  scanRecords,
  verifyRecords,
} from './record.js';

const PAGE_BYTES = LIMITS.pageSizeBytes;
const ZERO_CHUNK = Buffer.alloc(64 * 1024);
const MAGIC = Buffer.alloc(4);
MAGIC.writeUInt32LE(RECORD_MAGIC);

/** Where and why a scan found bytes that are neither records nor zeros. */
export interface ScanProblem {
  /** Where the damage begins: the end of the last complete record before it. */
  readonly positionBytes: number;
  readonly kind: 'truncated' | 'malformed' | 'junk';
  readonly reason: string;
}

export interface SegmentScan {
  /** Runs of records that lie back to back (a run ends at page padding after a sync). */
  readonly runs: readonly (readonly ScannedRecord[])[];
  readonly count: number;
  /** The end of the last complete record (the scan's start if there is none). */
  readonly dataEndBytes: number;
  readonly problem: ScanProblem | undefined;
}

/** The first non-zero byte of `bytes[from, to)`, or -1: memcmp in 64 KiB chunks. */
export function firstNonZero(bytes: Uint8Array, from: number, to: number): number {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = from; at < to; at += ZERO_CHUNK.length) {
    const end = Math.min(at + ZERO_CHUNK.length, to);
    if (view.compare(ZERO_CHUNK, 0, end - at, at, end) === 0) continue;
    for (let i = at; i < end; i++) if (bytes[i] !== 0) return i;
  }
  return -1;
}

function nextPage(positionBytes: number): number {
  return Math.ceil(positionBytes / PAGE_BYTES) * PAGE_BYTES;
}

/**
 * Scans `bytes` from `fromBytes` (a record start) for at most `maxRecords` records. With
 * `wholeSegment`, the bytes are the whole segment and everything after the end of the data
 * must be zero (else a `junk` problem).
 */
export function scanSegment(
  bytes: Uint8Array,
  options: { fromBytes: number; maxRecords: number; wholeSegment: boolean },
): SegmentScan {
  const runs: ScannedRecord[][] = [];
  let count = 0;
  let at = options.fromBytes;
  let dataEnd = at;
  const result = (problem?: ScanProblem): SegmentScan => ({
    runs,
    count,
    dataEndBytes: dataEnd,
    problem,
  });
  // Each pass consumes at least one page or stops, so this bound is never reached.
  for (let pass = 0; pass <= bytes.length / PAGE_BYTES + 1; pass++) {
    const scan = scanRecords(bytes, { fromBytes: at, maxRecords: options.maxRecords - count });
    if (scan.records.length > 0) {
      runs.push([...scan.records]);
      count += scan.records.length;
      dataEnd = scan.endBytes;
    }
    at = scan.endBytes;
    const stop = scan.stop;
    if (stop.kind === 'end' || stop.kind === 'limit') return result();
    if (at % PAGE_BYTES === 0) {
      if (stop.kind !== 'zeros') return result({ positionBytes: at, ...stop });
      if (!options.wholeSegment) return result();
      const junk = firstNonZero(bytes, at, bytes.length);
      if (junk < 0) return result();
      return result({
        positionBytes: dataEnd,
        kind: 'junk',
        reason: `non-zero bytes at ${junk}, after the end of the data`,
      });
    }
    // Inside a page: zeros to the page's end are the padding a sync leaves.
    const pageEnd = Math.min(nextPage(at), bytes.length);
    const junk = firstNonZero(bytes, at, pageEnd);
    if (junk >= 0) {
      if (stop.kind !== 'zeros') return result({ positionBytes: at, ...stop });
      return result({
        positionBytes: at,
        kind: 'junk',
        reason: `non-zero bytes at ${junk}, in the padding after a record`,
      });
    }
    at = pageEnd;
    if (at >= bytes.length) return result();
  }
  return result();
}

/**
 * Whether any CRC-valid record starts in `bytes(from, to)`: a torn tail leaves none, so one
 * found means the damage before it is corruption in the middle of the data, not a torn write.
 */
export function validRecordAfter(
  crypto: RecordCrypto,
  bytes: Uint8Array,
  range: { fromBytes: number; toBytes: number },
): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const last = Math.min(range.toBytes, bytes.length - 4);
  // Buffer.indexOf is a native search: recovery of a large segment stays fast.
  for (let at = buffer.indexOf(MAGIC, range.fromBytes + 1); at >= 0 && at <= last; ) {
    const scan = scanRecords(bytes, { fromBytes: at, maxRecords: 1 });
    const record = scan.records[0];
    if (record !== undefined) {
      const check = verifyRecords(crypto, bytes, { records: [record], seed: record.previousHash });
      if (check.ok) return at;
    }
    at = buffer.indexOf(MAGIC, at + 1);
  }
  return -1;
}
