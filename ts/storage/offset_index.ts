/**
 * The offset index of one segment: where each record starts and which records are
 * checkpoints, so a read seeks to any offset in O(1). Kept in memory for every segment and
 * persisted as `<first offset>.index` beside each sealed segment (docs/storage-format.md,
 * "Segment log"). The index is a cache: it is rebuilt by scanning the segment when its file is
 * missing or fails its checks.
 *
 * Invariants: `count` entries; starts strictly increase and every record lies below
 * `dataEndBytes <= segment size`; entry `i` is the record at offset `firstOffset + i`.
 */
import type { Crc32c } from '../crypto/index.js';
import { assert } from '../types/index.js';
import { RecordKind } from './record.js';

/** `KMBI` read as a little-endian u32. */
export const INDEX_MAGIC = 0x49424d4b;
export const INDEX_VERSION = 1;
export const INDEX_HEADER_BYTES = 32;
export const INDEX_ENTRY_BYTES = 8;
const AT_CRC = 28;

export class SegmentIndex {
  readonly firstOffset: bigint;
  /** Records indexed. Invariant: `count <= starts.length`. */
  count = 0;
  /** The end of the last record's bytes (0 when empty). */
  dataEndBytes = 0;
  /** Record start positions in the segment, bytes; entries past `count` are unused. */
  private starts: Uint32Array;
  private kinds: Uint8Array;

  constructor(firstOffset: bigint, capacity = 64) {
    this.firstOffset = firstOffset;
    this.starts = new Uint32Array(Math.max(capacity, 1));
    this.kinds = new Uint8Array(Math.max(capacity, 1));
  }

  /** The offset after this segment's last record. */
  get endOffset(): bigint {
    return this.firstOffset + BigInt(this.count);
  }

  push(startBytes: number, kind: number, endBytes: number): void {
    assert(startBytes >= this.dataEndBytes && endBytes > startBytes, 'records are in order');
    if (this.count === this.starts.length) {
      const starts = new Uint32Array(this.starts.length * 2);
      starts.set(this.starts);
      const kinds = new Uint8Array(this.kinds.length * 2);
      kinds.set(this.kinds);
      this.starts = starts;
      this.kinds = kinds;
    }
    this.starts[this.count] = startBytes;
    this.kinds[this.count] = kind;
    this.count += 1;
    this.dataEndBytes = endBytes;
  }

  /** Start of record `i` (0-based in this segment); `count` gives the data's end. */
  startOf(i: number): number {
    assert(i >= 0 && i <= this.count, `record ${i} is not in the segment`);
    if (i === this.count) return this.dataEndBytes;
    return this.starts[i] ?? 0;
  }

  isCheckpoint(i: number): boolean {
    return this.kinds[i] === RecordKind.Checkpoint;
  }

  /** The `.index` file's bytes: header, then one entry per record. */
  encode(crc32c: Crc32c): Uint8Array {
    const bytes = new Uint8Array(INDEX_HEADER_BYTES + this.count * INDEX_ENTRY_BYTES);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, INDEX_MAGIC, true);
    view.setUint16(4, INDEX_VERSION, true);
    view.setBigUint64(8, this.firstOffset, true);
    view.setUint32(16, this.count, true);
    view.setUint32(20, this.dataEndBytes, true);
    for (let i = 0; i < this.count; i++) {
      const at = INDEX_HEADER_BYTES + i * INDEX_ENTRY_BYTES;
      view.setUint32(at, this.starts[i] ?? 0, true);
      view.setUint8(at + 4, this.kinds[i] ?? 0);
    }
    view.setUint32(AT_CRC, crc32c.compute(bytes), true);
    return bytes;
  }
}

/**
 * Parses a `.index` file; `undefined` when it fails any check (magic, version, CRC, length,
 * first offset, entries in order and inside the segment), so the caller rebuilds it.
 */
export function decodeIndex(
  crc32c: Crc32c,
  bytes: Uint8Array,
  expected: { firstOffset: bigint; segmentSizeBytes: number },
): SegmentIndex | undefined {
  if (bytes.length < INDEX_HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(16, true);
  const dataEnd = view.getUint32(20, true);
  if (
    view.getUint32(0, true) !== INDEX_MAGIC ||
    view.getUint16(4, true) !== INDEX_VERSION ||
    view.getBigUint64(8, true) !== expected.firstOffset ||
    bytes.length !== INDEX_HEADER_BYTES + count * INDEX_ENTRY_BYTES ||
    dataEnd > expected.segmentSizeBytes
  ) {
    return undefined;
  }
  const crc = view.getUint32(AT_CRC, true);
  // A copy: `bytes` may be a Buffer, whose slice() is a view.
  const zeroed = new Uint8Array(bytes);
  zeroed.fill(0, AT_CRC, AT_CRC + 4);
  if (crc32c.compute(zeroed) !== crc) return undefined;
  const index = new SegmentIndex(expected.firstOffset, count);
  let previousEnd = 0;
  for (let i = 0; i < count; i++) {
    const at = INDEX_HEADER_BYTES + i * INDEX_ENTRY_BYTES;
    const start = view.getUint32(at, true);
    const next = i + 1 < count ? view.getUint32(at + INDEX_ENTRY_BYTES, true) : dataEnd;
    if (start < previousEnd || next <= start) return undefined;
    index.push(start, view.getUint8(at + 4), next);
    previousEnd = next;
  }
  if (index.dataEndBytes !== dataEnd) return undefined;
  return index;
}
