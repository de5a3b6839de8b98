/**
 * The segment log: one hash-chained, segmented, append-only log in one directory
 * (docs/storage-format.md, "Segment log"; the `SegmentLog` interface in types.ts). Appends
 * encode a batch with one `hashChain` and one `computeBatch` call, then write the pages it
 * covers with one `writePages` call per segment it lands in.
 *
 * Invariants:
 * - Records are back to back within a segment, except that after every sync the next record
 *   starts on the next 4 KiB page boundary: a synced page is never written again.
 * - Records never span segments; a segment is sealed (synced, then its `.index` written)
 *   before the next one is created, so only the last segment can have a torn tail.
 * - Every `checkpointEveryRecords` records, the log writes a checkpoint record at the start of
 *   the next append (so an append's records keep consecutive offsets).
 * - After an IO error the log refuses every call but `close` (reopen it to recover).
 */
import { assert, CRYPTO, ErrorCode, KimberliteError, LIMITS } from '../types/index.js';
import { writeFileDurably } from './durable_io.js';
import { SegmentIndex } from './offset_index.js';
import { encodeRecordsAt, type RecordBody, RecordKind } from './record.js';
import { checkAppendLimits, checkpointPayload, type Placement } from './segment_append.js';
import { existingSegmentSize, indexPath, segmentPath } from './segment_files.js';
import type { SegmentFile } from './segment_io/index.js';
import { SegmentReader } from './segment_read.js';
import { type OpenedSegment, recoverLog } from './segment_recovery.js';
import { finishSteps, VerifyBuffers, type VerifySteps, verifyLogSteps } from './segment_verify.js';
import type {
  AppendRecord,
  AppendResult,
  LogRecord,
  ReadOptions,
  RecoveryReport,
  SegmentLog,
  SegmentLogOptions,
  StorageBackends,
  VerifyProgress,
  VerifyReport,
} from './types.js';

const PAGE_BYTES = LIMITS.pageSizeBytes;
/** Positions in a segment and its index are u32. */
const SEGMENT_SIZE_BYTES_MAX = 0x1_0000_0000 - PAGE_BYTES;
/** Scratch write buffers up to this size are kept between appends. */
const HASH_BYTES = CRYPTO.sha256DigestBytes;
/** How far past the last write zeros are written ahead (see `writeRun`). */
const ZERO_AHEAD_BYTES = 1024 * 1024;
const SCRATCH_KEPT_BYTES_MAX = 16 * 1024 * 1024;
export const CHECKPOINT_EVERY_RECORDS_DEFAULT = 1000;

function invalid(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.InvalidArgument, message);
}

function pageFloor(bytes: number): number {
  return Math.floor(bytes / PAGE_BYTES) * PAGE_BYTES;
}

function pageCeil(bytes: number): number {
  return Math.ceil(bytes / PAGE_BYTES) * PAGE_BYTES;
}

class Log implements SegmentLog {
  readonly name: string;
  readonly recovery: RecoveryReport | undefined;
  private readonly backends: StorageBackends;
  private readonly directory: string;
  private readonly segmentSizeBytes: number;
  private readonly checkpointEveryRecords: number;
  /** Every segment in order; the last is the active one. */
  private readonly segments: OpenedSegment[];
  /** Offsets of every checkpoint record, increasing. */
  private readonly checkpoints: bigint[];
  private readonly reader: SegmentReader;
  private active: SegmentFile;
  /** Where the next record goes in the active segment. Invariant: page-aligned if synced. */
  private positionBytes: number;
  /** The active page's bytes below `positionBytes`, zeros after. 4 KiB, aligned. */
  private readonly tail: Uint8Array;
  private scratch: Uint8Array;
  /** Whether the active segment holds writes not yet synced. */
  private unsynced = false;
  /**
   * Bytes of the active segment known to have been written (records or zeros), page-aligned.
   * Past it, blocks may be allocated but unwritten (fallocate); see `writeRun`.
   */
  private writtenBytes: number;
  private headHash: Uint8Array;
  private next: bigint;
  private state: { kind: 'open' } | { kind: 'closed' } | { kind: 'failed'; error: unknown };

