/**
 * Kimberlite's own WebAssembly module (AssemblyScript): CRC-32C (Castagnoli, reflected
 * polynomial 0x82F63B78) over flat memory, with batch entry points so a whole batch of log
 * records costs one crossing from JavaScript.
 *
 * Memory layout (see wasm/README.md; addresses as built by asc 0.28):
 *   [0, 1024)          left unused by AssemblyScript, so small bad pointers hit nothing useful
 *   [1024, 17408)      TABLES: sixteen 256-entry u32 slicing tables, built at start
 *   [17408, 21504)     SHIFT: four tables of the shift-by-STRIDE operator, built at start
 *   [scratch_base(), end of memory)   scratch owned by the JavaScript caller, grown by it
 *
 * Invariants: the module imports nothing, never allocates, never grows memory and keeps no
 * state between calls besides the tables, so the caller may reuse scratch freely between
 * calls. An out-of-bounds pointer traps (a caller's bug); so does a record shorter than the
 * bytes crc32c_batch_skip is asked to skip, rather than being checksummed as empty.
 *
 * No SIMD: a faster CRC needs carry-less multiplication (PCLMULQDQ), which WebAssembly SIMD
 * does not have; table lookups are what a portable 128-bit SIMD cannot vectorise either.
 */

/** Size of one lookup table in bytes: 256 entries of u32. */
const TABLE_BYTES: usize = 256 * 4;

/**
 * The slicing-by-16 tables: table k maps a byte to its contribution to the CRC register k
 * bytes further on. Table 0 is the classic byte-at-a-time table.
 */
const TABLES: usize = memory.data(16 * 256 * 4, 64);

/**
 * Bytes each of the three interleaved streams covers per round (see crcRegister). 256 keeps
 * the combine step (two shifts, 8 lookups) under ~4% of a round, and lets records from 768
 * bytes up use the interleaved loop.
 */
const STRIDE: usize = 256;

/**
 * The shift operator: four tables that together map a CRC register `r` to the register
 * after STRIDE zero bytes, shift(r) = S0[r & 0xff] ^ S1[(r >>> 8) & 0xff] ^ ... (the CRC
 * register is linear over GF(2)).
 */
const SHIFT: usize = memory.data(4 * 256 * 4, 64);

/** Reflected CRC-32C polynomial. */
const POLY: u32 = 0x82f63b78;

/** Byte offsets of tables 1..15 from TABLES; constants, so they fold into the load offset. */
const T1: usize = 1 * TABLE_BYTES;
const T2: usize = 2 * TABLE_BYTES;
const T3: usize = 3 * TABLE_BYTES;
const T4: usize = 4 * TABLE_BYTES;
const T5: usize = 5 * TABLE_BYTES;
const T6: usize = 6 * TABLE_BYTES;
const T7: usize = 7 * TABLE_BYTES;
const T8: usize = 8 * TABLE_BYTES;
const T9: usize = 9 * TABLE_BYTES;
const T10: usize = 10 * TABLE_BYTES;
const T11: usize = 11 * TABLE_BYTES;
const T12: usize = 12 * TABLE_BYTES;
const T13: usize = 13 * TABLE_BYTES;
const T14: usize = 14 * TABLE_BYTES;
const T15: usize = 15 * TABLE_BYTES;

/** Address of entry `index` (0..255) of table 0; add a table's offset to reach its entry. */
// @ts-ignore: decorator valid in AssemblyScript
@inline function at(index: u32): usize {
  return TABLES + ((<usize>index) << 2);
}

/** Address of entry `index` (0..255) of shift table 0. */
// @ts-ignore: decorator valid in AssemblyScript
@inline function shiftAt(index: u32): usize {
  return SHIFT + ((<usize>index) << 2);
}

/** The register after one zero byte: the byte-at-a-time step with a zero input byte. */
function zeroByte(crc: u32): u32 {
  return load<u32>(at(crc & 0xff)) ^ (crc >>> 8);
}

