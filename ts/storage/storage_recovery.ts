/**
 * Storage recovery at open (ARCHITECTURE.md section 3a): after each log's own torn-tail
 * recovery, replay every journal entry after the checkpoint into the tenant partitions and
 * the system partition, idempotently.
 *
 * A journal entry is an unplaced batch-header record followed by the batch's records in batch
 * order (tenants ascending, each tenant's records as committed). Replay walks each partition
 * with a cursor from the checkpoint's offset: records the partition already holds must equal
 * the journal's (else CORRUPTION), the rest are appended. The partitions' own checkpoint
 * records are passed over wherever they fall.
 *
 * An entry whose records stop before the header's count is a batch whose journal write was
 * torn by a crash: never acknowledged, so it is skipped. It can only be the last entry, or be
 * followed by the entry that reused its log position after the restart; anything else is
 * corruption.
 *
 * Invariants after a successful replay: every partition holds exactly the records the
 * checkpoint and the replayed batches account for; the system partition holds one placed
 * header per log position, in order.
 */

import {
  type BatchHeader,
  type BatchTenant,
  decodeBatchHeader,
  encodeBatchHeader,
} from './batch_header.js';
import type { Checkpoint } from './checkpoint_file.js';
import { corruption } from './durable_io.js';
import { RecordKind } from './record.js';
import {
  equalBytes,
  READ_CHUNK_BYTES,
  READ_CHUNK_RECORDS,
  readEntries,
  type StorageLogs,
} from './storage_logs.js';
import type { AppendRecord, LogRecord } from './types.js';

export interface ReplayResult {
  /** Journal entries after the checkpoint that were replayed (complete batches). */
  readonly replayed: number;
  /** Torn journal entries skipped (never acknowledged). */
  readonly abandoned: number;
  readonly nextPosition: bigint;
  /** The timestamp of the last batch (0 for an empty directory). */
  readonly lastTimestampNs: bigint;
}

interface Entry {
  readonly header: BatchHeader;
  readonly journalOffset: bigint;
  readonly records: LogRecord[];
}

interface ReplayState {
  /** Per partition, where the next batch's records are looked for. */
  readonly cursors: Map<number, bigint>;
  systemCursor: bigint;
  nextPosition: bigint;
}

/** A stored record as an input to append again (the log assigns the offset). */
export function appendInput(record: LogRecord): AppendRecord {
  const { header } = record;
  return {
    kind: header.kind,
    flags: header.flags,
    tenant: header.tenant,
    stream: header.stream,
    logPosition: header.logPosition,
    timestampNs: header.timestampNs,
    payload: record.payload,
  };
}

/** Whether two records hold the same content (offsets aside: they live in different logs). */
function sameContent(a: LogRecord, b: LogRecord): boolean {
  const x = a.header;
  const y = b.header;
  return (
    x.kind === y.kind &&
    x.flags === y.flags &&
    x.tenant === y.tenant &&
    x.stream === y.stream &&
    x.logPosition === y.logPosition &&
    x.timestampNs === y.timestampNs &&
    equalBytes(a.payload, b.payload)
  );
}

function checkAgainstCheckpoint(logs: StorageLogs, checkpoint: Checkpoint): void {
  const { journal, system } = logs;
  if (journal.nextOffset < checkpoint.journalNextOffset) {
    throw corruption(
      `journal ends at offset ${journal.nextOffset}, before the checkpoint's ` +
        `${checkpoint.journalNextOffset}: synced journal entries are lost`,
    );
  }
  if (system.nextOffset < checkpoint.system.nextOffset) {
    throw corruption(
      `system partition ends at offset ${system.nextOffset}, before the checkpoint's ` +
        `${checkpoint.system.nextOffset}: synced batch headers are lost`,
    );
  }
  for (const mark of checkpoint.tenants) {
    const log = logs.tenants.get(mark.tenant);
    if (log === undefined || log.nextOffset < mark.nextOffset) {
      throw corruption(
        `tenant ${mark.tenant}'s partition ends at offset ${log?.nextOffset ?? 0n}, before ` +
          `the checkpoint's ${mark.nextOffset}: synced records are lost ` +
          `(${logs.tenantDirectory(mark.tenant)})`,
      );
    }
    // Synced at the checkpoint: unless records were added since, the chain ends where it did.
    if (log.nextOffset === mark.nextOffset && !equalBytes(log.head, mark.head)) {
      throw corruption(
        `tenant ${mark.tenant}'s partition chain head differs from the checkpoint's at offset ` +
          `${mark.nextOffset}: its last record changed (${logs.tenantDirectory(mark.tenant)})`,
      );
    }
  }
}

