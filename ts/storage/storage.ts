/**
 * The storage engine: a data directory holding the journal, the system partition and one
 * partition per tenant, committing batches across tenants with one sync (ARCHITECTURE.md
 * section 3a; the `Storage` interface in types.ts; layout in docs/storage-format.md,
 * "Data directory").
 *
 * A commit goes through the group committer (group_commit.ts). One flush, for every commit
 * that arrived together:
 *   1. stamp the batch: the next log position, a timestamp that never goes back;
 *   2. order its records (tenants ascending, each tenant's as committed) and compute the
 *      Merkle root over their leaf hashes (batch_header.ts `batchLeafHashes`);
 *   3. append ONE journal entry, the unplaced header record then the records, synced: from
 *      here the batch is durable;
 *   4. apply: append each tenant's records to its partition and the placed header to the
 *      system partition, unsynced (checkpoints sync them);
 *   5. resolve the commits with their offsets; every `checkpointEveryBatches` batches, sync
 *      the partitions and write CHECKPOINT.
 *
 * Failure: an error in step 3 or 4 fails the batch and every later one (pipelining rule) and
 * leaves the storage unusable until reopened; recovery then replays from the journal. After
 * a step-4 error the batch is durable though its callers saw an error (an ambiguous outcome,
 * which the runtime's idempotency table resolves on retry).
 *
 * Invariants: `nextPosition` is one past the last batch in the journal and in the system
 * partition; `lastTimestampNs` never decreases; only one flush or checkpoint runs at a time
 * (both are synchronous, on the event loop).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { assert, ErrorCode, KimberliteError, LIMITS } from '../types/index.js';
import { type BatchTenant, batchLeafHashes, encodeBatchHeader } from './batch_header.js';
import { type Checkpoint, readCheckpoint, writeCheckpoint } from './checkpoint_file.js';
import { createGroupCommitter, type GroupCommitter } from './group_commit.js';
import { acquireDirectoryLock, type DirectoryLock } from './lock.js';
import { merkleRoot } from './merkle.js';
import { RECORD_HEADER_BYTES, RecordFlag, RecordKind } from './record.js';
import { finishStepsAsync } from './segment_verify.js';
import { openStorageLogs, type StorageLogs, trustedPrefixes } from './storage_logs.js';
import { replayJournal } from './storage_recovery.js';
import { verifyStorage, verifyStorageSteps } from './storage_verify.js';
import type {
  AppendRecord,
  CommitRecord,
  CommitResult,
  LogRecord,
  ReadOptions,
  RecoveryReport,
  Storage,
  StorageBackends,
  StorageOptions,
  VerifyProgress,
  VerifyReport,
} from './types.js';

/** Batches between storage checkpoints: bounds replay at open to this many journal entries. */
export const CHECKPOINT_EVERY_BATCHES_DEFAULT = 64;
/**
 * Journal bytes between storage checkpoints: with few, large batches (1,000-row inserts) the
 * batch count alone let open re-read and compare the whole journal against the partitions.
 */
export const CHECKPOINT_EVERY_BYTES_DEFAULT = 8 * 1024 * 1024;
/** The header record's fixed size and per-tenant size, for batch limits. */
const HEADER_RECORD_BYTES_MAX = RECORD_HEADER_BYTES + 64;
const HEADER_TENANT_BYTES = 16;

interface Commit {
  readonly records: readonly CommitRecord[];
  readonly timestampNs: bigint;
  /** Journal bytes the records take (headers and payloads). */
  readonly bytes: number;
}

function invalid(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.InvalidArgument, message);
}

function limitError(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.LimitExceeded, message);
}

const FLAGS_KNOWN = RecordFlag.Encrypted | RecordFlag.Compressed;

