/**
 * Bounded reads of a segment log (docs/storage-format.md, "Segment log", "Reads"): the segment
 * holding an offset is found by binary search over first offsets, the record by its index
 * entry, so a read seeks in O(log segments) + O(1) and reads only the pages it returns.
 *
 * Rules: a read returns every kind of record (events, batch headers, checkpoints) from
 * `fromOffset`, at most `maxRecords` of them and at most `maxBytes` of payload, except that the
 * first record is always returned (so a reader always makes progress). A verified read checks
 * CRC and chain from the nearest checkpoint at or before `fromOffset` (genesis when there is
 * none) through the record after the last one returned (or the log's head).
 *
 * Invariant: reads never modify the files; sealed segments are opened read-mostly and at most
 * `OPEN_SEGMENTS_MAX` stay open.
 */
import { CRYPTO } from '../types/index.js';
import { corruption } from './durable_io.js';
import { RECORD_HEADER_BYTES, RecordKind, type ScannedRecord, verifyRecords } from './record.js';
import { readSpan } from './segment_files.js';
import type { SegmentFile } from './segment_io/index.js';
import type { OpenedSegment } from './segment_recovery.js';
import { scanSegment } from './segment_scan.js';
import type { LogRecord, StorageBackends } from './types.js';

const GENESIS = new Uint8Array(CRYPTO.sha256DigestBytes);
const HASH_BYTES = CRYPTO.sha256DigestBytes;
/** Sealed segments kept open for reads; reads mostly go to recent segments. */
const OPEN_SEGMENTS_MAX = 8;
/** Most bytes a record can take beyond its payload: its header and a page of sync padding. */
const RECORD_SLACK_BYTES = RECORD_HEADER_BYTES + 4095;

export interface ReaderConfig {
  readonly name: string;
  readonly segmentSizeBytes: number;
  /** The log's segments (shared, grows as the log rolls). */
  readonly segments: readonly OpenedSegment[];
  /** The log's checkpoint offsets (shared, grows). */
  readonly checkpoints: readonly bigint[];
  readonly activeFile: () => SegmentFile;
}

/** Records read from one segment: the bytes (from `baseBytes` in the file) and their runs. */
interface Chunk {
  readonly segment: OpenedSegment;
  readonly bytes: Uint8Array;
  readonly baseBytes: number;
  readonly runs: ScannedRecord[][];
}

export class SegmentReader {
  private readonly backends: StorageBackends;
  private readonly config: ReaderConfig;
  /** Open sealed segments by index into `segments`, least recently used first. */
  private readonly open = new Map<number, SegmentFile>();

  constructor(backends: StorageBackends, config: ReaderConfig) {
    this.backends = backends;
    this.config = config;
  }

  fileOf(segment: number): SegmentFile {
    const { segments } = this.config;
    if (segment === segments.length - 1) return this.config.activeFile();
    const cached = this.open.get(segment);
    if (cached !== undefined) {
      // Re-insert: a Map iterates in insertion order, so this keeps it least recently used first.
      this.open.delete(segment);
      this.open.set(segment, cached);
      return cached;
    }
    const path = segments[segment]?.path;
    if (path === undefined) throw new Error(`unreachable: no segment ${segment}`);
    const file = this.backends.segmentIo.open(path, {
      sizeBytes: this.config.segmentSizeBytes,
      create: false,
    });
    this.open.set(segment, file);
    for (const [key, old] of this.open) {
      if (this.open.size <= OPEN_SEGMENTS_MAX) break;
      this.open.delete(key);
      old.close();
    }
    return file;
  }

  closeAll(): void {
    for (const file of this.open.values()) {
      try {
        file.close();
      } catch {
        // Read-only use: nothing to lose by a failed close.
      }
    }
    this.open.clear();
  }