/** Brings one tenant's partition up to date with one batch; returns where its records lie. */
function replayTenant(
  logs: StorageLogs,
  entry: Entry,
  part: { tenant: number; records: readonly LogRecord[] },
  state: ReplayState,
): BatchTenant {
  const { tenant, records } = part;
  const log = logs.tenant(tenant);
  const cursor = state.cursors.get(tenant) ?? 0n;
  const found = readEntries(log, cursor, records.length);
  found.forEach((stored, i) => {
    const expected = records[i];
    if (expected === undefined || !sameContent(stored, expected)) {
      throw corruption(
        `tenant ${tenant}'s record at offset ${stored.header.offset} differs from the ` +
          `journal's (journal offset ${entry.journalOffset}, log position ` +
          `${entry.header.logPosition}) (${logs.tenantDirectory(tenant)})`,
      );
    }
  });
  let firstOffset = found[0]?.header.offset;
  const last = found[found.length - 1];
  if (found.length < records.length) {
    const result = log.append(records.slice(found.length).map(appendInput), { sync: false });
    firstOffset ??= result.firstOffset;
    state.cursors.set(tenant, log.nextOffset);
  } else if (last !== undefined) {
    state.cursors.set(tenant, last.header.offset + 1n);
  }
  if (firstOffset === undefined) throw corruption('a batch with no records for a tenant');
  return { tenant, count: records.length, firstOffset };
}

function replayEntry(logs: StorageLogs, entry: Entry, state: ReplayState): void {
  const { header } = entry;
  const where = `journal offset ${entry.journalOffset}`;
  if (header.logPosition !== state.nextPosition) {
    throw corruption(
      `${where}: batch at log position ${header.logPosition}, expected ${state.nextPosition}`,
    );
  }
  let at = 0;
  const tenants: BatchTenant[] = [];
  for (const tenant of header.tenants) {
    const records = entry.records.slice(at, at + tenant.count);
    at += tenant.count;
    for (const record of records) {
      const h = record.header;
      if (h.tenant !== tenant.tenant || h.logPosition !== header.logPosition) {
        throw corruption(
          `${where}: record at journal offset ${h.offset} is not tenant ` +
            `${tenant.tenant}'s at log position ${header.logPosition}`,
        );
      }
    }
    tenants.push(replayTenant(logs, entry, { tenant: tenant.tenant, records }, state));
  }
  const placed = encodeBatchHeader({ ...header, placed: true, tenants });
  const { system } = logs;
  const [stored] = readEntries(system, state.systemCursor, 1);
  if (stored === undefined) {
    system.append(
      [
        {
          kind: RecordKind.BatchHeader,
          flags: 0,
          tenant: 0,
          stream: 0,
          logPosition: header.logPosition,
          timestampNs: header.timestampNs,
          payload: placed,
        },
      ],
      { sync: false },
    );
    state.systemCursor = system.nextOffset;
  } else {
    if (stored.header.kind !== RecordKind.BatchHeader || !equalBytes(stored.payload, placed)) {
      throw corruption(
        `${where}: the system partition's header at offset ${stored.header.offset} differs ` +
          `from the batch at log position ${header.logPosition} as replayed`,
      );
    }
    state.systemCursor = stored.header.offset + 1n;
  }
  state.nextPosition = header.logPosition + 1n;
}

