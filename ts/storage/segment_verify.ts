/**
 * `SegmentLog.verify`: walks every segment in order, checking each record's shape, offset, CRC
 * and chain link (continuous across segments, from 32 zero bytes at genesis), that each
 * segment holds the records its index says, that nothing but zeros follows the data, and that
 * the last record's hash is the log's head. Reports the first broken record with its exact
 * location (docs/storage-format.md, "Segment log", "Verify").
 *
 * Reading: a segment is pre-allocated (256 MiB by default) and mostly zeros. Verify reads its
 * written prefix (up to and including the first all-zero chunk of `TAIL_CHUNK_BYTES`) into a
 * buffer it owns, scans and checks that, then checks the rest of the file for non-zero bytes
 * in chunks read into one small reused buffer, through a second handle opened with the
 * `segmentIo` backend (O_DIRECT where it loads: reading the unwritten pre-allocated blocks of
 * a buffered log through the page cache filled 256 MiB of cache per log, about 0.5 s each).
 * Reading each segment whole into one 256 MiB buffer cost about 1.5 s on a fresh database
 * (page faults of the buffer and of the page cache), measured. A prefix whose scan finds any
 * problem is re-read whole, so what is reported is exactly what a whole-segment scan reports.
 *
 * The walk is a generator (`verifyLogSteps`) that yields between pieces of work of bounded
 * size (a piece of records, a chunk of the zero tail): `finishSteps` runs it at once,
 * `finishStepsAsync` gives the event loop a turn between time slices.
 *
 * Invariant: reads only; progress is reported at least every `PROGRESS_EVERY_RECORDS` records.
 */
import { CRYPTO, ErrorCode, KimberliteError } from '../types/index.js';
import { type ScannedRecord, verifyRecords } from './record.js';
import type { SegmentFile, SegmentIo } from './segment_io/index.js';
import type { OpenedSegment } from './segment_recovery.js';
import { firstNonZero, scanSegment } from './segment_scan.js';
import type { RecordLocation, StorageBackends, VerifyProgress, VerifyReport } from './types.js';

const GENESIS = new Uint8Array(CRYPTO.sha256DigestBytes);
const PROGRESS_EVERY_RECORDS = 4096;
/** The zero tail after a segment's written prefix is checked in chunks of this size. */
export const TAIL_CHUNK_BYTES = 1024 * 1024;
/** `finishStepsAsync` runs steps for about this long before it yields to the event loop. */
const SLICE_MS = 8;

/** A verify in steps: yields between bounded pieces of work, returns the report. */
export type VerifySteps = Generator<void, VerifyReport, void>;

/** Runs every step now (synchronously). */
export function finishSteps<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/**
 * Runs the steps, giving the event loop a turn (setImmediate) once a slice of `sliceMs`
 * (default `SLICE_MS`; 0: after every step) has run.
 */
export async function finishStepsAsync<T>(
  steps: Generator<void, T, void>,
  options?: { sliceMs?: number },
): Promise<T> {
  const sliceMs = options?.sliceMs ?? SLICE_MS;
  let since = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
    if (performance.now() - since >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      since = performance.now();
    }
  }
}

/**
 * The buffers one verify reads segments into, reused from log to log: the written prefix
 * (grown as needed) and one chunk of the zero tail. Owned by the verify, so no other reader
 * overwrites them while an asynchronous verify waits for its next turn.
 */
export class VerifyBuffers {
  readonly io: SegmentIo;
  private prefix: Uint8Array;
  private tail: Uint8Array | undefined;

  constructor(io: SegmentIo) {
    this.io = io;
    this.prefix = new Uint8Array(0);
  }