/** Checks one commit against the record and batch limits; returns its journal bytes. */
function checkCommit(records: readonly CommitRecord[], timestampNs: bigint): number {
  if (records.length === 0) throw invalid('commit: no records');
  if (timestampNs < 0n || timestampNs > LIMITS.positionMax) {
    throw invalid(`commit: timestamp ${timestampNs} is out of range`);
  }
  // The journal entry holds a header record (one tenant entry per record at most) as well.
  if (records.length > LIMITS.batchRecordsMax - 1) {
    throw limitError(
      `commit: ${records.length} records; the limit is ${LIMITS.batchRecordsMax - 1} ` +
        '(LIMITS.batchRecordsMax, less the batch header)',
    );
  }
  let bytes = 0;
  records.forEach((record, i) => {
    const { tenant, stream, flags, payload } = record;
    if (!Number.isInteger(tenant) || tenant < 1 || tenant > LIMITS.idMax) {
      throw invalid(`commit: record ${i}: tenant must be from 1 to ${LIMITS.idMax}, got ${tenant}`);
    }
    if (!Number.isInteger(stream) || stream < 0 || stream > LIMITS.idMax) {
      throw invalid(`commit: record ${i}: stream must be a u32, got ${stream}`);
    }
    if (!Number.isInteger(flags) || (flags & ~FLAGS_KNOWN) !== 0) {
      throw invalid(`commit: record ${i}: unknown flags ${flags}`);
    }
    if (payload.length > LIMITS.recordSizeBytesMax) {
      throw limitError(
        `commit: record ${i}: the payload is ${payload.length} bytes; the limit is ` +
          `${LIMITS.recordSizeBytesMax} (LIMITS.recordSizeBytesMax)`,
      );
    }
    bytes += RECORD_HEADER_BYTES + payload.length;
  });
  const entryBytes = bytes + HEADER_RECORD_BYTES_MAX + records.length * HEADER_TENANT_BYTES;
  if (entryBytes > LIMITS.batchSizeBytesMax) {
    throw limitError(
      `commit: ${entryBytes} bytes with the batch header; the limit is ` +
        `${LIMITS.batchSizeBytesMax} (LIMITS.batchSizeBytesMax)`,
    );
  }
  return bytes;
}

/** Admits commits into a batch while its journal entry stays within the batch limits. */
function admitCommits(): (next: Commit) => boolean {
  let records = 0;
  let bytes = 0;
  return (next) => {
    records += next.records.length;
    bytes += next.bytes;
    const entryBytes = bytes + HEADER_RECORD_BYTES_MAX + records * HEADER_TENANT_BYTES;
    return records <= LIMITS.batchRecordsMax - 1 && entryBytes <= LIMITS.batchSizeBytesMax;
  };
}

class DataDirectory implements Storage {
  readonly recovery: { readonly truncated: readonly RecoveryReport[]; readonly replayed: number };
  private readonly logs: StorageLogs;
  private readonly lock: DirectoryLock;
  private readonly checkpointEveryBatches: number;
  private readonly checkpointEveryBytes: number;
  private readonly committer: GroupCommitter<Commit, CommitResult>;
  /** Invariant: one past the last batch's position in the journal and system partition. */
  private position: bigint;
  /** Invariant: never decreases. */
  private timestampNs: bigint;
  private checkpointSequence: bigint;
  private batchesSinceCheckpoint = 0;
  /** Journal bytes (records' headers and payloads) appended since the last checkpoint. */
  private bytesSinceCheckpoint = 0;
  private closed = false;

  constructor(
    parts: { logs: StorageLogs; lock: DirectoryLock; checkpoint: Checkpoint | undefined },
    options: StorageOptions,
  ) {
    this.logs = parts.logs;
    this.lock = parts.lock;
    const every = options.checkpointEveryBatches ?? CHECKPOINT_EVERY_BATCHES_DEFAULT;
    if (!Number.isSafeInteger(every) || every < 1) {
      throw invalid(`checkpointEveryBatches must be a positive integer, got ${every}`);
    }
    this.checkpointEveryBatches = every;
    const everyBytes = options.checkpointEveryBytes ?? CHECKPOINT_EVERY_BYTES_DEFAULT;
    if (!Number.isSafeInteger(everyBytes) || everyBytes < 1) {
      throw invalid(`checkpointEveryBytes must be a positive integer, got ${everyBytes}`);
    }
    this.checkpointEveryBytes = everyBytes;
    const { logs } = this;
    const truncated = [logs.journal, logs.system, ...logs.tenants.values()]
      .map((log) => log.recovery)
      .filter((report): report is RecoveryReport => report !== undefined);
    const replay = replayJournal(logs, parts.checkpoint);
    this.recovery = { truncated, replayed: replay.replayed };
    this.position = replay.nextPosition;
    this.timestampNs = replay.lastTimestampNs;
    this.checkpointSequence = parts.checkpoint?.sequence ?? 0n;
    this.committer = createGroupCommitter<Commit, CommitResult>({
      name: `storage ${logs.directory}`,
      flush: (commits) => this.flush(commits),
      admit: admitCommits,
    });
    // Replayed batches are in the partitions unsynced: anchor them before accepting writes.
    if (replay.replayed > 0) this.writeCheckpoint();
  }

