/**
 * The consistent cut of a journal copied while a server may be appending to it. The journal
 * holds every committed batch (it is never released), so a backup needs only its segments;
 * the partitions, the system partition and the projection stores are rebuilt from it at
 * restore (recovery replays a journal from offset 0 when there is no CHECKPOINT).
 *
 * A copy taken while appends run can hold a torn last append (pages read before and after a
 * write). So the last segment copied is cut after the last complete journal entry (a batch
 * header and the records it counts) whose records all pass their CRC and chain checks; the
 * bytes after it are dropped (they read as zeros at restore). Earlier, sealed segments must be
 * intact: damage there is corruption in the source, and the backup refuses it.
 *
 * `bytes` must be a plain Uint8Array, not a Buffer: `verifyRecords` zeroes fields of its
 * `slice()`, which for a Buffer is a view of the caller's bytes.
 *
 * Invariant: `dataBytes` of every segment ends at a record boundary of a complete entry (or
 * at 0), and the records before it chain from genesis across the segments.
 */
import type { Backends, ScannedRecord } from '../storage/index.js';
import {
  decodeBatchHeader,
  RECORD_HEADER_BYTES,
  RecordKind,
  scanRecords,
  verifyRecords,
} from '../storage/index.js';
import { ErrorCode, KimberliteError, LIMITS } from '../types/index.js';

const PAGE_BYTES = LIMITS.pageSizeBytes;

export interface JournalCut {
  /** Bytes of the segment to keep: the end of the last complete entry. */
  readonly dataBytes: number;
  /** The chain head after the kept records (the next segment's seed). */
  readonly head: Uint8Array;
  /** Records kept (events, batch headers, checkpoints). */
  readonly records: number;
  /** Complete journal entries (batches) kept. */
  readonly entries: number;
  /** The log position of the last kept batch, or -1n. */
  readonly lastPosition: bigint;
  /** Why the scan stopped before the data's end, when it did. */
  readonly stoppedBecause: string | undefined;
}

function isZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** What a walk carries from one segment to the next: the chain head and the open entry. */
export interface JournalWalk {
  head: Uint8Array;
  records: number;
  entries: number;
  lastPosition: bigint;
  /** Records the open entry still lacks, or 0 when no entry is open. */
  remaining: number;
  openPosition: bigint;
}

export function startWalk(genesis: Uint8Array): JournalWalk {
  return {
    head: genesis,
    records: 0,
    entries: 0,
    lastPosition: -1n,
    remaining: 0,
    openPosition: -1n,
  };
}

/** Counts one verified record into the walk; false for a malformed batch header. */
function countRecord(walk: JournalWalk, bytes: Uint8Array, record: ScannedRecord): boolean {
  walk.records += 1;
  if (record.kind === RecordKind.BatchHeader) {
    const payload = bytes.subarray(record.start + RECORD_HEADER_BYTES, record.end);
    const decoded = decodeBatchHeader(payload);
    if (!decoded.ok) return false;
    // A header while an entry is open: that entry was torn (recovery skips it too).
    walk.remaining = decoded.header.recordCount;
    walk.openPosition = decoded.header.logPosition;
  } else if (record.kind === RecordKind.Event && walk.remaining > 0) {
    walk.remaining -= 1;
    if (walk.remaining === 0) {
      walk.entries += 1;
      walk.lastPosition = walk.openPosition;
    }
  }
  return true;
}

/**
 * Walks one segment's bytes from 0 (runs of records, page padding after syncs, then zeros),
 * continuing `walk`. Returns the bytes to keep: the end of the last record after which no
 * entry is open, and the walk as it stood there (so the caller can continue or stop).
 */
export function cutJournalSegment(
  backends: Pick<Backends, 'crc32c' | 'sha256'>,
  bytes: Uint8Array,
  walk: JournalWalk,
): JournalCut & { readonly walk: JournalWalk; readonly dataEndBytes: number } {
  const live: JournalWalk = { ...walk };
  let kept = { ...walk };
  let keptBytes = 0;
  let dataEnd = 0;
  let stoppedBecause: string | undefined;
  let at = 0;
  // Each pass consumes at least one page or stops.
  for (let pass = 0; pass <= bytes.length / PAGE_BYTES + 1 && at < bytes.length; pass++) {
    const scan = scanRecords(bytes, { fromBytes: at, maxRecords: Number.MAX_SAFE_INTEGER });
    const run = scan.records;
    let valid = run.length;
    const check = verifyRecords(backends, bytes, { records: run, seed: live.head });
    if (!check.ok) {
      valid = check.index;
      stoppedBecause = check.message;
    }
    let lastClosed = -1;
    let closedState: JournalWalk | undefined;
    for (let i = 0; i < valid; i++) {
      const record = run[i];
      if (record === undefined) break;
      if (!countRecord(live, bytes, record)) {
        stoppedBecause = `the batch header at byte ${record.start} is malformed`;
        valid = i;
        break;
      }
      dataEnd = record.end;
      if (live.remaining === 0) {
        lastClosed = i;
        closedState = { ...live };
      }
    }
    if (lastClosed >= 0 && closedState !== undefined) {
      const prefix = verifyRecords(backends, bytes, {
        records: run.slice(0, lastClosed + 1),
        seed: live.head,
      });
      if (prefix.ok) {
        kept = { ...closedState, head: prefix.head };
        keptBytes = run[lastClosed]?.end ?? keptBytes;
      }
    }
    if (valid < run.length || stoppedBecause !== undefined || !check.ok) break;
    live.head = check.head;
    at = scan.endBytes;
    const stop = scan.stop;
    if (stop.kind === 'end') break;
    if (stop.kind !== 'zeros') {
      stoppedBecause = `byte ${at}: ${'reason' in stop ? stop.reason : stop.kind}`;
      break;
    }
    if (at % PAGE_BYTES === 0) break; // zeros at a page start: the end of the data
    const pageEnd = Math.min(Math.ceil(at / PAGE_BYTES) * PAGE_BYTES, bytes.length);
    if (!isZero(bytes, at, pageEnd)) {
      stoppedBecause = `byte ${at}: non-zero bytes in the padding after a record`;
      break;
    }
    at = pageEnd;
  }
  const cut: JournalCut = {
    dataBytes: keptBytes,
    head: kept.head,
    records: kept.records,
    entries: kept.entries,
    lastPosition: kept.lastPosition,
    stoppedBecause,
  };
  // For a sealed segment the walk continues from its very end (an entry may span segments).
  return { ...cut, walk: stoppedBecause === undefined ? live : kept, dataEndBytes: dataEnd };
}

/** Refuses a sealed segment that does not verify to its end. */
export function assertSealedIntact(path: string, stoppedBecause: string | undefined): void {
  if (stoppedBecause !== undefined) {
    throw new KimberliteError(
      ErrorCode.Corruption,
      `journal segment ${path} is sealed but does not verify to its end (${stoppedBecause}): ` +
        'run kimberlite verify on the data directory before backing it up',
    );
  }
}
