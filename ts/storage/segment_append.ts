/**
 * Preparing an append (docs/storage-format.md, "Segment log"): the limits checked before
 * anything is encoded or written, the checkpoint record's payload, and the shape of one
 * append's records as they are placed into segments.
 *
 * Invariant: nothing here does IO; a batch that passes `checkAppendLimits` fits the log.
 */
import { CRYPTO, ErrorCode, KimberliteError, LIMITS } from '../types/index.js';
import { RECORD_HEADER_BYTES } from './record.js';
import type { AppendRecord } from './types.js';

const HASH_BYTES = CRYPTO.sha256DigestBytes;
/** Checkpoint payload: previous offset (u64), previous hash (32 bytes), record count (u64). */
export const CHECKPOINT_PAYLOAD_BYTES = 8 + HASH_BYTES + 8;

function limitError(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.LimitExceeded, message);
}

/** The checkpoint payload anchoring the chain after the record before it. */
export function checkpointPayload(previous: { offset: bigint; hash: Uint8Array }): Uint8Array {
  const payload = new Uint8Array(CHECKPOINT_PAYLOAD_BYTES);
  const view = new DataView(payload.buffer);
  view.setBigUint64(0, previous.offset, true);
  payload.set(previous.hash, 8);
  // Offsets count from 0, so the records through the checkpoint number its offset + 1.
  view.setBigUint64(8 + HASH_BYTES, previous.offset + 2n, true);
  return payload;
}

/** Records' bytes laid out for placement: `bounds` has `count + 1` entries into `bytes`. */
export interface Placement {
  readonly bytes: Uint8Array;
  readonly bounds: Uint32Array;
  readonly kinds: Uint8Array;
}

/** Rejects a batch past a limit (LIMIT_EXCEEDED) before anything is encoded or written. */
export function checkAppendLimits(
  log: { name: string; segmentSizeBytes: number },
  records: readonly AppendRecord[],
): void {
  if (records.length > LIMITS.batchRecordsMax) {
    throw limitError(
      `log ${log.name}: a batch of ${records.length} records; the limit is ` +
        `${LIMITS.batchRecordsMax} (LIMITS.batchRecordsMax)`,
    );
  }
  // A record never spans segments, so it must fit in one.
  const payloadMax = Math.min(
    LIMITS.recordSizeBytesMax,
    log.segmentSizeBytes - RECORD_HEADER_BYTES,
  );
  let total = 0;
  records.forEach((record, i) => {
    total += RECORD_HEADER_BYTES + record.payload.length;
    if (record.payload.length > payloadMax) {
      throw limitError(
        `log ${log.name}: record ${i} has a ${record.payload.length}-byte payload; the ` +
          `limit is ${payloadMax} (LIMITS.recordSizeBytesMax, and a record fits in one ` +
          `${log.segmentSizeBytes}-byte segment)`,
      );
    }
  });
  if (total > LIMITS.batchSizeBytesMax) {
    throw limitError(
      `log ${log.name}: a batch of ${total} bytes; the limit is ${LIMITS.batchSizeBytesMax} ` +
        '(LIMITS.batchSizeBytesMax)',
    );
  }
}
