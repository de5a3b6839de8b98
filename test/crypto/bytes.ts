/** Byte helpers for the crypto tests: hex, text, sizes worth testing, batches and memos. */
import { batchOf, type RecordBatch } from '../../ts/crypto/index.js';
import type { Prng } from './random.js';

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

export function fromHex(text: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/i.test(text)) throw new Error(`not hex: ${text.slice(0, 40)}`);
  return new Uint8Array(Buffer.from(text, 'hex'));
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  return batchOf(parts).data;
}

/** `length` bytes where byte `i` is `i % modulus` (the BLAKE3 vectors use 251). */
export function counting(length: number, modulus = 256): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => i % modulus);
}

/**
 * Sizes where block-based code goes wrong: empty, one byte, either side of word (4, 8),
 * block (16, 64, 128), chunk (1024) and page (4096) boundaries.
 */
export const EDGE_SIZES: readonly number[] = [
  0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 55, 56, 57, 63, 64, 65, 127, 128, 129, 1023,
  1024, 1025, 2047, 2048, 2049, 4095, 4096, 4097, 8193,
];

/** Inputs of 16 MiB run once per backend: big enough to cross every internal buffer size. */
export const HUGE_BYTES = 16 * 1024 * 1024;

/** Computes `make()` on first use and keeps it (shared inputs and reference results). */
export function memo<T>(make: () => T): () => T {
  let value: { readonly it: T } | undefined;
  return () => {
    value ??= { it: make() };
    return value.it;
  };
}

/** Random records, about one in five empty, each at most `bytesMax`. */
export function randomRecords(rng: Prng, count: number, bytesMax: number): Uint8Array[] {
  return Array.from({ length: count }, () =>
    rng.int(5) === 0 ? new Uint8Array(0) : rng.bytes(1 + rng.int(bytesMax)),
  );
}

/**
 * `records` as a batch whose data starts with `prefixBytes` of filler and ends with some
 * more, so `offsets[0] > 0` and the last offset is short of `data.length`: a backend that
 * assumes either gets caught.
 */
export function batchAt(records: readonly Uint8Array[], prefixBytes: number): RecordBatch {
  const inner = batchOf(records);
  const data = new Uint8Array(prefixBytes + inner.data.length + 7).fill(0xa5);
  data.set(inner.data, prefixBytes);
  const offsets = inner.offsets.map((offset) => offset + prefixBytes);
  return { data, offsets };
}