  /**
   * Reads the segment from `fromBytes` (what is before is already in the buffer) in chunks of
   * `TAIL_CHUNK_BYTES`, yielding after each: with `untilZeros`, up to and including the first
   * all-zero chunk; else to its end. Returns the bytes read from its start.
   */
  *readPrefix(
    file: SegmentFile,
    options: { fromBytes: number; untilZeros: boolean },
  ): Generator<void, Uint8Array, void> {
    let end = options.fromBytes;
    while (end < file.sizeBytes) {
      const chunkEnd = Math.min(end + TAIL_CHUNK_BYTES, file.sizeBytes);
      if (this.prefix.length < chunkEnd) {
        const grown = this.io.allocAligned(
          Math.min(file.sizeBytes, Math.max(chunkEnd, 2 * this.prefix.length)),
        );
        grown.set(this.prefix.subarray(0, end));
        this.prefix = grown;
      }
      readFully(file, this.prefix.subarray(end, chunkEnd), end);
      const chunkStart = end;
      end = chunkEnd;
      if (options.untilZeros && firstNonZero(this.prefix, chunkStart, chunkEnd) < 0) break;
      yield;
    }
    return this.prefix.subarray(0, end);
  }

  /** `[fromBytes, fromBytes + TAIL_CHUNK_BYTES)` of the file (shorter at its end). */
  tailChunk(file: SegmentFile, fromBytes: number): Uint8Array {
    this.tail ??= this.io.allocAligned(TAIL_CHUNK_BYTES);
    const chunk = this.tail.subarray(0, Math.min(TAIL_CHUNK_BYTES, file.sizeBytes - fromBytes));
    readFully(file, chunk, fromBytes);
    return chunk;
  }
}

function readFully(file: SegmentFile, into: Uint8Array, positionBytes: number): void {
  if (into.length === 0) return;
  const read = file.readPages(into, { positionBytes });
  if (read !== into.length) {
    throw new KimberliteError(
      ErrorCode.IoError,
      `read ${file.path}: got ${read} of ${into.length} bytes at ${positionBytes}`,
    );
  }
}

export interface VerifiedLog {
  readonly name: string;
  readonly segments: readonly OpenedSegment[];
  readonly head: Uint8Array;
  readonly file: (segment: number) => SegmentFile;
  readonly onProgress: VerifyProgress | undefined;
}

type Failure = Extract<VerifyReport, { ok: false }>['failure'];

