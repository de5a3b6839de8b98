/**
 * The storage layer's two shapes, fixed here so the segment log, the storage engine built on
 * it, the crash tests and the benchmark can be written against them:
 *
 * - `SegmentLog`: one hash-chained, segmented, append-only log in one directory. The same
 *   code serves the three uses of ARCHITECTURE.md section 3a: the journal, each tenant's
 *   partition, and the system partition.
 * - `Storage`: a data directory holding a journal, a system partition and one partition per
 *   tenant, committing batches across tenants with one sync (section 3a).
 *
 * Layout of a data directory (docs/storage-format.md):
 *
 *   <dir>/LOCK                      the process that has the directory open (see lock.ts)
 *   <dir>/CHECKPOINT                last checkpoint: durable offset and head per partition
 *   <dir>/journal/                  a SegmentLog, one entry per committed batch, synced
 *   <dir>/system/                   a SegmentLog of batch headers (the permanent order)
 *   <dir>/tenants/<tenant id>/      one SegmentLog per tenant
 *
 * and of one SegmentLog directory:
 *
 *   <log>/<first offset, 20 digits>.segment   pre-allocated, pre-zeroed segments
 *   <log>/<first offset, 20 digits>.index     its offset index (rebuildable)
 */
import type { Crc32c, Sha256 } from '../crypto/index.js';
import type { RecordBody, RecordHeader } from './record.js';
import type { SegmentIo } from './segment_io/index.js';
import type { VerifyBuffers } from './segment_verify.js';

/** The backends the storage layer runs on; the shell selected them. */
export interface StorageBackends {
  readonly crc32c: Crc32c;
  readonly sha256: Sha256;
  readonly segmentIo: SegmentIo;
  /**
   * Segment IO through the page cache for the logs synced only at checkpoints (partitions and
   * the system partition); without it they use `segmentIo` too.
   */
  readonly bufferedSegmentIo?: SegmentIo;
}

/** A record to append: every field of a record but `offset`, which the log assigns. */
export type AppendRecord = RecordBody;

export interface AppendResult {
  /** Offset of the first record appended; the rest follow consecutively. */
  readonly firstOffset: bigint;
  readonly count: number;
  /** The chain hash of each record, 32 bytes each, in order (for Merkle roots). */
  readonly hashes: Uint8Array;
  /** The log's chain head after the append. */
  readonly head: Uint8Array;
}

/** A record read back: its header (with offset), its payload, and its chain hash. */
export interface LogRecord {
  readonly header: RecordHeader;
  readonly payload: Uint8Array;
}

/** Where a record lies, for error messages and verify reports. */
export interface RecordLocation {
  /** The log's name: `journal`, `system`, `tenant 7`. */
  readonly log: string;
  /** The segment file's path. */
  readonly segment: string;
  /** Byte position of the record's header in that file. */
  readonly positionBytes: number;
  /** The record's offset, when its header could be read. */
  readonly offset?: bigint;
}

/** What recovery at open did to the tail of the last segment. */
export interface RecoveryReport extends RecordLocation {
  readonly truncatedBytes: number;
  /** Why the tail was torn: `partial record`, `bad CRC at the tail`, ... */
  readonly reason: string;
}

export type VerifyReport =
  | { readonly ok: true; readonly records: bigint; readonly head: Uint8Array }
  | {
      readonly ok: false;
      readonly location: RecordLocation;
      /** What failed: the record's CRC, the chain, its shape, or a cross-check. */
      readonly failure: 'crc' | 'chain' | 'malformed' | 'merkle' | 'missing';
      readonly message: string;
    };

/** Bounds and checks of a read. */
export interface ReadOptions {
  readonly maxRecords: number;
  readonly maxBytes: number;
  /** Check CRC and chain from the nearest checkpoint. */
  readonly verified?: boolean;
  /**
   * Payloads as views into the read's own buffer rather than copies: faster for a caller that
   * consumes them at once (replay). A view's `.buffer` is the whole read, not the payload, and
   * the view keeps that buffer in memory while it lives.
   */
  readonly payloadViews?: boolean;
}

/** Progress of a long verify: records checked so far out of the total known at the start. */
export type VerifyProgress = (done: bigint, total: bigint) => void;

export interface SegmentLogOptions {
  readonly directory: string;
  /** Names the log in messages and reports: `journal`, `system`, `tenant 7`. */
  readonly name: string;
  /**
   * Segments roll at this size (a multiple of 4 KiB). Default: the size of the log's existing
   * segments, else 256 MiB.
   */
  readonly segmentSizeBytes?: number;
  /** A checkpoint record every this many records. Default 1,000. */
  readonly checkpointEveryRecords?: number;
  /** Create the directory and first segment when missing. */
  readonly create: boolean;
  /**
   * Where the last storage checkpoint left this log: records below `offset` were synced then,
   * `head` (when given) is the hash of the one before it. Open checks every CRC but the chain
   * from there on only (segment_tail.ts); `verify` still checks everything.
   */
  readonly trusted?: { readonly offset: bigint; readonly head?: Uint8Array };
}

