/**
 * The batch header: the payload of the `BatchHeader` record that opens each journal entry and
 * is kept forever in the system partition (ARCHITECTURE.md section 3a). It fixes a committed
 * batch's place in the global order (log position, timestamp) and what it wrote: per tenant,
 * how many records and (once applied) the partition offset of the first, plus the Merkle root
 * over the batch's records (merkle.ts; leaves are `recordContentHash`es, see storage.ts).
 * Layout: docs/storage-format.md, "Batch header". Pure: no IO.
 *
 * Two copies with one layout: the journal's copy is written before the records reach their
 * partitions, so it is *unplaced* (flag bit 0 clear, every first offset 0): a partition's own
 * checkpoint records (segment_log.ts) decide where its records land. The system partition's
 * copy is written at apply, *placed*, with the first offsets the partitions gave.
 *
 * Batch order, which the Merkle root and the journal entry both follow: tenants ascending by
 * id, each tenant's records in the order committed (by partition offset).
 *
 * Invariants of a valid header: tenants strictly ascending and non-zero, each with at least
 * one record; `recordCount` is the sum of their counts; an unplaced header's first offsets
 * are zero; reserved bits and fields are zero.
 */
import type { Sha256 } from '../crypto/index.js';
import { assert, CRYPTO, LIMITS } from '../types/index.js';
import type { RecordBody } from './record.js';

export const BATCH_HEADER_VERSION = 1;
export const BATCH_HEADER_FIXED_BYTES = 64;
export const BATCH_HEADER_TENANT_BYTES = 16;
const FLAG_PLACED = 1;

const HASH_BYTES = CRYPTO.sha256DigestBytes;

/** What one batch wrote to one tenant's partition. */
export interface BatchTenant {
  readonly tenant: number;
  /** Partition offset of the tenant's first record in the batch; 0 while unplaced. */
  readonly firstOffset: bigint;
  readonly count: number;
}

export interface BatchHeader {
  readonly logPosition: bigint;
  readonly timestampNs: bigint;
  /** Whether the tenants' first offsets are set (the system partition's copy). */
  readonly placed: boolean;
  /** Tenant records in the batch (the header record itself not counted). */
  readonly recordCount: number;
  /** Over the chain hashes of the batch's records, in batch order (merkle.ts). */
  readonly merkleRoot: Uint8Array;
  /** Ascending by tenant id. */
  readonly tenants: readonly BatchTenant[];
}

export type BatchHeaderDecode =
  | { readonly ok: true; readonly header: BatchHeader }
  | { readonly ok: false; readonly reason: string };

/** The problem with `header`, if any: the invariants every encoded header keeps. */
function headerProblem(header: BatchHeader): string | undefined {
  if (header.merkleRoot.length !== HASH_BYTES) return 'the Merkle root is not 32 bytes';
  if (header.tenants.length > LIMITS.batchRecordsMax) return 'more tenants than records allowed';
  if (header.logPosition < 0n || header.logPosition > LIMITS.positionMax) {
    return `log position ${header.logPosition} is out of range`;
  }
  if (header.timestampNs < 0n || header.timestampNs > LIMITS.positionMax) {
    return `timestamp ${header.timestampNs} is out of range`;
  }
  let previous = 0;
  let total = 0;
  for (const entry of header.tenants) {
    if (
      !Number.isInteger(entry.tenant) ||
      entry.tenant <= previous ||
      entry.tenant > LIMITS.idMax
    ) {
      return `tenant ${entry.tenant} is not ascending after ${previous}`;
    }
    if (!Number.isInteger(entry.count) || entry.count < 1) {
      return `tenant ${entry.tenant}: count ${entry.count}`;
    }
    if (entry.firstOffset < 0n || entry.firstOffset > LIMITS.positionMax) {
      return `tenant ${entry.tenant}: first offset ${entry.firstOffset} is out of range`;
    }
    if (!header.placed && entry.firstOffset !== 0n) {
      return `tenant ${entry.tenant}: an unplaced header with first offset ${entry.firstOffset}`;
    }
    previous = entry.tenant;
    total += entry.count;
  }
  if (total !== header.recordCount) {
    return `record count ${header.recordCount}, but the tenants' counts sum to ${total}`;
  }
  return undefined;
}

/**
 * Encodes a batch header; asserts its invariants (the storage engine builds headers, so a
 * broken one is a bug).
 *
 * @example
 * const payload = encodeBatchHeader({ logPosition: 7n, timestampNs, placed: true,
 *   recordCount: 2, merkleRoot, tenants: [{ tenant: 1, firstOffset: 40n, count: 2 }] });
 */
