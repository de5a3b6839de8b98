/**
 * The fast path of the last segment's recovery at open (segment_recovery.ts `recoverTail`):
 * the segment is scanned in windows of a few MiB, never held whole. Every record's CRC-32C is
 * checked; the hash chain only after the log's last checkpointed offset (the storage
 * CHECKPOINT's, synced and verified when it was written), plus the checkpointed record itself,
 * whose hash must be the checkpoint's head when the checkpoint names one.
 *
 * A CRC mismatch in the checkpointed prefix is corruption, never a torn tail (those records
 * were synced before the checkpoint was written): it throws CORRUPTION with its location and
 * changes nothing. Otherwise it only ever accepts a clean tail: records back to back (page
 * padding after syncs), each after the checkpointed offset CRC- and chain-valid, then zeros,
 * as far as the full path reads. On anything else (a torn or damaged tail, junk after the data,
 * a checkpointed offset it does not find) it returns `undefined` and changes nothing: the
 * caller then runs the full path, which reads the written prefix whole, verifies all of it and
 * reports or truncates the damage exactly as before. `verify` still checks every record of
 * every segment, chain included.
 *
 * Invariant on a result: the index holds every record of the segment, each CRC-valid, and the
 * head is the hash of its last record (chain verified from the checkpointed record on).
 */
import { CRYPTO, LIMITS } from '../types/index.js';
import { corruption } from './durable_io.js';
import { SegmentIndex } from './offset_index.js';
import { RECORD_HEADER_BYTES, type ScannedRecord, verifyRecords } from './record.js';
import { RECOVERY_ZERO_STRETCH_BYTES, readSpan } from './segment_files.js';
import type { SegmentFile } from './segment_io/index.js';
import { firstNonZero, scanSegment } from './segment_scan.js';
import type { StorageBackends } from './types.js';

const PAGE_BYTES = LIMITS.pageSizeBytes;
const GENESIS = new Uint8Array(CRYPTO.sha256DigestBytes);
const ALL_RECORDS = Number.MAX_SAFE_INTEGER;
/** Bytes read per window; grown (doubling) while one record does not fit. */
const WINDOW_BYTES = 16 * 1024 * 1024;
const WINDOW_BYTES_MAX = 4 * (LIMITS.recordSizeBytesMax + RECORD_HEADER_BYTES + PAGE_BYTES);
/** Where a record header holds its CRC-32C (record.ts): the CRC covers the record with it 0. */
const AT_CRC = 44;
const CRC_BYTES = 4;

/** Where a log's checkpointed prefix ends: records below `offset` were synced and verified. */
export interface TrustedPrefix {
  /** One past the last checkpointed record. */
  readonly offset: bigint;
  /** The hash of the record at `offset - 1` (the chain head at the checkpoint), if known. */
  readonly head?: Uint8Array;
}

export interface FastTail {
  readonly index: SegmentIndex;
  readonly head: Uint8Array;
}

function pageFloor(bytes: number): number {
  return Math.floor(bytes / PAGE_BYTES) * PAGE_BYTES;
}

function pageCeil(bytes: number): number {
  return Math.ceil(bytes / PAGE_BYTES) * PAGE_BYTES;
}

/** The chain state while the windows are walked. */
interface Walk {
  /** The hash of the last record walked; undefined while inside the trusted prefix. */
  head: Uint8Array | undefined;
  /** Whether the trusted prefix's last record was found and checked. */
  anchored: boolean;
  /** Whether the run being checked starts with the segment's first record. */
  atFirst: boolean;
}

/** What `checkRun` needs besides the run: the chain state, and names for a report. */
interface RunContext {
  readonly trusted: TrustedPrefix | undefined;
  readonly walk: Walk;
  readonly segmentSeed: Uint8Array;
  /** The log's name and segment path, and the window's first byte in the segment. */
  readonly log: string;
  readonly path: string;
  readonly baseBytes: number;
}

/** A copy of the records for `computeBatch`, reused across windows (like readSpan's). */
let crcScratch: WeakRef<Uint8Array> | undefined;

function scratchBuffer(length: number): Uint8Array {
  const kept = crcScratch?.deref();
  if (kept !== undefined && kept.length >= length) return kept.subarray(0, length);
  // Grown by powers of two: runs vary in size, and a small log's open must not zero-fill a
  // whole window's worth.
  const fresh = new Uint8Array(2 ** Math.ceil(Math.log2(Math.max(length, 64 * 1024))));
  crcScratch = new WeakRef(fresh);
  return fresh.subarray(0, length);
}

