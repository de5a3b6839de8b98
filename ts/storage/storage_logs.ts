/**
 * The set of SegmentLogs one data directory holds (docs/storage-format.md, "Data
 * directory"): the journal, the system partition, and one partition per tenant, opened at
 * start-up when they exist and created on a tenant's first commit. Shared by the storage
 * engine (storage.ts), its recovery (storage_recovery.ts) and its verifier
 * (storage_verify.ts).
 *
 * Invariants: `tenants` holds exactly the open tenant partitions, keyed by tenant id; every
 * log here is open until `closeAll`.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { assert, LIMITS } from '../types/index.js';
import type { Checkpoint } from './checkpoint_file.js';
import { syncDirectory } from './durable_io.js';
import { RecordKind } from './record.js';
import { openSegmentLog } from './segment_log.js';
import type {
  LogRecord,
  SegmentLog,
  SegmentLogOptions,
  StorageBackends,
  StorageOptions,
} from './types.js';

export const JOURNAL_DIRECTORY = 'journal';
export const SYSTEM_DIRECTORY = 'system';
export const TENANTS_DIRECTORY = 'tenants';
/** A chunk of a sequential read: bounded so a walk over a huge log stays in memory limits. */
export const READ_CHUNK_RECORDS = 4096;
export const READ_CHUNK_BYTES = 64 * 1024 * 1024;

export interface StorageLogs {
  readonly directory: string;
  readonly backends: StorageBackends;
  readonly journal: SegmentLog;
  readonly system: SegmentLog;
  readonly tenants: Map<number, SegmentLog>;
  /** The tenant's partition, created (directory and first segment) when it has none. */
  tenant(tenant: number): SegmentLog;
  /** The directory of a tenant's partition. */
  tenantDirectory(tenant: number): string;
  closeAll(): void;
}

/** Tenant ids that have a partition directory under `<dir>/tenants/`. */
function tenantIds(directory: string): number[] {
  let names: string[];
  try {
    names = readdirSync(join(directory, TENANTS_DIRECTORY));
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return [];
    throw error;
  }
  const ids: number[] = [];
  for (const name of names) {
    // Only canonical decimal names are partitions; anything else is not ours to touch.
    if (!/^[1-9][0-9]{0,9}$/.test(name)) continue;
    const id = Number(name);
    if (id <= LIMITS.idMax) ids.push(id);
  }
  return ids.sort((a, b) => a - b);
}

/** Where the last storage checkpoint left each log (by log name): see `SegmentLogOptions`. */
export type TrustedPrefixes = ReadonlyMap<string, NonNullable<SegmentLogOptions['trusted']>>;

/**
 * The trusted prefixes a checkpoint gives: the journal to its next offset, the system and
 * tenant partitions to theirs, with their chain heads.
 */
export function trustedPrefixes(checkpoint: Checkpoint | undefined): TrustedPrefixes {
  const prefixes = new Map<string, NonNullable<SegmentLogOptions['trusted']>>();
  if (checkpoint === undefined) return prefixes;
  prefixes.set('journal', { offset: checkpoint.journalNextOffset });
  prefixes.set('system', { offset: checkpoint.system.nextOffset, head: checkpoint.system.head });
  for (const mark of checkpoint.tenants) {
    prefixes.set(`tenant ${mark.tenant}`, { offset: mark.nextOffset, head: mark.head });
  }
  return prefixes;
}