/**
 * Invariants: records are back to back within a segment, except that after every sync the
 * next record starts on the next 4 KiB page boundary (the rest of the page stays zero): a page
 * that was synced is never written again, so a torn write can only damage records that were
 * never acknowledged. Records never span segments. The chain continues across segments.
 */
export interface SegmentLog {
  readonly name: string;
  /** The offset the next appended record gets. */
  readonly nextOffset: bigint;
  /** The chain hash of the last record (32 zeros for an empty log). */
  readonly head: Uint8Array;
  /** What recovery at open truncated, if anything. */
  readonly recovery: RecoveryReport | undefined;
  /**
   * Appends records in one write (one sync with `sync`). Rejects input past a limit before
   * writing anything; an IO error leaves every record appended before intact and the log
   * openable (it is then closed: reopen it).
   */
  append(records: readonly AppendRecord[], options: { sync: boolean }): AppendResult;
  sync(): void;
  /** Records from `fromOffset`, bounded; `verified` checks CRC and chain from a checkpoint. */
  read(fromOffset: bigint, options: ReadOptions): LogRecord[];
  verify(options?: { onProgress?: VerifyProgress }): VerifyReport;
  /**
   * `verify` in steps: a generator that yields between bounded pieces of work (run it with
   * segment_verify's `finishSteps` / `finishStepsAsync`). The log must not change meanwhile.
   */
  verifySteps(options?: {
    onProgress?: VerifyProgress;
    buffers?: VerifyBuffers;
  }): Generator<void, VerifyReport, void>;
  close(): void;
}

/** A tenant record to commit; the storage assigns its partition offset and log position. */
export interface CommitRecord {
  readonly tenant: number;
  readonly stream: number;
  readonly flags: number;
  /** As stored: already encrypted by the caller when the encrypted flag is set. */
  readonly payload: Uint8Array;
}

export interface CommitResult {
  /** The log position of the batch the records were committed in. */
  readonly logPosition: bigint;
  /** Each record's offset in its tenant's partition, in the order given. */
  readonly offsets: readonly bigint[];
}

export interface StorageOptions {
  readonly directory: string;
  readonly create: boolean;
  readonly segmentSizeBytes?: number;
  readonly checkpointEveryRecords?: number;
  /** Write a storage checkpoint (sync partitions, then CHECKPOINT) every this many batches. */
  readonly checkpointEveryBatches?: number;
  /**
   * Also write one once the journal entries since the last hold this many bytes (default
   * 8 MiB): bounds what open replays into the partitions however large the batches are.
   */
  readonly checkpointEveryBytes?: number;
}

export interface Storage {
  /** The log position the next committed batch gets. */
  readonly nextPosition: bigint;
  /** The timestamp of the last committed batch (0n when none); the next is never earlier. */
  readonly lastTimestampNs: bigint;
  /** What recovery at open did: torn tails truncated, journal entries replayed. */
  readonly recovery: { readonly truncated: readonly RecoveryReport[]; readonly replayed: number };
  /**
   * Commits records of any tenants. Concurrent calls are coalesced into one batch (group
   * commit): one journal entry, one sync. Resolves once the batch is durable.
   * `timestampNs` is stamped by the caller (the runtime); a batch's timestamp never goes back.
   */
  commit(records: readonly CommitRecord[], options: { timestampNs: bigint }): Promise<CommitResult>;
  /** The offset the tenant's partition writes next: its record count (0n when it has none). */
  partitionLength(tenant: number): bigint;
  /** A tenant's records, bounded; `verified` checks CRC and chain from the nearest checkpoint. */
  read(tenant: number, fromOffset: bigint, options: ReadOptions): LogRecord[];
  /** Syncs every partition and the system partition, then records the checkpoint. */
  checkpoint(): void;
  /** The journal, the header chain, every partition, and every batch's Merkle root. */
  verify(options?: { onProgress?: VerifyProgress }): VerifyReport;
  /**
   * `verify` without blocking the event loop for long: gives it a turn every few milliseconds.
   * Nothing may be committed meanwhile (the caller holds writes until it resolves).
   */
  verifyAsync(options?: { onProgress?: VerifyProgress }): Promise<VerifyReport>;
  /** Tenants that have a partition. */
  tenants(): number[];
  close(): Promise<void>;
}