function buildTables(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (POLY & (0 - (c & 1)));
    store<u32>(at(n), c);
  }
  for (let n: u32 = 0; n < 256; n++) {
    let c = load<u32>(at(n));
    for (let t: usize = 1; t < 16; t++) {
      c = zeroByte(c);
      store<u32>(at(n) + t * TABLE_BYTES, c);
    }
  }
  // Shift tables from the 32 basis registers: entry b of table k is the XOR of the images of
  // the bits set in b << 8k, built from the entry with b's lowest bit cleared.
  for (let k: usize = 0; k < 4; k++) {
    store<u32>(shiftAt(0) + k * TABLE_BYTES, 0);
    for (let bit: u32 = 0; bit < 8; bit++) {
      let image: u32 = 1 << ((<u32>k) * 8 + bit);
      for (let i: usize = 0; i < STRIDE; i++) image = zeroByte(image);
      const low: u32 = 1 << bit;
      for (let b: u32 = low; b < low << 1; b++) {
        const rest = load<u32>(shiftAt(b - low) + k * TABLE_BYTES);
        store<u32>(shiftAt(b) + k * TABLE_BYTES, rest ^ image);
      }
    }
  }
}

// Runs once, from the module's start function, before any export can be called.
buildTables();

/** The register after STRIDE more bytes of zeros. */
// @ts-ignore: decorator valid in AssemblyScript
@inline function shift(crc: u32): u32 {
  return (
    load<u32>(shiftAt(crc & 0xff)) ^
    load<u32>(shiftAt((crc >>> 8) & 0xff), T1) ^
    load<u32>(shiftAt((crc >>> 16) & 0xff), T2) ^
    load<u32>(shiftAt(crc >>> 24), T3)
  );
}

/** One slicing-by-8 step: `lo` (already XORed with the register) and `hi` are 8 data bytes. */
// @ts-ignore: decorator valid in AssemblyScript
@inline function slice8(lo: u32, hi: u32): u32 {
  return (
    load<u32>(at(lo & 0xff), T7) ^
    load<u32>(at((lo >>> 8) & 0xff), T6) ^
    load<u32>(at((lo >>> 16) & 0xff), T5) ^
    load<u32>(at(lo >>> 24), T4) ^
    load<u32>(at(hi & 0xff), T3) ^
    load<u32>(at((hi >>> 8) & 0xff), T2) ^
    load<u32>(at((hi >>> 16) & 0xff), T1) ^
    load<u32>(at(hi >>> 24))
  );
}

/**
 * The CRC register over `len` bytes at `ptr`, without the pre/post inversion (callers invert
 * once per message, so two ranges chain without re-inverting in between).
 *
 * Large inputs go 3 * STRIDE bytes per round as three interleaved slicing-by-8 streams: one
 * stream is bound by the latency of its lookup chain, three keep the load ports busy. The
 * streams are joined with reg(A ++ B, r) = shift(reg(A, r)) ^ reg(B, 0). What is left goes
 * 16, then 1 byte at a time.
 */
function crcRegister(crc: u32, ptr: usize, len: usize): u32 {
  while (len >= 3 * STRIDE) {
    let c0 = crc;
    let c1: u32 = 0;
    let c2: u32 = 0;
    const end = ptr + STRIDE;
    while (ptr < end) {
      c0 = slice8(load<u32>(ptr) ^ c0, load<u32>(ptr, 4));
      c1 = slice8(load<u32>(ptr, STRIDE) ^ c1, load<u32>(ptr, STRIDE + 4));
      c2 = slice8(load<u32>(ptr, 2 * STRIDE) ^ c2, load<u32>(ptr, 2 * STRIDE + 4));
      ptr += 8;
    }
    crc = shift(shift(c0) ^ c1) ^ c2;
    ptr += 2 * STRIDE;
    len -= 3 * STRIDE;
  }
  while (len >= 16) {
    const a = load<u32>(ptr) ^ crc;
    const b = load<u32>(ptr, 4);
    const c = load<u32>(ptr, 8);
    const d = load<u32>(ptr, 12);
    crc =
      load<u32>(at(a & 0xff), T15) ^
      load<u32>(at((a >>> 8) & 0xff), T14) ^
      load<u32>(at((a >>> 16) & 0xff), T13) ^
      load<u32>(at(a >>> 24), T12) ^
      load<u32>(at(b & 0xff), T11) ^
      load<u32>(at((b >>> 8) & 0xff), T10) ^
      load<u32>(at((b >>> 16) & 0xff), T9) ^
      load<u32>(at(b >>> 24), T8) ^
      slice8(c, d);
    ptr += 16;
    len -= 16;
  }
  while (len > 0) {
    crc = load<u32>(at((crc ^ load<u8>(ptr)) & 0xff)) ^ (crc >>> 8);
    ptr += 1;
    len -= 1;
  }
  return crc;
}

