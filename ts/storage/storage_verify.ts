/**
 * Verify for a whole data directory (ARCHITECTURE.md section 3a): the journal's chain, the
 * system partition's header chain, every tenant partition's chain, then the cross-check: for
 * each batch header in the system partition, the records its tenants' partitions hold at the
 * offsets it names must give its Merkle root, and every partition record must belong to
 * exactly one batch. Returns the first failure.
 *
 * Cross-check failures name the record's log, segment file and offset; their `positionBytes`
 * is -1, because the record itself passed its CRC and chain checks and the fault lies in
 * what it holds relative to another log.
 */
import { join } from 'node:path';
import { batchLeafHashes, decodeBatchHeader } from './batch_header.js';
import { merkleRoot } from './merkle.js';
import { RecordKind } from './record.js';
import { finishSteps, VerifyBuffers, type VerifySteps } from './segment_verify.js';
import {
  equalBytes,
  READ_CHUNK_BYTES,
  READ_CHUNK_RECORDS,
  readEntries,
  type StorageLogs,
  SYSTEM_DIRECTORY,
  segmentOf,
} from './storage_logs.js';
import { appendInput } from './storage_recovery.js';
import type { AppendRecord, LogRecord, SegmentLog, VerifyProgress, VerifyReport } from './types.js';

type Failure = Extract<VerifyReport, { ok: false }>;

function failure(
  where: { log: string; directory: string; offset: bigint },
  kind: Failure['failure'],
  message: string,
): Failure {
  return {
    ok: false,
    location: {
      log: where.log,
      segment: segmentOf(where.directory, where.offset),
      positionBytes: -1,
      offset: where.offset,
    },
    failure: kind,
    message,
  };
}

/** Checks one batch header against the partitions; advances the tenants' cursors. */
function checkBatch(
  logs: StorageLogs,
  record: LogRecord,
  state: { cursors: Map<number, bigint>; position: bigint },
): Failure | undefined {
  const systemWhere = {
    log: 'system',
    directory: join(logs.directory, SYSTEM_DIRECTORY),
    offset: record.header.offset,
  };
  const decoded = decodeBatchHeader(record.payload);
  if (!decoded.ok || !decoded.header.placed || decoded.header.logPosition !== state.position) {
    const reason = decoded.ok
      ? `log position ${decoded.header.logPosition}, expected ${state.position} (placed)`
      : decoded.reason;
    return failure(
      systemWhere,
      'malformed',
      `batch header at offset ${record.header.offset}: ${reason}`,
    );
  }
  const { header } = decoded;
  const leaves: AppendRecord[] = [];
  for (const entry of header.tenants) {
    const log = logs.tenants.get(entry.tenant);
    const where = {
      log: `tenant ${entry.tenant}`,
      directory: logs.tenantDirectory(entry.tenant),
      offset: entry.firstOffset,
    };
    const batch = `batch at log position ${header.logPosition}`;
    if (log === undefined) {
      return failure(where, 'missing', `${batch}: tenant ${entry.tenant} has no partition`);
    }
    const found = readEntries(log, state.cursors.get(entry.tenant) ?? 0n, entry.count);
    const first = found[0]?.header.offset;
    if (first !== undefined && first < entry.firstOffset) {
      return failure(
        { ...where, offset: first },
        'missing',
        `tenant ${entry.tenant}'s record at offset ${first} belongs to no batch`,
      );
    }
    if (found.length < entry.count || first !== entry.firstOffset) {
      const offset = entry.firstOffset + BigInt(found.length);
      return failure(
        { ...where, offset },
        'missing',
        `${batch}: tenant ${entry.tenant} should hold ${entry.count} records from offset ` +
          `${entry.firstOffset}; the record at ${offset} is missing`,
      );
    }
    for (const stored of found) {
      const h = stored.header;
      if (h.kind !== RecordKind.Event || h.logPosition !== header.logPosition) {
        return failure(
          { ...where, offset: h.offset },
          'merkle',
          `${batch}: tenant ${entry.tenant}'s record at offset ${h.offset} is not part of it`,
        );
      }
      leaves.push(appendInput(stored));
    }
    const last = found[found.length - 1];
    if (last !== undefined) state.cursors.set(entry.tenant, last.header.offset + 1n);
  }
  const root = merkleRoot(logs.backends.sha256, batchLeafHashes(logs.backends.sha256, leaves));
  if (!equalBytes(root, header.merkleRoot)) {
    const tenants = header.tenants.map((entry) => entry.tenant).join(', ');
    return failure(
      systemWhere,
      'merkle',
      `batch at log position ${header.logPosition}: its Merkle root does not match the ` +
        `records in the partitions of tenants ${tenants}`,
    );
  }
  state.position += 1n;
  return undefined;
}

function* verifyMerkle(
  logs: StorageLogs,
  progress: (done: bigint) => void,
): Generator<void, Failure | undefined, void> {
  const state = { cursors: new Map<number, bigint>(), position: 0n };
  const { system } = logs;
  let at = 0n;
  while (at < system.nextOffset) {
    const chunk = system.read(at, { maxRecords: READ_CHUNK_RECORDS, maxBytes: READ_CHUNK_BYTES });
    if (chunk.length === 0) break;
    for (const record of chunk) {
      if (record.header.kind === RecordKind.Checkpoint) continue;
      const failed = checkBatch(logs, record, state);
      if (failed !== undefined) return failed;
      yield;
    }
    at += BigInt(chunk.length);
    progress(BigInt(chunk.length));
    yield;
  }
  for (const [tenant, log] of logs.tenants) {
    const [extra] = readEntries(log, state.cursors.get(tenant) ?? 0n, 1);
    if (extra !== undefined) {
      return failure(
        {
          log: `tenant ${tenant}`,
          directory: logs.tenantDirectory(tenant),
          offset: extra.header.offset,
        },
        'missing',
        `tenant ${tenant}'s record at offset ${extra.header.offset} belongs to no batch ` +
          'header in the system partition',
      );
    }
  }
  return undefined;
}

/** Verifies every log of the directory and the batches across them; see the file header. */
export function verifyStorage(
  logs: StorageLogs,
  options?: { onProgress?: VerifyProgress },
): VerifyReport {
  return finishSteps(verifyStorageSteps(logs, options));
}

/** `verifyStorage` as a generator that yields between bounded pieces of work. */
export function* verifyStorageSteps(
  logs: StorageLogs,
  options?: { onProgress?: VerifyProgress },
): VerifySteps {
  // One set of read buffers for every log: the prefix buffer is allocated once, not per log.
  const buffers = new VerifyBuffers(logs.backends.segmentIo);
  const ordered: SegmentLog[] = [
    logs.journal,
    logs.system,
    ...[...logs.tenants.entries()].sort(([a], [b]) => a - b).map(([, log]) => log),
  ];
  let total = logs.system.nextOffset;
  for (const log of ordered) total += log.nextOffset;
  let done = 0n;
  const onProgress = options?.onProgress;
  let records = 0n;
  for (const log of ordered) {
    const base = done;
    const report = yield* log.verifySteps(
      onProgress === undefined
        ? { buffers }
        : { buffers, onProgress: (d) => onProgress(base + d, total) },
    );
    if (!report.ok) return report;
    records += report.records;
    done = base + log.nextOffset;
    onProgress?.(done, total);
  }
  const failed = yield* verifyMerkle(logs, (step) => {
    done += step;
    onProgress?.(done, total);
  });
  if (failed !== undefined) return failed;
  return { ok: true, records, head: logs.system.head };
}
