/**
 * The storage checkpoint file (`<dir>/CHECKPOINT`, docs/storage-format.md "Data directory"):
 * what the partitions held when they were last synced, so recovery replays only the journal
 * entries after it (ARCHITECTURE.md section 3a).
 *
 * Written atomically: a temporary file is written and fsynced, the current CHECKPOINT is
 * renamed to CHECKPOINT.previous, the temporary file is renamed to CHECKPOINT, and the
 * directory is fsynced. A crash at any step leaves at least one complete checkpoint (the
 * renames are atomic); a checkpoint damaged later (bit rot) fails its CRC, and the reader then
 * falls back to the other file. Falling back is safe because replay is idempotent and the
 * journal keeps every entry after the older checkpoint (journal release, when it comes, must
 * keep entries back to the previous checkpoint).
 *
 * Invariants: a file's sequence number is one more than the one it replaced; `tenants` are
 * ascending by id; the CRC covers every byte of the file with its own field as zero.
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Crc32c } from '../crypto/index.js';
import { assert, CRYPTO, ErrorCode, KimberliteError, LIMITS } from '../types/index.js';
import { corruption, syncDirectory } from './durable_io.js';

export const CHECKPOINT_FILE_NAME = 'CHECKPOINT';
export const CHECKPOINT_PREVIOUS_FILE_NAME = 'CHECKPOINT.previous';
const CHECKPOINT_TEMPORARY_FILE_NAME = 'CHECKPOINT.tmp';
/** `KCKP` read as a little-endian u32. */
export const CHECKPOINT_MAGIC = 0x504b434b;
export const CHECKPOINT_VERSION = 1;
const FIXED_BYTES = 80;
const TENANT_BYTES = 48;
const HASH_BYTES = CRYPTO.sha256DigestBytes;
/** Tenants one checkpoint can list; past it the file would pass 48 MiB. */
const TENANTS_MAX = 1_000_000;

/** A partition's durable state: its next offset and its chain head. */
export interface PartitionMark {
  readonly nextOffset: bigint;
  readonly head: Uint8Array;
}

export interface Checkpoint {
  /** Counts checkpoints written to this directory, from 1. */
  readonly sequence: bigint;
  /** The log position the next batch gets: every batch before it is in the partitions. */
  readonly nextPosition: bigint;
  /** The journal's next offset when the checkpoint was taken: replay starts here. */
  readonly journalNextOffset: bigint;
  readonly system: PartitionMark;
  /** Ascending by tenant id. */
  readonly tenants: readonly (PartitionMark & { readonly tenant: number })[];
}

/** Encodes a checkpoint (layout in docs/storage-format.md). */
export function encodeCheckpoint(crc32c: Crc32c, checkpoint: Checkpoint): Uint8Array {
  const { tenants } = checkpoint;
  assert(tenants.length <= TENANTS_MAX, 'too many tenants for one checkpoint');
  const bytes = new Uint8Array(FIXED_BYTES + tenants.length * TENANT_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, CHECKPOINT_MAGIC, true);
  view.setUint16(4, CHECKPOINT_VERSION, true);
  view.setUint32(8, tenants.length, true);
  view.setBigUint64(16, checkpoint.sequence, true);
  view.setBigUint64(24, checkpoint.nextPosition, true);
  view.setBigUint64(32, checkpoint.journalNextOffset, true);
  view.setBigUint64(40, checkpoint.system.nextOffset, true);
  assert(checkpoint.system.head.length === HASH_BYTES, 'a head is 32 bytes');
  bytes.set(checkpoint.system.head, 48);
  let previous = 0;
  tenants.forEach((entry, i) => {
    assert(entry.tenant > previous && entry.tenant <= LIMITS.idMax, 'tenants ascending');
    assert(entry.head.length === HASH_BYTES, 'a head is 32 bytes');
    previous = entry.tenant;
    const at = FIXED_BYTES + i * TENANT_BYTES;
    view.setUint32(at, entry.tenant, true);
    view.setBigUint64(at + 8, entry.nextOffset, true);
    bytes.set(entry.head, at + 16);
  });
  view.setUint32(12, crc32c.compute(bytes), true);
  return bytes;
}