/**
 * The index of the first record of `records` (contiguous, positions in `bytes`) whose CRC-32C
 * does not match its bytes, or -1: one `computeBatch` over a copy whose CRC fields are zeroed,
 * which is what the CRC covers (record.ts). The hash chain is not looked at.
 */
function firstCrcMismatch(
  backends: StorageBackends,
  bytes: Uint8Array,
  records: readonly ScannedRecord[],
): number {
  const count = records.length;
  if (count === 0) return -1;
  const base = (records[0] as ScannedRecord).start;
  const end = (records[count - 1] as ScannedRecord).end;
  const scratch = scratchBuffer(end - base);
  scratch.set(bytes.subarray(base, end));
  const offsets = new Uint32Array(count + 1);
  for (let i = 0; i < count; i++) {
    const record = records[i] as ScannedRecord;
    offsets[i + 1] = record.end - base;
    const at = record.start - base + AT_CRC;
    scratch.fill(0, at, at + CRC_BYTES);
  }
  const crcs = new Uint32Array(count);
  backends.crc32c.computeBatch({ data: scratch, offsets }, crcs);
  for (let i = 0; i < count; i++) {
    if (crcs[i] !== (records[i] as ScannedRecord).crc) return i;
  }
  return -1;
}

/**
 * CRC-checks records the last checkpoint synced; throws CORRUPTION at the first that fails
 * (a torn write does not reach them: this is damage, whatever follows it).
 */
function checkCheckpointedCrcs(
  backends: StorageBackends,
  bytes: Uint8Array,
  records: readonly ScannedRecord[],
  context: RunContext,
): void {
  const bad = firstCrcMismatch(backends, bytes, records);
  if (bad < 0) return;
  const record = records[bad] as ScannedRecord;
  const trustedEnd = context.trusted?.offset ?? 0n;
  throw corruption(
    `log ${context.log}: segment ${context.path}, byte ${context.baseBytes + record.start}, ` +
      `offset ${record.offset}: CRC-32C mismatch in a record the last checkpoint synced ` +
      `(offsets below ${trustedEnd}), so damage, not a torn write; restore the data ` +
      'directory from a backup (kimberlite verify reports every damaged record)',
  );
}

/**
 * Checks one run of records (window-relative positions in `bytes`); false when anything is
 * wrong that the full path must judge. Throws CORRUPTION on a CRC mismatch at or below the
 * checkpointed record.
 */
function checkRun(
  backends: StorageBackends,
  bytes: Uint8Array,
  run: readonly ScannedRecord[],
  context: RunContext,
): boolean {
  const { trusted, walk } = context;
  let from = 0;
  if (trusted !== undefined && !context.walk.anchored) {
    // Records below the anchor are checkpointed: CRC only; the anchor is fully checked.
    const anchor = run.findIndex((record) => record.offset === trusted.offset - 1n);
    const lastOffset = run[run.length - 1]?.offset ?? -1n;
    if (anchor < 0) {
      // All of this run lies below the anchor (else the anchor is missing: fall back).
      if (lastOffset >= trusted.offset - 1n) return false;
      checkCheckpointedCrcs(backends, bytes, run, context);
      return true;
    }
    checkCheckpointedCrcs(backends, bytes, run.slice(0, anchor + 1), context);
    const record = run[anchor] as ScannedRecord;
    // The anchor continues from the segment's seed when it is the segment's first record.
    const seed = anchor === 0 && walk.atFirst ? context.segmentSeed : record.previousHash;
    const check = verifyRecords(backends, bytes, {
      records: [record],
      seed,
      ...(trusted.head === undefined ? {} : { head: trusted.head }),
    });
    if (!check.ok) return false;
    walk.head = check.head;
    walk.anchored = true;
    from = anchor + 1;
  }
  const rest = from === 0 ? run : run.slice(from);
  if (rest.length === 0) return true;
  const seed = walk.head ?? context.segmentSeed;
  const check = verifyRecords(backends, bytes, { records: rest, seed });
  if (!check.ok) return false;
  walk.head = check.head;
  return true;
}