/** First byte of the scratch region: past the static data, 64-byte aligned. */
export function scratch_base(): usize {
  return (__heap_base + 63) & ~(<usize>63);
}

/**
 * Continues `crc` (a previous result, or 0 to start) over `len` bytes at `ptr`, with the
 * standard inversion, so update(update(0, a), b) == update(0, a ++ b).
 */
export function crc32c_update(crc: u32, ptr: usize, len: usize): u32 {
  return ~crcRegister(~crc, ptr, len);
}

/**
 * CRC-32C of `head ++ body` for two disjoint ranges, e.g. a record header built on the stack
 * and a payload elsewhere, without joining them first.
 */
export function crc32c_pair(headPtr: usize, headLen: usize, bodyPtr: usize, bodyLen: usize): u32 {
  return ~crcRegister(crcRegister(0xffffffff, headPtr, headLen), bodyPtr, bodyLen);
}

/** Start of record `i` of a batch: offsets are rebased on `offsets[0]` (see crc32c_batch). */
// @ts-ignore: decorator valid in AssemblyScript
@inline function recordStart(dataPtr: usize, offsetsPtr: usize, base: u32, i: u32): usize {
  return dataPtr + <usize>(load<u32>(offsetsPtr + ((<usize>i) << 2)) - base);
}

// @ts-ignore: decorator valid in AssemblyScript
@inline function recordLength(offsetsPtr: usize, i: u32): usize {
  const at = offsetsPtr + ((<usize>i) << 2);
  return <usize>(load<u32>(at, 4) - load<u32>(at));
}

/**
 * `out[i]` = CRC-32C of record `i`, for `count` records. `offsetsPtr` holds `count + 1` u32
 * offsets; record `i` is `[offsets[i], offsets[i + 1])` rebased on `offsets[0]`, i.e. the
 * bytes at `dataPtr + offsets[i] - offsets[0]`, so the caller copies in only the records'
 * bytes, starting with record 0's. `outPtr` receives `count` u32 results.
 */
export function crc32c_batch(dataPtr: usize, offsetsPtr: usize, count: u32, outPtr: usize): void {
  const base = load<u32>(offsetsPtr);
  for (let i: u32 = 0; i < count; i++) {
    const start = recordStart(dataPtr, offsetsPtr, base, i);
    const crc = ~crcRegister(0xffffffff, start, recordLength(offsetsPtr, i));
    store<u32>(outPtr + ((<usize>i) << 2), crc);
  }
}

/**
 * Like crc32c_batch, but each record's CRC covers its bytes after the first `skip` (a header
 * field holding the CRC itself, say). A record shorter than `skip` traps.
 */
export function crc32c_batch_skip(
  dataPtr: usize,
  offsetsPtr: usize,
  count: u32,
  skip: u32,
  outPtr: usize,
): void {
  const base = load<u32>(offsetsPtr);
  for (let i: u32 = 0; i < count; i++) {
    const length = recordLength(offsetsPtr, i);
    if (length < <usize>skip) unreachable();
    const start = recordStart(dataPtr, offsetsPtr, base, i) + <usize>skip;
    const crc = ~crcRegister(0xffffffff, start, length - <usize>skip);
    store<u32>(outPtr + ((<usize>i) << 2), crc);
  }
}

/**
 * Checks records against expected CRCs (`expectedPtr` holds `count` u32), each CRC over the
 * record's bytes after the first `skip`. Returns the index of the first record that does not
 * match, or `count` when all do: recovery and scrubbing want the first bad record, in one
 * crossing, without copying results out. A record shorter than `skip` is a mismatch, not a
 * trap: the bytes being verified came from disk and may be damaged.
 */
export function crc32c_batch_verify(
  dataPtr: usize,
  offsetsPtr: usize,
  count: u32,
  skip: u32,
  expectedPtr: usize,
): u32 {
  const base = load<u32>(offsetsPtr);
  for (let i: u32 = 0; i < count; i++) {
    const length = recordLength(offsetsPtr, i);
    if (length < <usize>skip) return i;
    const start = recordStart(dataPtr, offsetsPtr, base, i) + <usize>skip;
    const crc = ~crcRegister(0xffffffff, start, length - <usize>skip);
    if (crc != load<u32>(expectedPtr + ((<usize>i) << 2))) return i;
  }
  return count;
}