  constructor(
    backends: StorageBackends,
    options: SegmentLogOptions,
    sizes: { segment: number; checkpoint: number },
  ) {
    this.backends = backends;
    this.name = options.name;
    this.directory = options.directory;
    this.segmentSizeBytes = sizes.segment;
    this.checkpointEveryRecords = sizes.checkpoint;
    const recovered = recoverLog(backends, {
      directory: options.directory,
      name: options.name,
      segmentSizeBytes: sizes.segment,
      create: options.create,
      ...(options.trusted === undefined ? {} : { trusted: options.trusted }),
    });
    this.segments = recovered.segments;
    this.checkpoints = recovered.checkpoints;
    this.active = recovered.active;
    this.recovery = recovered.recovery;
    this.headHash = recovered.head;
    const last = this.lastSegment().index;
    this.next = last.endOffset;
    // Everything on disk is durable now, so the next record starts on a fresh page.
    this.positionBytes = pageCeil(last.dataEndBytes);
    this.writtenBytes = this.positionBytes;
    this.tail = backends.segmentIo.allocAligned(PAGE_BYTES);
    this.scratch = backends.segmentIo.allocAligned(PAGE_BYTES);
    this.state = { kind: 'open' };
    this.reader = new SegmentReader(backends, {
      name: options.name,
      segmentSizeBytes: sizes.segment,
      segments: this.segments,
      checkpoints: this.checkpoints,
      activeFile: () => this.active,
    });
  }

  get nextOffset(): bigint {
    return this.next;
  }

  get head(): Uint8Array {
    return this.headHash.slice();
  }

  private lastSegment(): OpenedSegment {
    const last = this.segments[this.segments.length - 1];
    if (last === undefined) throw new Error('unreachable: a log has a segment');
    return last;
  }

  private checkUsable(): void {
    if (this.state.kind === 'failed') {
      throw new KimberliteError(
        ErrorCode.IoError,
        `log ${this.name} was closed after an IO error; reopen it to recover`,
        { cause: this.state.error },
      );
    }
    if (this.state.kind === 'closed') {
      throw new KimberliteError(ErrorCode.InvalidArgument, `log ${this.name} is closed`);
    }
  }