/** Decodes a checkpoint file's bytes; the reason when they are not a valid checkpoint. */
export function decodeCheckpoint(
  crc32c: Crc32c,
  bytes: Uint8Array,
): { ok: true; checkpoint: Checkpoint } | { ok: false; reason: string } {
  const bad = (reason: string) => ({ ok: false as const, reason });
  if (bytes.length < FIXED_BYTES) return bad(`${bytes.length} bytes is too short`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== CHECKPOINT_MAGIC) return bad('bad magic');
  const count = view.getUint32(8, true);
  if (count > TENANTS_MAX || bytes.length !== FIXED_BYTES + count * TENANT_BYTES) {
    return bad(`${bytes.length} bytes for ${count} tenants`);
  }
  const stored = view.getUint32(12, true);
  const zeroed = bytes.slice();
  zeroed.fill(0, 12, 16);
  if (crc32c.compute(zeroed) !== stored) return bad('CRC-32C mismatch');
  const version = view.getUint16(4, true);
  if (version !== CHECKPOINT_VERSION) return bad(`version ${version}; this reader knows 1`);
  const tenants: (PartitionMark & { tenant: number })[] = [];
  for (let i = 0; i < count; i++) {
    const at = FIXED_BYTES + i * TENANT_BYTES;
    tenants.push({
      tenant: view.getUint32(at, true),
      nextOffset: view.getBigUint64(at + 8, true),
      head: bytes.slice(at + 16, at + 16 + HASH_BYTES),
    });
  }
  return {
    ok: true,
    checkpoint: {
      sequence: view.getBigUint64(16, true),
      nextPosition: view.getBigUint64(24, true),
      journalNextOffset: view.getBigUint64(32, true),
      system: { nextOffset: view.getBigUint64(40, true), head: bytes.slice(48, 80) },
      tenants,
    },
  };
}

function ioError(message: string, cause: unknown): KimberliteError {
  return new KimberliteError(ErrorCode.IoError, message, { cause });
}

/**
 * Replaces the directory's checkpoint atomically and durably (see the file header).
 *
 * @example
 * writeCheckpoint(directory, { crc32c, checkpoint });
 */
export function writeCheckpoint(
  directory: string,
  options: { crc32c: Crc32c; checkpoint: Checkpoint },
): void {
  const bytes = encodeCheckpoint(options.crc32c, options.checkpoint);
  const temporary = join(directory, CHECKPOINT_TEMPORARY_FILE_NAME);
  const current = join(directory, CHECKPOINT_FILE_NAME);
  try {
    const fd = openSync(temporary, 'w', 0o644);
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      renameSync(current, join(directory, CHECKPOINT_PREVIOUS_FILE_NAME));
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    }
    renameSync(temporary, current);
    syncDirectory(directory);
  } catch (error) {
    throw ioError(`cannot write ${current}: ${String(error)}`, error);
  }
}

export interface CheckpointRead {
  /** The newest valid checkpoint; undefined in a directory that never had one. */
  readonly checkpoint: Checkpoint | undefined;
  /** Files that failed their checks and were passed over, with why: for the recovery log. */
  readonly skipped: readonly string[];
}

/**
 * Reads the newest valid checkpoint of `directory`: CHECKPOINT, or CHECKPOINT.previous when
 * CHECKPOINT is missing (a crash between the two renames) or damaged. Throws CORRUPTION when
 * checkpoint files exist but none is valid: replaying from the start of the journal could
 * silently hide lost partition data, so an operator must look.
 */
export function readCheckpoint(directory: string, options: { crc32c: Crc32c }): CheckpointRead {
  const skipped: string[] = [];
  let best: Checkpoint | undefined;
  let found = 0;
  for (const name of [CHECKPOINT_FILE_NAME, CHECKPOINT_PREVIOUS_FILE_NAME]) {
    const path = join(directory, name);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(path));
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') continue;
      throw ioError(`cannot read ${path}: ${String(error)}`, error);
    }
    found += 1;
    const decoded = decodeCheckpoint(options.crc32c, bytes);
    if (!decoded.ok) {
      skipped.push(`${path}: ${decoded.reason}`);
      continue;
    }
    if (best === undefined || decoded.checkpoint.sequence > best.sequence) {
      best = decoded.checkpoint;
    }
  }
  if (found > 0 && best === undefined) {
    throw corruption(`no valid checkpoint in ${directory}: ${skipped.join('; ')}`);
  }
  // A leftover temporary file is a checkpoint that was never renamed in: not a checkpoint.
  rmSync(join(directory, CHECKPOINT_TEMPORARY_FILE_NAME), { force: true });
  return { checkpoint: best, skipped };
}
