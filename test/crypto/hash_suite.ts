/**
 * The differential suite shared by the hash functions (SHA-256, BLAKE3): every claim compares
 * a backend with the TypeScript reference on seeded random inputs. The standards' vectors
 * live in each primitive's own test file.
 */
import { expect, it } from 'vitest';
import type { HashFunction } from '../../ts/crypto/index.js';
import { batchAt, EDGE_SIZES, HUGE_BYTES, hex, memo, randomRecords } from './bytes.js';
import { prngFor, SEED_NOTE } from './random.js';

/** 16 MiB at an odd byte offset, shared by every backend in the file. */
export const hugeInput = memo(() =>
  prngFor('huge input')
    .bytes(HUGE_BYTES + 1)
    .subarray(1),
);

/** The reference's digest of `hugeInput()`, computed once per reference. */
const hugeDigests = new WeakMap<HashFunction, string>();
function hugeDigestOf(reference: HashFunction): string {
  let digest = hugeDigests.get(reference);
  if (digest === undefined) {
    digest = hex(reference.digest(hugeInput()));
    hugeDigests.set(reference, digest);
  }
  return digest;
}

export function hashFunctionSuite(impl: HashFunction, reference: HashFunction): void {
  const expectedHuge = () => hugeDigestOf(reference);

  it('has 32-byte digests', () => {
    expect(impl.digestBytes).toBe(32);
    expect(impl.digest(new Uint8Array(0)).length).toBe(32);
  });

  it('digests inputs of every edge size like the reference', () => {
    const rng = prngFor('hash edge sizes');
    for (const size of EDGE_SIZES) {
      const data = rng.bytes(size);
      expect(hex(impl.digest(data)), `size ${size}, ${SEED_NOTE}`).toBe(
        hex(reference.digest(data)),
      );
    }
  });

  it('digests views at odd byte offsets like the reference', () => {
    const rng = prngFor('hash unaligned views');
    for (const size of [1, 3, 63, 64, 65, 1000, 4097]) {
      const view = rng.unalignedBytes(size);
      const copy = view.slice();
      expect(hex(impl.digest(view)), `size ${size}, ${SEED_NOTE}`).toBe(
        hex(reference.digest(copy)),
      );
      expect(hex(view), 'the input was modified').toBe(hex(copy));
    }
  });

  it('writes into out[0, 32) when given one and touches nothing past it', () => {
    const rng = prngFor('hash into out');
    const data = rng.bytes(100);
    const backing = new Uint8Array(3 + 48).fill(0xee);
    const out = backing.subarray(3);
    const returned = impl.digest(data, out);
    const expected = hex(reference.digest(data));
    expect(hex(out.subarray(0, 32)), SEED_NOTE).toBe(expected);
    expect(hex(returned.subarray(0, 32))).toBe(expected);
    expect([...backing.subarray(0, 3), ...out.subarray(32)].every((b) => b === 0xee)).toBe(true);
  });

  it('gives the one-shot digest for chunked updates at random boundaries', () => {
    const rng = prngFor('hash chunked');
    for (let round = 0; round < 40; round++) {
      const data = rng.bytes(rng.int(round < 20 ? 300 : 20_000));
      const hasher = impl.createHasher();
      for (const piece of rng.chunks(data, 12)) hasher.update(piece);
      const note = `round ${round}, ${data.length} bytes, ${SEED_NOTE}`;
      expect(hex(hasher.digest()), note).toBe(hex(reference.digest(data)));
    }
  });

  it('writes a streamed digest into out when given one', () => {
    const rng = prngFor('hash streamed into out');
    const data = rng.bytes(777);
    const out = new Uint8Array(33).subarray(1);
    const returned = impl.createHasher().update(data.subarray(0, 100)).update(data.subarray(100));
    returned.digest(out);
    expect(hex(out), SEED_NOTE).toBe(hex(reference.digest(data)));
  });

  it('digestBatch matches per-record digests, empty records and offsets[0] > 0 included', () => {
    const rng = prngFor('hash batch');
    for (const prefixBytes of [0, 5, 4096]) {
      const records = randomRecords(rng, 1 + rng.int(40), 3000);
      records.push(new Uint8Array(0));
      const batch = batchAt(records, prefixBytes);
      const out = new Uint8Array(32 * records.length);
      impl.digestBatch(batch, out);
      records.forEach((record, i) => {
        const note = `record ${i} of ${records.length}, prefix ${prefixBytes}, ${SEED_NOTE}`;
        expect(hex(out.subarray(32 * i, 32 * i + 32)), note).toBe(hex(reference.digest(record)));
      });
    }
  });

  it('digestBatch of no records writes nothing', () => {
    const out = new Uint8Array(8).fill(1);
    impl.digestBatch({ data: new Uint8Array(0), offsets: new Uint32Array([0]) }, out);
    expect([...out]).toEqual(new Array(8).fill(1));
  });

  it('digests 16 MiB like the reference, one-shot and streamed', () => {
    const data = hugeInput();
    expect(hex(impl.digest(data)), SEED_NOTE).toBe(expectedHuge());
    const hasher = impl.createHasher();
    const pieceBytes = 1024 * 1024 + 13;
    for (let at = 0; at < data.length; at += pieceBytes) {
      hasher.update(data.subarray(at, at + pieceBytes));
    }
    expect(hex(hasher.digest()), SEED_NOTE).toBe(expectedHuge());
  });
}