  /** Runs IO; an error leaves the log failed (unusable until reopened) and is rethrown. */
  private io<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      this.state = { kind: 'failed', error };
      this.reader.closeAll();
      try {
        this.active.close();
      } catch {
        // Already failing: the first error is the one to report.
      }
      throw error;
    }
  }

  append(records: readonly AppendRecord[], options: { sync: boolean }): AppendResult {
    this.checkUsable();
    checkAppendLimits({ name: this.name, segmentSizeBytes: this.segmentSizeBytes }, records);
    const firstOffset = this.next;
    if (records.length === 0) {
      if (options.sync) this.sync();
      return { firstOffset, count: 0, hashes: new Uint8Array(0), head: this.head };
    }
    // Encode everything before writing anything: a rejected record writes nothing. A due
    // checkpoint goes first, in the same encode call, so the batch stays one run of bytes.
    const checkpoint = this.checkpointDue() ? this.checkpointRecord(records) : undefined;
    const inputs = checkpoint === undefined ? records : [checkpoint, ...records];
    const encoded = encodeRecordsAt(this.backends, this.headHash, inputs, {
      firstOffset: this.next,
    });
    const kinds = Uint8Array.from(inputs, (record) => record.kind);
    this.io(() => this.place({ bytes: encoded.bytes, bounds: encoded.offsets, kinds }, options));
    if (checkpoint !== undefined) this.checkpoints.push(this.next);
    const skipped = checkpoint === undefined ? 0 : 1;
    this.next += BigInt(inputs.length);
    this.headHash = encoded.head;
    return {
      firstOffset: firstOffset + BigInt(skipped),
      count: records.length,
      hashes: encoded.hashes.subarray(skipped * HASH_BYTES),
      head: this.head,
    };
  }

  /** True once `checkpointEveryRecords` records follow the last checkpoint. */
  private checkpointDue(): boolean {
    const lastCheckpoint = this.checkpoints[this.checkpoints.length - 1] ?? -1n;
    return this.next - lastCheckpoint - 1n >= BigInt(this.checkpointEveryRecords);
  }

  /** The checkpoint anchoring the chain at the current head, stamped like the batch's first. */
  private checkpointRecord(records: readonly AppendRecord[]): RecordBody {
    const first = records[0];
    assert(first !== undefined, 'a checkpoint goes before at least one record');
    return {
      kind: RecordKind.Checkpoint,
      flags: 0,
      tenant: first.tenant,
      stream: 0,
      logPosition: first.logPosition,
      timestampNs: first.timestampNs,
      payload: checkpointPayload({ offset: this.next - 1n, hash: this.headHash }),
    };
  }

  /** Writes the records, rolling to new segments where the next record does not fit. */
  private place(placement: Placement, options: { sync: boolean }): void {
    const { bounds } = placement;
    const count = placement.kinds.length;
    let offset = this.next;
    let i = 0;
    while (i < count) {
      const from = bounds[i] ?? 0;
      let j = i;
      while (
        j < count &&
        this.positionBytes + ((bounds[j + 1] ?? 0) - from) <= this.segmentSizeBytes
      ) {
        j++;
      }
      if (j === i) {
        // checkLimits made every record fit in an empty segment.
        this.roll(offset);
        continue;
      }
      const index = this.lastSegment().index;
      for (let k = i; k < j; k++) {
        const start = this.positionBytes + ((bounds[k] ?? 0) - from);
        index.push(
          start,
          placement.kinds[k] ?? 0,
          start + ((bounds[k + 1] ?? 0) - (bounds[k] ?? 0)),
        );
      }
      this.writeRun(placement.bytes.subarray(from, bounds[j] ?? 0), options.sync && j === count);
      offset += BigInt(j - i);
      i = j;
    }
  }

  /** Writes `data` at `positionBytes`: the pages from the tail page's start to its end. */
  private writeRun(data: Uint8Array, sync: boolean): void {
    const pageStart = pageFloor(this.positionBytes);
    const into = this.positionBytes - pageStart;
    const end = this.positionBytes + data.length;
    // Writing into blocks fallocate left unwritten changes extent metadata, and the next
    // fdatasync then waits for a journal commit (186 us instead of 122 us per synced page,
    // measured). So a write that reaches past what was written before also writes zeros
    // ZERO_AHEAD_BYTES further: the conversion is paid once per stretch. Those pages hold no
    // records, so writing them again later endangers nothing acknowledged.
    const reach = pageCeil(end) > this.writtenBytes ? pageCeil(end) + ZERO_AHEAD_BYTES : 0;
    const length = Math.max(pageCeil(end), Math.min(reach, this.segmentSizeBytes)) - pageStart;
    const pages = this.scratchOf(length);
    pages.set(this.tail.subarray(0, into), 0);
    pages.set(data, into);
    pages.fill(0, into + data.length, length);
    this.active.writePages(pages, { positionBytes: pageStart, sync });
    this.writtenBytes = Math.max(this.writtenBytes, pageStart + length);
    const lastPage = pageFloor(end);
    this.tail.fill(0);
    this.tail.set(pages.subarray(lastPage - pageStart, end - pageStart));
    this.positionBytes = end;
    this.unsynced = !sync;
    if (sync) this.afterSync();
  }

  private scratchOf(length: number): Uint8Array {
    if (length > SCRATCH_KEPT_BYTES_MAX) return this.backends.segmentIo.allocAligned(length);
    if (this.scratch.length < length) {
      let size = this.scratch.length;
      while (size < length) size *= 2;
      this.scratch = this.backends.segmentIo.allocAligned(size);
    }
    return this.scratch.subarray(0, length);
  }

  /** A synced page is never written again: the next record starts on the next page. */
  private afterSync(): void {
    this.positionBytes = pageCeil(this.positionBytes);
    this.tail.fill(0);
    this.unsynced = false;
  }

  /** Seals the active segment (sync, `.index`) and starts a new one at `firstOffset`. */
  private roll(firstOffset: bigint): void {
    const sealed = this.lastSegment();
    if (this.unsynced) this.active.sync();
    this.afterSync();
    const bytes = sealed.index.encode(this.backends.crc32c);
    writeFileDurably(indexPath(this.directory, sealed.index.firstOffset), bytes);
    this.active.close();
    const path = segmentPath(this.directory, firstOffset);
    this.active = this.backends.segmentIo.open(path, {
      sizeBytes: this.segmentSizeBytes,
      create: true,
    });
    this.segments.push({ path, index: new SegmentIndex(firstOffset) });
    this.positionBytes = 0;
    this.writtenBytes = 0;
  }

  sync(): void {
    this.checkUsable();
    if (this.unsynced) this.io(() => this.active.sync());
    this.afterSync();
  }

  read(fromOffset: bigint, options: ReadOptions): LogRecord[] {
    this.checkUsable();
    const { maxRecords, maxBytes } = options;
    if (fromOffset < 0n) throw invalid(`read from offset ${fromOffset}: offsets start at 0`);
    if (!Number.isSafeInteger(maxRecords) || maxRecords < 0) {
      throw invalid(`read: maxRecords must be a non-negative integer, got ${maxRecords}`);
    }
    if (!(maxBytes >= 0)) throw invalid(`read: maxBytes must be non-negative, got ${maxBytes}`);
    // A failed read leaves the files as they were: the log stays usable.
    return this.reader.read(fromOffset, {
      maxRecords,
      maxBytes,
      verified: options.verified ?? false,
      payloadViews: options.payloadViews ?? false,
      next: this.next,
      head: this.headHash,
    });
  }

  verify(options?: { onProgress?: VerifyProgress }): VerifyReport {
    return finishSteps(this.verifySteps(options));
  }

  verifySteps(options?: { onProgress?: VerifyProgress; buffers?: VerifyBuffers }): VerifySteps {
    this.checkUsable();
    return verifyLogSteps(
      this.backends,
      {
        name: this.name,
        segments: this.segments,
        head: this.headHash,
        file: (i) => this.reader.fileOf(i),
        onProgress: options?.onProgress,
      },
      options?.buffers ?? new VerifyBuffers(this.backends.segmentIo),
    );
  }

  /** Syncs unsynced appends (a clean close loses nothing), then closes every file. */
  close(): void {
    if (this.state.kind !== 'open') {
      this.state = { kind: 'closed' };
      return;
    }
    try {
      if (this.unsynced) this.active.sync();
    } finally {
      this.state = { kind: 'closed' };
      this.reader.closeAll();
      this.active.close();
    }
  }
}