export function openStorageLogs(
  backends: StorageBackends,
  options: StorageOptions,
  trusted: TrustedPrefixes = new Map(),
): StorageLogs {
  const { directory } = options;
  const logOptions = (path: string, name: string, create: boolean): SegmentLogOptions => {
    const prefix = trusted.get(name);
    return {
      directory: path,
      name,
      create,
      ...(prefix === undefined ? {} : { trusted: prefix }),
      ...(options.segmentSizeBytes === undefined
        ? {}
        : { segmentSizeBytes: options.segmentSizeBytes }),
      ...(options.checkpointEveryRecords === undefined
        ? {}
        : { checkpointEveryRecords: options.checkpointEveryRecords }),
    };
  };
  // Only the journal is synced per batch; partitions and the system partition are synced at
  // checkpoints, so they write through the page cache when a buffered backend is given (an
  // O_DIRECT write waits for the device even unsynced: three device round trips per batch).
  const buffered =
    backends.bufferedSegmentIo === undefined
      ? backends
      : { ...backends, segmentIo: backends.bufferedSegmentIo };
  const open = (path: string, name: string, create: boolean): SegmentLog => {
    const logBackends = name === 'journal' ? backends : buffered;
    if (!create) return openSegmentLog(logBackends, logOptions(path, name, create));
    const made = mkdirSync(path, { recursive: true });
    const log = openSegmentLog(logBackends, logOptions(path, name, create));
    // A new log's directory entries must survive a power cut once a checkpoint names it:
    // fsync every directory that gained an entry, from the log's parent up to the topmost.
    if (made !== undefined) {
      for (let at = path; at !== dirname(made); at = dirname(at)) syncDirectory(dirname(at));
    }
    return log;
  };
  const opened: SegmentLog[] = [];
  try {
    const journal = open(join(directory, JOURNAL_DIRECTORY), 'journal', options.create);
    opened.push(journal);
    const system = open(join(directory, SYSTEM_DIRECTORY), 'system', options.create);
    opened.push(system);
    const tenants = new Map<number, SegmentLog>();
    const tenantDirectory = (tenant: number): string =>
      join(directory, TENANTS_DIRECTORY, String(tenant));
    for (const id of tenantIds(directory)) {
      const log = open(tenantDirectory(id), `tenant ${id}`, false);
      opened.push(log);
      tenants.set(id, log);
    }
    return {
      directory,
      backends,
      journal,
      system,
      tenants,
      tenantDirectory,
      tenant(tenant: number): SegmentLog {
        assert(Number.isInteger(tenant) && tenant >= 1 && tenant <= LIMITS.idMax, 'tenant id');
        const existing = tenants.get(tenant);
        if (existing !== undefined) return existing;
        const log = open(tenantDirectory(tenant), `tenant ${tenant}`, true);
        tenants.set(tenant, log);
        return log;
      },
      closeAll(): void {
        closeLogs([journal, system, ...tenants.values()]);
      },
    };
  } catch (error) {
    closeLogs(opened);
    throw error;
  }
}

/** Closes every log, even when one fails to close; rethrows the first failure. */
function closeLogs(logs: readonly SegmentLog[]): void {
  let first: unknown;
  for (const log of logs) {
    try {
      log.close();
    } catch (error) {
      first ??= error;
    }
  }
  if (first !== undefined) throw first;
}

/**
 * Records `[from, from + count)` of `log`, read in bounded chunks; fewer when the log ends
 * first (the caller decides whether that is an error).
 */
export function readRange(log: SegmentLog, from: bigint, count: number): LogRecord[] {
  const out: LogRecord[] = [];
  let at = from;
  while (out.length < count && at < log.nextOffset) {
    const chunk = log.read(at, {
      maxRecords: Math.min(count - out.length, READ_CHUNK_RECORDS),
      maxBytes: READ_CHUNK_BYTES,
    });
    if (chunk.length === 0) break;
    for (const record of chunk) out.push(record);
    at += BigInt(chunk.length);
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Up to `count` records from `from` on, passing over the log's own checkpoint records (they
 * take offsets of their own, segment_log.ts); fewer when the log ends first.
 */
export function readEntries(log: SegmentLog, from: bigint, count: number): LogRecord[] {
  const out: LogRecord[] = [];
  let at = from;
  while (out.length < count && at < log.nextOffset) {
    const chunk = log.read(at, {
      // One more than needed per checkpoint record that may lie among them.
      maxRecords: Math.min(count - out.length + 2, READ_CHUNK_RECORDS),
      maxBytes: READ_CHUNK_BYTES,
    });
    if (chunk.length === 0) break;
    for (const record of chunk) {
      if (out.length === count) break;
      if (record.header.kind !== RecordKind.Checkpoint) out.push(record);
    }
    at += BigInt(chunk.length);
  }
  return out;
}

/** The segment file of `directory` that holds `offset` (for reports), or the directory. */
export function segmentOf(directory: string, offset: bigint): string {
  let best: string | undefined;
  let bestFirst = -1n;
  let names: string[] = [];
  try {
    names = readdirSync(directory);
  } catch {
    return directory;
  }
  for (const name of names) {
    const match = /^(\d{20})\.segment$/.exec(name);
    if (match?.[1] === undefined) continue;
    const first = BigInt(match[1]);
    if (first <= offset && first > bestFirst) {
      bestFirst = first;
      best = name;
    }
  }
  return best === undefined ? directory : join(directory, best);
}
