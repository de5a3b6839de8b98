/**
 * Record batches: the shape every batch entry point takes, so one call into a native or WASM
 * backend covers many records. Records lie back to back in `data`; record `i` is
 * `data[offsets[i], offsets[i + 1])`, so `offsets` holds `count + 1` non-decreasing entries.
 * Offsets are u32: a batch is at most `LIMITS.batchSizeBytesMax` bytes.
 */
import { assert, LIMITS } from '../types/index.js';

export interface RecordBatch {
  readonly data: Uint8Array;
  /** `count + 1` entries, non-decreasing, the last at most `data.length`. */
  readonly offsets: Uint32Array;
}

/** Number of records in `batch`. */
export function recordCount(batch: RecordBatch): number {
  return batch.offsets.length - 1;
}

/**
 * Checks the batch invariants; a violation is a caller's bug, so this asserts.
 * O(count), cheap beside hashing the records themselves.
 */
export function assertBatch(batch: RecordBatch): void {
  const { data, offsets } = batch;
  assert(offsets.length >= 1, 'a batch needs count + 1 offsets');
  assert(offsets.length - 1 <= LIMITS.batchRecordsMax, 'batch holds too many records');
  let previous = offsets[0] ?? 0;
  for (let i = 1; i < offsets.length; i++) {
    const next = offsets[i] ?? 0;
    assert(next >= previous, `batch offsets decrease at index ${i}`);
    previous = next;
  }
  assert(previous <= data.length, 'batch offsets run past the data');
}

/** Builds a batch from separate records (tests, benchmarks, small callers). */
export function batchOf(records: readonly Uint8Array[]): RecordBatch {
  let total = 0;
  for (const record of records) total += record.length;
  assert(total <= LIMITS.batchSizeBytesMax, 'batch is larger than batchSizeBytesMax');
  const data = new Uint8Array(total);
  const offsets = new Uint32Array(records.length + 1);
  let at = 0;
  records.forEach((record, i) => {
    data.set(record, at);
    at += record.length;
    offsets[i + 1] = at;
  });
  return { data, offsets };
}

/** Record `i` of `batch`, as a view (no copy). */
export function recordAt(batch: RecordBatch, i: number): Uint8Array {
  const start = batch.offsets[i];
  const end = batch.offsets[i + 1];
  assert(start !== undefined && end !== undefined, `record ${i} is out of range`);
  return batch.data.subarray(start, end);
}