/**
 * Opens (with `create`, creates) the segment log in `options.directory`, recovering a torn
 * tail of its last segment; throws CORRUPTION for damage recovery must not repair.
 *
 * @example
 * const options = { directory: 'data/journal', name: 'journal', create: true };
 * const log = openSegmentLog(backends, options);
 * const { firstOffset } = log.append([record], { sync: true });
 * log.read(firstOffset, { maxRecords: 1, maxBytes: 1 << 20 });
 * log.close();
 */
export function openSegmentLog(backends: StorageBackends, options: SegmentLogOptions): SegmentLog {
  const segment =
    options.segmentSizeBytes ??
    existingSegmentSize(options.directory) ??
    LIMITS.segmentSizeBytesDefault;
  if (!Number.isSafeInteger(segment) || segment % PAGE_BYTES !== 0 || segment < PAGE_BYTES) {
    throw invalid(
      `log ${options.name}: segmentSizeBytes must be a positive multiple of ${PAGE_BYTES}, ` +
        `got ${segment}`,
    );
  }
  if (segment > SEGMENT_SIZE_BYTES_MAX) {
    throw invalid(
      `log ${options.name}: segmentSizeBytes ${segment} is past ${SEGMENT_SIZE_BYTES_MAX} ` +
        '(positions in a segment are u32)',
    );
  }
  const checkpoint = options.checkpointEveryRecords ?? CHECKPOINT_EVERY_RECORDS_DEFAULT;
  if (!Number.isSafeInteger(checkpoint) || checkpoint < 1) {
    throw invalid(
      `log ${options.name}: checkpointEveryRecords must be a positive integer, got ${checkpoint}`,
    );
  }
  return new Log(backends, options, { segment, checkpoint });
}