/**
 * Replays the journal after `checkpoint` (the whole journal without one). Throws CORRUPTION,
 * naming the log and offset, when the logs disagree in a way no crash can cause.
 */
export function replayJournal(logs: StorageLogs, checkpoint: Checkpoint | undefined): ReplayResult {
  if (checkpoint !== undefined) checkAgainstCheckpoint(logs, checkpoint);
  const state: ReplayState = {
    cursors: new Map((checkpoint?.tenants ?? []).map((mark) => [mark.tenant, mark.nextOffset])),
    systemCursor: checkpoint?.system.nextOffset ?? 0n,
    nextPosition: checkpoint?.nextPosition ?? 0n,
  };
  const { journal } = logs;
  let replayed = 0;
  let abandoned = 0;
  let entry: Entry | undefined;
  let at = checkpoint?.journalNextOffset ?? 0n;
  while (at < journal.nextOffset) {
    const chunk = journal.read(at, { maxRecords: READ_CHUNK_RECORDS, maxBytes: READ_CHUNK_BYTES });
    if (chunk.length === 0) throw corruption(`journal: cannot read the record at offset ${at}`);
    for (const record of chunk) {
      const offset = record.header.offset;
      if (record.header.kind === RecordKind.BatchHeader) {
        const decoded = decodeBatchHeader(record.payload);
        if (!decoded.ok || decoded.header.placed) {
          const reason = decoded.ok ? 'a placed header in the journal' : decoded.reason;
          throw corruption(`journal offset ${offset}: not a journal batch header: ${reason}`);
        }
        if (entry !== undefined) {
          if (decoded.header.logPosition !== entry.header.logPosition) {
            throw corruption(
              `journal offset ${entry.journalOffset}: batch at log position ` +
                `${entry.header.logPosition} is incomplete, yet not the last one written`,
            );
          }
          abandoned += 1;
        }
        entry = { header: decoded.header, journalOffset: offset, records: [] };
      } else if (record.header.kind === RecordKind.Event) {
        if (entry === undefined) {
          throw corruption(`journal offset ${offset}: a record that belongs to no batch`);
        }
        entry.records.push(record);
      }
      if (entry !== undefined && entry.records.length === entry.header.recordCount) {
        replayEntry(logs, entry, state);
        replayed += 1;
        entry = undefined;
      }
    }
    at += BigInt(chunk.length);
  }
  if (entry !== undefined) abandoned += 1;
  checkNothingUnaccounted(logs, state);
  return {
    replayed,
    abandoned,
    nextPosition: state.nextPosition,
    lastTimestampNs: lastTimestamp(logs),
  };
}

/** Partitions may never hold records the journal and checkpoint do not account for. */
function checkNothingUnaccounted(logs: StorageLogs, state: ReplayState): void {
  for (const [tenant, log] of logs.tenants) {
    const [extra] = readEntries(log, state.cursors.get(tenant) ?? 0n, 1);
    if (extra !== undefined) {
      throw corruption(
        `tenant ${tenant}'s partition holds a record at offset ${extra.header.offset} that ` +
          `no journal entry or checkpoint accounts for (${logs.tenantDirectory(tenant)})`,
      );
    }
  }
  const [extra] = readEntries(logs.system, state.systemCursor, 1);
  if (extra !== undefined) {
    throw corruption(
      `the system partition holds a record at offset ${extra.header.offset} that no journal ` +
        'entry or checkpoint accounts for',
    );
  }
}

function lastTimestamp(logs: StorageLogs): bigint {
  const { system } = logs;
  if (system.nextOffset === 0n) return 0n;
  // A log writes its checkpoint records before an append's records, so the last is a header.
  const [last] = readEntries(system, system.nextOffset - 1n, 1);
  return last?.header.timestampNs ?? 0n;
}