/** Whether the bytes from `fromBytes` are zero as far as the full path would read them. */
function zerosAfter(backends: StorageBackends, file: SegmentFile, fromBytes: number): boolean {
  const stretch = RECOVERY_ZERO_STRETCH_BYTES;
  // The full path reads whole stretches up to the first one that is all zeros.
  const stretchEnd = Math.ceil((fromBytes + 1) / stretch) * stretch;
  const readEnd = fromBytes % stretch === 0 ? fromBytes + stretch : stretchEnd + stretch;
  const end = Math.min(readEnd, file.sizeBytes);
  for (let at = fromBytes; at < end; at += stretch) {
    const to = Math.min(at + stretch, end);
    const span = readSpan(backends.segmentIo, file, {
      fromBytes: at,
      toBytes: to,
      transient: true,
    });
    const from = at - span.baseBytes;
    if (firstNonZero(span.bytes, from, from + (to - at)) >= 0) return false;
  }
  return true;
}

/**
 * Recovers a clean last segment in bounded memory (see the file comment), or returns
 * `undefined` when the full path must run. `seed`: the previous segment's last hash. Throws
 * CORRUPTION when a record of the checkpointed prefix fails its CRC.
 */
export function recoverCleanTail(
  backends: StorageBackends,
  last: {
    /** The log's name, for a CORRUPTION report. */
    name: string;
    file: SegmentFile;
    first: bigint;
    seed: Uint8Array | undefined;
    trusted: TrustedPrefix | undefined;
  },
): FastTail | undefined {
  const { file, first } = last;
  // A trusted prefix that ends before this segment leaves all of it to verify.
  const trusted =
    last.trusted !== undefined && last.trusted.offset > first ? last.trusted : undefined;
  const index = new SegmentIndex(first);
  const walk: Walk = { head: undefined, anchored: false, atFirst: true };
  let segmentSeed = last.seed ?? (first === 0n ? GENESIS : undefined);
  let at = 0;
  let windowBytes = WINDOW_BYTES;
  let count = 0;
  for (;;) {
    if (at >= file.sizeBytes) break;
    const base = pageFloor(at);
    const to = Math.min(base + windowBytes, file.sizeBytes);
    const { bytes } = readSpan(backends.segmentIo, file, {
      fromBytes: base,
      toBytes: to,
      transient: true,
    });
    const scan = scanSegment(bytes, {
      fromBytes: at - base,
      maxRecords: ALL_RECORDS,
      wholeSegment: false,
    });
    for (const run of scan.runs) {
      for (let i = 0; i < run.length; i++) {
        if ((run[i] as ScannedRecord).offset !== first + BigInt(count + i)) return undefined;
      }
      // A log whose first segments were released starts its chain at its first record's link.
      segmentSeed ??= new Uint8Array((run[0] as ScannedRecord).previousHash);
      walk.atFirst = count === 0;
      const context = {
        trusted,
        walk,
        segmentSeed,
        log: last.name,
        path: file.path,
        baseBytes: base,
      };
      if (!checkRun(backends, bytes, run, context)) return undefined;
      for (const record of run) index.push(base + record.start, record.kind, base + record.end);
      count += run.length;
    }
    const next = base + scan.dataEndBytes;
    const windowEnd = base + bytes.length;
    const problem = scan.problem;
    if (problem !== undefined) {
      // Only a record (or header) cut by the window's end is read again in the next window.
      if (problem.kind !== 'truncated' || windowEnd >= file.sizeBytes) return undefined;
    } else {
      // The scan stopped on zeros where a header would start, inside the window (or the
      // window reaches the file's end): the end, if zeros follow as far as the full path
      // reads. (Breaking at the file's end unchecked took junk after the data for clean.)
      const zerosAt = pageCeil(scan.dataEndBytes);
      const atFileEnd = windowEnd >= file.sizeBytes;
      if (atFileEnd || zerosAt + RECORD_HEADER_BYTES <= bytes.length) {
        if (!zerosAfter(backends, file, base + zerosAt)) return undefined;
        break;
      }
    }
    if (next === at && scan.count === 0) {
      if (windowBytes >= WINDOW_BYTES_MAX) return undefined;
      windowBytes *= 2;
    }
    at = next;
  }
  if (trusted !== undefined && !walk.anchored) return undefined;
  const head = walk.head ?? segmentSeed ?? GENESIS;
  return { index, head: new Uint8Array(head) };
}