  get nextPosition(): bigint {
    return this.position;
  }

  get lastTimestampNs(): bigint {
    return this.timestampNs;
  }

  commit(
    records: readonly CommitRecord[],
    options: { timestampNs: bigint },
  ): Promise<CommitResult> {
    if (this.closed) return Promise.reject(invalid(`storage ${this.logs.directory} is closed`));
    let bytes: number;
    try {
      bytes = checkCommit(records, options.timestampNs);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.committer.submit({ records, timestampNs: options.timestampNs, bytes });
  }

  /** Steps 1 to 5 of the file header for one batch of commits. */
  private flush(commits: readonly Commit[]): CommitResult[] {
    const position = this.position;
    let timestampNs = this.timestampNs;
    for (const commit of commits)
      if (commit.timestampNs > timestampNs) timestampNs = commit.timestampNs;
    // Batch order: tenants ascending, each tenant's records in commit order.
    const byTenant = new Map<number, { commit: number; index: number }[]>();
    commits.forEach((commit, c) => {
      commit.records.forEach((record, index) => {
        const list = byTenant.get(record.tenant) ?? [];
        list.push({ commit: c, index });
        byTenant.set(record.tenant, list);
      });
    });
    const tenants = [...byTenant.keys()].sort((a, b) => a - b);
    const records: AppendRecord[] = [];
    for (const tenant of tenants) {
      for (const { commit, index } of byTenant.get(tenant) ?? []) {
        const record = commits[commit]?.records[index];
        assert(record !== undefined, 'batch order refers to a committed record');
        records.push({
          kind: RecordKind.Event,
          flags: record.flags,
          tenant,
          stream: record.stream,
          logPosition: position,
          timestampNs,
          payload: record.payload,
        });
      }
    }
    const sha256 = this.logs.backends.sha256;
    const root = merkleRoot(sha256, batchLeafHashes(sha256, records));
    const header = {
      logPosition: position,
      timestampNs,
      recordCount: records.length,
      merkleRoot: root,
    };
    const unplaced = tenants.map((tenant) => ({
      tenant,
      count: byTenant.get(tenant)?.length ?? 0,
      firstOffset: 0n,
    }));
    const headerRecord = (payload: Uint8Array): AppendRecord => ({
      kind: RecordKind.BatchHeader,
      flags: 0,
      tenant: 0,
      stream: 0,
      logPosition: position,
      timestampNs,
      payload,
    });
    const journalHeader = encodeBatchHeader({ ...header, placed: false, tenants: unplaced });
    this.logs.journal.append([headerRecord(journalHeader), ...records], { sync: true });
    // Durable from here. Apply to the partitions.
    const placed: BatchTenant[] = [];
    const offsets = commits.map((commit) => new Array<bigint>(commit.records.length).fill(-1n));
    let at = 0;
    for (const entry of unplaced) {
      const part = records.slice(at, at + entry.count);
      const result = this.logs.tenant(entry.tenant).append(part, { sync: false });
      (byTenant.get(entry.tenant) ?? []).forEach(({ commit, index }, i) => {
        const list = offsets[commit];
        assert(list !== undefined, 'offsets per commit');
        list[index] = result.firstOffset + BigInt(i);
      });
      placed.push({ ...entry, firstOffset: result.firstOffset });
      at += entry.count;
    }
    const systemHeader = encodeBatchHeader({ ...header, placed: true, tenants: placed });
    this.logs.system.append([headerRecord(systemHeader)], { sync: false });
    this.position = position + 1n;
    this.timestampNs = timestampNs;
    this.batchesSinceCheckpoint += 1;
    for (const commit of commits) this.bytesSinceCheckpoint += commit.bytes;
    if (
      this.batchesSinceCheckpoint >= this.checkpointEveryBatches ||
      this.bytesSinceCheckpoint >= this.checkpointEveryBytes
    ) {
      this.writeCheckpoint();
    }
    return offsets.map((list) => ({ logPosition: position, offsets: list }));
  }

  /** The offset the tenant's partition writes next: its record count (0n when it has none). */
  partitionLength(tenant: number): bigint {
    return this.logs.tenants.get(tenant)?.nextOffset ?? 0n;
  }

  read(tenant: number, fromOffset: bigint, options: ReadOptions): LogRecord[] {
    if (!Number.isInteger(tenant) || tenant < 1 || tenant > LIMITS.idMax) {
      throw invalid(`read: tenant must be from 1 to ${LIMITS.idMax}, got ${tenant}`);
    }
    const log = this.logs.tenants.get(tenant);
    return log === undefined ? [] : log.read(fromOffset, options);
  }

  checkpoint(): void {
    if (this.closed) throw invalid(`storage ${this.logs.directory} is closed`);
    this.writeCheckpoint();
  }

  private writeCheckpoint(): void {
    const { logs } = this;
    const tenants = [...logs.tenants.entries()].sort(([a], [b]) => a - b);
    for (const [, log] of tenants) log.sync();
    logs.system.sync();
    this.checkpointSequence += 1n;
    writeCheckpoint(logs.directory, {
      crc32c: logs.backends.crc32c,
      checkpoint: {
        sequence: this.checkpointSequence,
        nextPosition: this.position,
        journalNextOffset: logs.journal.nextOffset,
        system: { nextOffset: logs.system.nextOffset, head: logs.system.head },
        tenants: tenants.map(([tenant, log]) => ({
          tenant,
          nextOffset: log.nextOffset,
          head: log.head,
        })),
      },
    });
    this.batchesSinceCheckpoint = 0;
    this.bytesSinceCheckpoint = 0;
  }

  verify(options?: { onProgress?: VerifyProgress }): VerifyReport {
    return verifyStorage(this.logs, options);
  }

  verifyAsync(options?: { onProgress?: VerifyProgress }): Promise<VerifyReport> {
    return finishStepsAsync(verifyStorageSteps(this.logs, options));
  }

  tenants(): number[] {
    return [...this.logs.tenants.keys()].sort((a, b) => a - b);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.committer.drain();
    try {
      try {
        // After a failed batch the partitions may be behind the journal: replay repairs that.
        if (this.committer.failure === undefined) this.writeCheckpoint();
      } finally {
        this.logs.closeAll();
      }
    } finally {
      this.lock.release();
    }
  }
}

/**
 * Opens (with `create`, creates) the data directory `options.directory`: locks it, opens its
 * logs (each truncating its own torn tail), replays the journal after the last checkpoint.
 *
 * @example
 * const storage = await openStorage(backends, { directory: 'data', create: true });
 * const { logPosition, offsets } = await storage.commit(
 *   [{ tenant: 7, stream: 1, flags: 0, payload }], { timestampNs: 1_763_000_000_000_000_000n });
 * await storage.close();
 */
export async function openStorage(
  backends: StorageBackends,
  options: StorageOptions,
): Promise<Storage> {
  const { directory } = options;
  if (options.create) {
    mkdirSync(directory, { recursive: true });
  } else if (!existsSync(directory)) {
    throw invalid(`data directory ${directory} does not exist (open it with create to make it)`);
  }
  const lock = acquireDirectoryLock(directory);
  let logs: StorageLogs | undefined;
  try {
    const { checkpoint } = readCheckpoint(directory, { crc32c: backends.crc32c });
    logs = openStorageLogs(backends, options, trustedPrefixes(checkpoint));
    return new DataDirectory({ logs, lock, checkpoint }, options);
  } catch (error) {
    try {
      logs?.closeAll();
    } finally {
      lock.release();
    }
    throw error;
  }
}