export function encodeBatchHeader(header: BatchHeader): Uint8Array {
  const problem = headerProblem(header);
  assert(problem === undefined, `invalid batch header: ${problem}`);
  const count = header.tenants.length;
  const bytes = new Uint8Array(BATCH_HEADER_FIXED_BYTES + count * BATCH_HEADER_TENANT_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, BATCH_HEADER_VERSION, true);
  view.setUint16(2, header.placed ? FLAG_PLACED : 0, true);
  view.setUint32(4, count, true);
  view.setBigUint64(8, header.logPosition, true);
  view.setBigUint64(16, header.timestampNs, true);
  view.setUint32(24, header.recordCount, true);
  view.setUint32(28, 0, true);
  bytes.set(header.merkleRoot, 32);
  header.tenants.forEach((entry, i) => {
    const at = BATCH_HEADER_FIXED_BYTES + i * BATCH_HEADER_TENANT_BYTES;
    view.setUint32(at, entry.tenant, true);
    view.setUint32(at + 4, entry.count, true);
    view.setBigUint64(at + 8, entry.firstOffset, true);
  });
  return bytes;
}

/**
 * Decodes a batch header payload read from the journal or the system partition. Bytes that
 * are not a valid header give a reason, never a throw: the caller names where they lie.
 */
export function decodeBatchHeader(bytes: Uint8Array): BatchHeaderDecode {
  const bad = (reason: string): BatchHeaderDecode => ({ ok: false, reason });
  if (bytes.length < BATCH_HEADER_FIXED_BYTES) return bad(`${bytes.length} bytes is too short`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(0, true);
  if (version !== BATCH_HEADER_VERSION) return bad(`version ${version}; this reader knows 1`);
  const flags = view.getUint16(2, true);
  if ((flags & ~FLAG_PLACED) !== 0 || view.getUint32(28, true) !== 0) {
    return bad('reserved fields are not zero');
  }
  const count = view.getUint32(4, true);
  const expected = BATCH_HEADER_FIXED_BYTES + count * BATCH_HEADER_TENANT_BYTES;
  if (count > LIMITS.batchRecordsMax || bytes.length !== expected) {
    return bad(`${bytes.length} bytes for ${count} tenants (expected ${expected})`);
  }
  const tenants: BatchTenant[] = [];
  for (let i = 0; i < count; i++) {
    const at = BATCH_HEADER_FIXED_BYTES + i * BATCH_HEADER_TENANT_BYTES;
    tenants.push({
      tenant: view.getUint32(at, true),
      count: view.getUint32(at + 4, true),
      firstOffset: view.getBigUint64(at + 8, true),
    });
  }
  const header: BatchHeader = {
    logPosition: view.getBigUint64(8, true),
    timestampNs: view.getBigUint64(16, true),
    placed: (flags & FLAG_PLACED) !== 0,
    recordCount: view.getUint32(24, true),
    merkleRoot: bytes.slice(32, 64),
    tenants,
  };
  const problem = headerProblem(header);
  return problem === undefined ? { ok: true, header } : bad(problem);
}

const LEAF_PREFIX_BYTES = 32;

/**
 * The record hashes a batch's Merkle root is built over, 32 bytes each, in the order given:
 * SHA-256 of a 32-byte prefix (kind u8, flags u8, two zero bytes, tenant u32, stream u32,
 * payload length u32, log position u64, timestamp u64, little-endian) and the payload as
 * stored. Unlike a chain hash, it does not depend on the record's partition offset or chain
 * position, so the journal's header can carry the root before the partitions place the
 * records (see the file header); the partition chains cover placement. One `digestBatch` call.
 */
export function batchLeafHashes(sha256: Sha256, records: readonly RecordBody[]): Uint8Array {
  let total = 0;
  for (const record of records) total += LEAF_PREFIX_BYTES + record.payload.length;
  const data = new Uint8Array(total);
  const view = new DataView(data.buffer);
  const offsets = new Uint32Array(records.length + 1);
  let at = 0;
  records.forEach((record, i) => {
    view.setUint8(at, record.kind);
    view.setUint8(at + 1, record.flags);
    view.setUint32(at + 4, record.tenant, true);
    view.setUint32(at + 8, record.stream, true);
    view.setUint32(at + 12, record.payload.length, true);
    view.setBigUint64(at + 16, record.logPosition, true);
    view.setBigUint64(at + 24, record.timestampNs, true);
    data.set(record.payload, at + LEAF_PREFIX_BYTES);
    at += LEAF_PREFIX_BYTES + record.payload.length;
    offsets[i + 1] = at;
  });
  const out = new Uint8Array(records.length * HASH_BYTES);
  sha256.digestBatch({ data, offsets }, out);
  return out;
}
