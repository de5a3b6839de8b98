/**
 * CRC-32C on every backend that loads: the check value and the RFC 3720 appendix B.4
 * vectors, then seeded differential tests against the TypeScript reference, including
 * chunked `update` and `computeBatch`.
 */
import { expect, it } from 'vitest';
import { crc32cCandidates } from '../../ts/crypto/crc32c/index.js';
import { describeBackends, loadBackends } from './backends.js';
import { batchAt, EDGE_SIZES, HUGE_BYTES, memo, randomRecords, utf8 } from './bytes.js';
import { prngFor, SEED_NOTE } from './random.js';

const backends = await loadBackends('crc32c', crc32cCandidates);

/** RFC 3720 (iSCSI) appendix B.4 "CRC Examples", as u32 values (the RFC lists bytes LSB first). */
const RFC_3720_VECTORS: readonly { name: string; input: () => Uint8Array; crc: number }[] = [
  { name: '32 bytes of zeroes', input: () => new Uint8Array(32), crc: 0x8a9136aa },
  { name: '32 bytes of ones', input: () => new Uint8Array(32).fill(0xff), crc: 0x62a8ab43 },
  {
    name: '32 incrementing bytes',
    input: () => Uint8Array.from({ length: 32 }, (_, i) => i),
    crc: 0x46dd794e,
  },
  {
    name: '32 decrementing bytes',
    input: () => Uint8Array.from({ length: 32 }, (_, i) => 31 - i),
    crc: 0x113fdb5c,
  },
];

const hugeInput = memo(() =>
  prngFor('crc huge')
    .bytes(HUGE_BYTES + 1)
    .subarray(1),
);

const hex32 = (crc: number): string => `0x${crc.toString(16).padStart(8, '0')}`;

describeBackends(backends, (crc32c, reference) => {
  it('gives the check value 0xE3069283 for "123456789"', () => {
    expect(hex32(crc32c.compute(utf8('123456789')))).toBe('0xe3069283');
  });

  it('matches the RFC 3720 appendix B.4 vectors', () => {
    for (const vector of RFC_3720_VECTORS) {
      expect(hex32(crc32c.compute(vector.input())), vector.name).toBe(hex32(vector.crc));
    }
  });

  it('gives 0 for empty input, and update over nothing keeps the CRC', () => {
    expect(crc32c.compute(new Uint8Array(0))).toBe(0);
    expect(crc32c.update(0, new Uint8Array(0))).toBe(0);
    expect(crc32c.update(0xe3069283, new Uint8Array(0))).toBe(0xe3069283);
  });

  it('returns unsigned 32-bit integers', () => {
    const rng = prngFor('crc unsigned');
    for (let i = 0; i < 50; i++) {
      const crc = crc32c.compute(rng.bytes(1 + rng.int(100)));
      expect(Number.isInteger(crc) && crc >= 0 && crc <= 0xffff_ffff, SEED_NOTE).toBe(true);
    }
  });

  it('computes inputs of every edge size like the reference', () => {
    const rng = prngFor('crc edge sizes');
    for (const size of EDGE_SIZES) {
      const data = rng.bytes(size);
      expect(crc32c.compute(data), `size ${size}, ${SEED_NOTE}`).toBe(reference.compute(data));
    }
  });

  it('computes views at odd byte offsets like the reference', () => {
    const rng = prngFor('crc unaligned');
    for (const size of [1, 3, 7, 8, 9, 63, 64, 65, 1001, 4097]) {
      const view = rng.unalignedBytes(size);
      expect(crc32c.compute(view), `size ${size}, ${SEED_NOTE}`).toBe(
        reference.compute(view.slice()),
      );
    }
  });

  it('update over random chunks equals compute over the whole', () => {
    const rng = prngFor('crc chunked');
    for (let round = 0; round < 50; round++) {
      const data = rng.bytes(rng.int(round < 25 ? 100 : 20_000));
      let crc = 0;
      for (const piece of rng.chunks(data, 10)) crc = crc32c.update(crc, piece);
      const note = `round ${round}, ${data.length} bytes, ${SEED_NOTE}`;
      expect(crc, note).toBe(reference.compute(data));
    }
  });

  it('continues a CRC computed by the reference, and the reference continues its CRC', () => {
    const rng = prngFor('crc cross update');
    const [a, b] = [rng.bytes(1000), rng.bytes(333)];
    const whole = reference.compute(new Uint8Array([...a, ...b]));
    expect(crc32c.update(reference.compute(a), b), SEED_NOTE).toBe(whole);
    expect(reference.update(crc32c.compute(a), b), SEED_NOTE).toBe(whole);
  });

  it('computeBatch matches per-record CRCs, empty records and offsets[0] > 0 included', () => {
    const rng = prngFor('crc batch');
    for (const prefixBytes of [0, 3, 4096]) {
      const records = randomRecords(rng, 1 + rng.int(100), 2000);
      records.unshift(new Uint8Array(0));
      const out = new Uint32Array(records.length + 2).fill(0xdeadbeef);
      crc32c.computeBatch(batchAt(records, prefixBytes), out);
      const expected = records.map((record) => reference.compute(record));
      const note = `prefix ${prefixBytes}, ${SEED_NOTE}`;
      expect([...out.subarray(0, records.length)], note).toEqual(expected);
      expect([...out.subarray(records.length)], 'wrote past the batch').toEqual([
        0xdeadbeef, 0xdeadbeef,
      ]);
    }
  });

  it('computes 16 MiB like the reference, whole and in 1 MiB updates', () => {
    const data = hugeInput();
    const expected = reference.compute(data);
    expect(crc32c.compute(data), SEED_NOTE).toBe(expected);
    let crc = 0;
    for (let at = 0; at < data.length; at += 1 << 20) {
      crc = crc32c.update(crc, data.subarray(at, at + (1 << 20)));
    }
    expect(crc, SEED_NOTE).toBe(expected);
  });
});
