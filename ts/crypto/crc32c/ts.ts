/**
 * CRC-32C reference backend: slicing-by-8 in plain TypeScript (Intel's "Slicing-by-8"
 * technique, Kounavis and Berry, 2005). Eight 256-entry tables, built once when the module
 * loads, let the loop fold 8 input bytes per step instead of 1.
 *
 * Invariant: `update(crc, data)` applies the standard pre- and post-inversion, so
 * `update(update(0, a), b) === compute(a ++ b)` and `compute(empty) === 0`.
 */
import { assert } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import { assertBatch, type RecordBatch, recordCount } from '../batch.js';
import type { Crc32c } from './index.js';

/** The Castagnoli polynomial 0x1EDC6F41, bit-reversed for the reflected (LSB-first) CRC. */
const POLYNOMIAL_REFLECTED = 0x82f63b78;

/**
 * `TABLES[k * 256 + b]` is the CRC contribution of byte `b` followed by `k` zero bytes.
 * Table 0 is the classic byte-at-a-time table; table k shifts table k - 1 by one more byte.
 */
const TABLES = buildTables();

function buildTables(): Uint32Array {
  const tables = new Uint32Array(8 * 256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL_REFLECTED : crc >>> 1;
    }
    tables[byte] = crc >>> 0;
  }
  for (let k = 1; k < 8; k++) {
    for (let byte = 0; byte < 256; byte++) {
      const previous = tables[(k - 1) * 256 + byte] ?? 0;
      tables[k * 256 + byte] = ((previous >>> 8) ^ (tables[previous & 0xff] ?? 0)) >>> 0;
    }
  }
  return tables;
}

/**
 * One table lookup. The index is always in range (a byte plus a multiple of 256), so the
 * cast only tells the compiler what the bounds already guarantee; V8 inlines this.
 */
function table(index: number): number {
  return TABLES[index] as number;
}

/** Continues the raw (already inverted) CRC state over `data[start, end)`. */
function fold(state: number, data: Uint8Array, start: number, end: number): number {
  let crc = state;
  let i = start;
  // Eight bytes per step: the first four are XORed into the state, the last four are looked
  // up directly, each table standing for the bytes still to come after it.
  for (const stop = end - 7; i < stop; i += 8) {
    const low =
      crc ^
      ((data[i] as number) |
        ((data[i + 1] as number) << 8) |
        ((data[i + 2] as number) << 16) |
        ((data[i + 3] as number) << 24));
    crc =
      table(7 * 256 + (low & 0xff)) ^
      table(6 * 256 + ((low >>> 8) & 0xff)) ^
      table(5 * 256 + ((low >>> 16) & 0xff)) ^
      table(4 * 256 + (low >>> 24)) ^
      table(3 * 256 + (data[i + 4] as number)) ^
      table(2 * 256 + (data[i + 5] as number)) ^
      table(256 + (data[i + 6] as number)) ^
      table(data[i + 7] as number);
  }
  for (; i < end; i++) {
    crc = (crc >>> 8) ^ table((crc ^ (data[i] as number)) & 0xff);
  }
  return crc;
}

function update(crc: number, data: Uint8Array): number {
  return (fold(~crc, data, 0, data.length) ^ 0xffffffff) >>> 0;
}

const info: BackendInfo = { kind: 'ts', name: 'slicing-by-8' };

const crc32c: Crc32c = {
  info,
  compute(data: Uint8Array): number {
    return update(0, data);
  },
  update,
  computeBatch(records: RecordBatch, out: Uint32Array): void {
    assertBatch(records);
    const count = recordCount(records);
    assert(out.length >= count, `computeBatch needs ${count} outputs, got ${out.length}`);
    const { data, offsets } = records;
    for (let i = 0; i < count; i++) {
      // Offsets are checked by assertBatch above; the casts only restate that.
      const start = offsets[i] as number;
      const end = offsets[i + 1] as number;
      out[i] = (fold(0xffffffff, data, start, end) ^ 0xffffffff) >>> 0;
    }
  },
};

/** The reference CRC-32C; always loads. */
export async function load(): Promise<Crc32c> {
  return crc32c;
}