function broken(location: RecordLocation, failure: Failure, message: string): VerifyReport {
  const at = `log ${location.log}: segment ${location.segment}, byte ${location.positionBytes}`;
  const offset = location.offset === undefined ? '' : `, offset ${location.offset}`;
  return { ok: false, location, failure, message: `${at}${offset}: ${message}` };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** The first non-zero byte of the file in `[fromBytes, end)`, or -1; yields per chunk. */
function* firstNonZeroInFile(
  buffers: VerifyBuffers,
  file: SegmentFile,
  fromBytes: number,
): Generator<void, number, void> {
  const direct = buffers.io.open(file.path, { sizeBytes: file.sizeBytes, create: false });
  try {
    for (let at = fromBytes; at < file.sizeBytes; at += TAIL_CHUNK_BYTES) {
      const chunk = buffers.tailChunk(direct, at);
      const junk = firstNonZero(chunk, 0, chunk.length);
      if (junk >= 0) return at + junk;
      yield;
    }
    return -1;
  } finally {
    direct.close();
  }
}

/** Verifies a log at once; see the file header. */
export function verifyLog(backends: StorageBackends, log: VerifiedLog): VerifyReport {
  return finishSteps(verifyLogSteps(backends, log, new VerifyBuffers(backends.segmentIo)));
}

/** `verifyLog` in steps (see the file header), reading through `buffers`. */
export function* verifyLogSteps(
  backends: StorageBackends,
  log: VerifiedLog,
  buffers: VerifyBuffers,
): VerifySteps {
  const firstOffset = log.segments[0]?.index.firstOffset ?? 0n;
  const total = (log.segments.at(-1)?.index.endOffset ?? 0n) - firstOffset;
  let done = 0n;
  let seed: Uint8Array | undefined = firstOffset === 0n ? GENESIS : undefined;
  let previous: RecordLocation | undefined;
  for (let s = 0; s < log.segments.length; s++) {
    const segment = log.segments[s];
    if (segment === undefined) break;
    const file = log.file(s);
    let bytes = yield* buffers.readPrefix(file, { fromBytes: 0, untilZeros: true });
    const scanOptions = { fromBytes: 0, maxRecords: Number.MAX_SAFE_INTEGER, wholeSegment: true };
    let scan = scanSegment(bytes, scanOptions);
    if (scan.problem !== undefined && bytes.length < file.sizeBytes) {
      // Damage in the prefix (or a record reaching past it): scan the segment whole.
      const fromBytes = bytes.length;
      bytes = yield* buffers.readPrefix(file, { fromBytes, untilZeros: false });
      scan = scanSegment(bytes, scanOptions);
    }
    yield;
    let expected = segment.index.firstOffset;
    const locate = (record: ScannedRecord, offset: bigint): RecordLocation => ({
      log: log.name,
      segment: segment.path,
      positionBytes: record.start,
      offset,
    });
    for (const run of scan.runs) {
      for (let from = 0; from < run.length; from += PROGRESS_EVERY_RECORDS) {
        const piece = run.slice(from, from + PROGRESS_EVERY_RECORDS);
        const check = verifyRecords(backends, bytes, {
          records: piece,
          seed: seed ?? piece[0]?.previousHash ?? GENESIS,
        });
        const valid = check.ok ? piece.length : check.index;
        // Offsets of the records whose CRC held: a wrong one is a malformed log.
        for (let i = 0; i < valid; i++) {
          const record = piece[i];
          const offset = expected + BigInt(i);
          if (record !== undefined && record.offset !== offset) {
            const message = `the record says offset ${record.offset}`;
            return broken(locate(record, offset), 'malformed', message);
          }
        }
        if (!check.ok) {
          const record = piece[check.index];
          const offset = expected + BigInt(check.index);
          if (record === undefined) throw new Error('unreachable: verify names a record');
          if (check.failure === 'crc') {
            return broken(locate(record, offset), 'crc', 'CRC-32C mismatch');
          }
          if (check.failure === 'seed' && previous !== undefined) {
            return broken(previous, 'chain', "its hash is not the next record's previous hash");
          }
          const message =
            check.failure === 'seed'
              ? 'its previous hash is not the genesis hash'
              : "its hash is not the next record's previous hash";
          return broken(locate(record, offset), 'chain', message);
        }
        seed = check.head;
        const last = piece[piece.length - 1];
        expected += BigInt(piece.length);
        done += BigInt(piece.length);
        if (last !== undefined) previous = locate(last, expected - 1n);
        log.onProgress?.(done, total);
        yield;
      }
    }
    if (scan.problem === undefined && bytes.length < file.sizeBytes) {
      // The prefix holds all the data and zeros after it; the rest of the file must be zeros.
      const junk = yield* firstNonZeroInFile(buffers, file, bytes.length);
      if (junk >= 0) {
        const location = {
          log: log.name,
          segment: segment.path,
          positionBytes: scan.dataEndBytes,
          offset: expected,
        };
        return broken(
          location,
          'malformed',
          `non-zero bytes at ${junk}, after the end of the data`,
        );
      }
    }
    if (scan.problem !== undefined) {
      const location = {
        log: log.name,
        segment: segment.path,
        positionBytes: scan.problem.positionBytes,
        offset: expected,
      };
      return broken(location, 'malformed', scan.problem.reason);
    }
    if (expected !== segment.index.endOffset) {
      const location = {
        log: log.name,
        segment: segment.path,
        positionBytes: scan.dataEndBytes,
        offset: expected,
      };
      const message = `the segment ends at offset ${expected}; the log holds records to ${
        segment.index.endOffset - 1n
      }`;
      return broken(location, 'missing', message);
    }
  }
  const head = seed ?? GENESIS;
  if (previous !== undefined && !equalBytes(head, log.head)) {
    return broken(previous, 'chain', "its hash is not the log's head");
  }
  log.onProgress?.(done, total);
  return { ok: true, records: done, head: head.slice() };
}