  /** The segment holding `offset`: the last whose first offset is at most it. */
  private segmentOf(offset: bigint): number {
    const { segments } = this.config;
    let low = 0;
    let high = segments.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((segments[middle]?.index.firstOffset ?? 0n) <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  read(
    fromOffset: bigint,
    options: {
      maxRecords: number;
      maxBytes: number;
      verified: boolean;
      payloadViews: boolean;
      next: bigint;
      head: Uint8Array;
    },
  ): LogRecord[] {
    const { maxRecords, maxBytes, next } = options;
    const first = this.config.segments[0]?.index.firstOffset ?? 0n;
    if (fromOffset >= next || maxRecords === 0 || fromOffset < first) return [];
    const chunks = this.collect(fromOffset, { maxRecords, maxBytes, next });
    if (options.verified) this.verifyFrom(fromOffset, chunks, { next, head: options.head });
    const records: LogRecord[] = [];
    for (const chunk of chunks) {
      for (const run of chunk.runs) {
        for (const record of run) {
          records.push(toLogRecord(chunk.bytes, record, options.payloadViews));
        }
      }
    }
    return records;
  }

  /** Reads records from `from`, bounded; the first is always taken. */
  private collect(
    from: bigint,
    bounds: { maxRecords: number; maxBytes: number; next: bigint },
  ): Chunk[] {
    const chunks: Chunk[] = [];
    let offset = from;
    let recordsLeft = bounds.maxRecords;
    let bytesLeft = bounds.maxBytes;
    let taken = 0;
    while (recordsLeft > 0 && offset < bounds.next) {
      const s = this.segmentOf(offset);
      const segment = this.config.segments[s];
      if (segment === undefined) break;
      const { index } = segment;
      const i = Number(offset - index.firstOffset);
      if (i >= index.count) break;
      const end = Math.min(index.count, i + recordsLeft);
      const startBytes = index.startOf(i);
      // Stop reading where the payloads must already exceed the bytes left.
      let k = i + 1;
      while (k < end && index.startOf(k) - startBytes - RECORD_SLACK_BYTES * (k - i) <= bytesLeft) {
        k++;
      }
      const span = readSpan(this.backends.segmentIo, this.fileOf(s), {
        fromBytes: startBytes,
        toBytes: index.startOf(k),
      });
      const scan = scanSegment(span.bytes, {
        fromBytes: startBytes - span.baseBytes,
        maxRecords: k - i,
        wholeSegment: false,
      });
      const runs: ScannedRecord[][] = [];
      let full = true;
      let expected = offset;
      for (const run of scan.runs) {
        const kept: ScannedRecord[] = [];
        for (const record of run) {
          const payloadBytes = record.end - record.start - RECORD_HEADER_BYTES;
          if (taken > 0 && payloadBytes > bytesLeft) {
            full = false;
            break;
          }
          if (record.offset !== expected) {
            const at = `log ${this.config.name}: segment ${segment.path}`;
            throw corruption(
              `${at}, byte ${span.baseBytes + record.start}, offset ${expected}: the record ` +
                `says offset ${record.offset}; run verify for details`,
            );
          }
          kept.push(record);
          taken += 1;
          expected += 1n;
          bytesLeft -= Math.min(payloadBytes, bytesLeft);
        }
        if (kept.length > 0) runs.push(kept);
        if (!full) break;
      }
      const got = Number(expected - offset);
      if (full && got !== k - i) {
        throw corruption(
          `log ${this.config.name}: segment ${segment.path}, byte ${startBytes}, offset ` +
            `${offset}: the segment does not match its index; run verify for details`,
        );
      }
      chunks.push({ segment, bytes: span.bytes, baseBytes: span.baseBytes, runs });
      offset = expected;
      recordsLeft -= got;
      if (!full) break;
    }
    return chunks;
  }

  /** Checks CRC and chain from the nearest checkpoint through the records read. */
  private verifyFrom(
    from: bigint,
    chunks: readonly Chunk[],
    log: { next: bigint; head: Uint8Array },
  ): void {
    const { next } = log;
    const checkpoint = nearestAtOrBefore(this.config.checkpoints, from);
    const anchor = checkpoint ?? this.config.segments[0]?.index.firstOffset ?? 0n;
    const prefix =
      anchor < from
        ? this.collect(anchor, { maxRecords: Number(from - anchor), maxBytes: Infinity, next })
        : [];
    const all = [...prefix, ...chunks];
    const last = lastOffsetOf(all);
    // The record after the last one read vouches for its hash (the log's head does at the end).
    if (last !== undefined && last + 1n < next) {
      all.push(...this.collect(last + 1n, { maxRecords: 1, maxBytes: Infinity, next }));
    }
    const firstRecord = all[0]?.runs[0]?.[0];
    if (firstRecord === undefined) return;
    let seed = anchor === 0n && checkpoint === undefined ? GENESIS : firstRecord.previousHash;
    if (checkpoint !== undefined) {
      const chunk = all[0];
      if (chunk === undefined) return;
      checkAnchor(this.config.name, chunk, firstRecord);
    }
    const lastRun = all[all.length - 1]?.runs.at(-1);
    const toHead = lastOffsetOf(all) === next - 1n;
    for (const chunk of all) {
      for (const run of chunk.runs) {
        const head = toHead && run === lastRun ? log.head : undefined;
        const check = verifyRecords(this.backends, chunk.bytes, {
          records: run,
          seed,
          ...(head === undefined ? {} : { head }),
        });
        if (!check.ok) {
          const record = run[check.index];
          throw corruption(
            `log ${this.config.name}: segment ${chunk.segment.path}, byte ` +
              `${chunk.baseBytes + (record?.start ?? 0)}, offset ${record?.offset}: verified ` +
              `read failed (${check.failure}): ${check.message}; run verify for details`,
          );
        }
        seed = check.head;
      }
    }
  }
}

/** A checkpoint anchors the chain: its payload's hash must be its own previous-hash field. */
function checkAnchor(name: string, chunk: Chunk, record: ScannedRecord): void {
  const payload = chunk.bytes.subarray(record.start + RECORD_HEADER_BYTES, record.end);
  const stored = payload.subarray(8, 8 + HASH_BYTES);
  const ok =
    record.kind === RecordKind.Checkpoint &&
    payload.length >= 8 + HASH_BYTES &&
    stored.every((byte, i) => byte === record.previousHash[i]);
  if (!ok) {
    throw corruption(
      `log ${name}: segment ${chunk.segment.path}, byte ${chunk.baseBytes + record.start}, ` +
        `offset ${record.offset}: the checkpoint does not anchor the chain; run verify`,
    );
  }
}

function nearestAtOrBefore(sorted: readonly bigint[], offset: bigint): bigint | undefined {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((sorted[middle] ?? 0n) <= offset) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? undefined : sorted[low - 1];
}

function lastOffsetOf(chunks: readonly Chunk[]): bigint | undefined {
  const runs = chunks[chunks.length - 1]?.runs;
  const run = runs?.[runs.length - 1];
  return run?.[run.length - 1]?.offset;
}

function toLogRecord(bytes: Uint8Array, record: ScannedRecord, view: boolean): LogRecord {
  const payload = bytes.subarray(record.start + RECORD_HEADER_BYTES, record.end);
  return {
    // The scanned record is a RecordHeader with positions besides: no second object per record.
    header: record,
    // A copy unless asked for views (ReadOptions.payloadViews): every read gets its own
    // buffer, so a view stays valid, but its `.buffer` is the whole read.
    payload: view ? payload : new Uint8Array(payload),
  };
}
