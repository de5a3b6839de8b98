/**
 * AES-256-GCM on every backend that loads: test cases 13-16 of McGrew and Viega's GCM
 * specification (the 256-bit-key cases NIST's GCM validation also uses), then seeded
 * differential tests against the TypeScript reference (single records, the batch layouts of
 * `sealBatch` / `openBatch`, cross-backend sealing and opening), tamper detection and bad
 * input.
 */
import { describe, expect, it } from 'vitest';
import { type AesGcm, type AesGcmKey, aesGcmCandidates } from '../../ts/crypto/aes_gcm/index.js';
import type { RecordBatch } from '../../ts/crypto/index.js';
import { ErrorCode, KimberliteError } from '../../ts/types/index.js';
import { describeBackends, loadBackends } from './backends.js';
import {
  batchAt,
  concat,
  EDGE_SIZES,
  fromHex,
  HUGE_BYTES,
  hex,
  memo,
  randomRecords,
} from './bytes.js';
import { type Prng, prngFor, SEED_NOTE } from './random.js';

const backends = await loadBackends('aes-256-gcm', aesGcmCandidates);

interface GcmVector {
  readonly name: string;
  readonly key: string;
  readonly nonce: string;
  readonly plaintext: string;
  readonly aad: string;
  readonly ciphertext: string;
  readonly tag: string;
}

const KEY_15 = 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308';
const PLAINTEXT_15 =
  'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' +
  '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255';
const CIPHERTEXT_15 =
  '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa' +
  '8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad';

/** "The Galois/Counter Mode of Operation (GCM)", McGrew and Viega, appendix B, cases 13-16. */
const GCM_SPEC_VECTORS: readonly GcmVector[] = [
  {
    name: 'test case 13 (zero key, empty plaintext)',
    key: '00'.repeat(32),
    nonce: '00'.repeat(12),
    plaintext: '',
    aad: '',
    ciphertext: '',
    tag: '530f8afbc74536b9a963b4f1c4cb738b',
  },
  {
    name: 'test case 14 (zero key, 16 zero bytes)',
    key: '00'.repeat(32),
    nonce: '00'.repeat(12),
    plaintext: '00'.repeat(16),
    aad: '',
    ciphertext: 'cea7403d4d606b6e074ec5d3baf39d18',
    tag: 'd0d1c8a799996bf0265b98b5d48ab919',
  },
  {
    name: 'test case 15 (64-byte plaintext)',
    key: KEY_15,
    nonce: 'cafebabefacedbaddecaf888',
    plaintext: PLAINTEXT_15,
    aad: '',
    ciphertext: CIPHERTEXT_15,
    tag: 'b094dac5d93471bdec1a502270e3cc6c',
  },
  {
    name: 'test case 16 (60-byte plaintext, 20 bytes of additional data)',
    key: KEY_15,
    nonce: 'cafebabefacedbaddecaf888',
    plaintext: PLAINTEXT_15.slice(0, 120),
    aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    ciphertext: CIPHERTEXT_15.slice(0, 120),
    tag: '76fc6ece0f4e1768cddf8853bb2d551b',
  },
];

const hugeInput = memo(() =>
  prngFor('aes huge')
    .bytes(HUGE_BYTES + 1)
    .subarray(1),
);

/** A copy of `bytes` with bit `bit` of byte `index` flipped. */
function flipped(bytes: Uint8Array, index: number, bit = 0): Uint8Array {
  const copy = bytes.slice();
  copy[index] = (copy[index] ?? 0) ^ (1 << bit);
  return copy;
}

function expectInvalidArgument(action: () => unknown, mentions: RegExp): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected a KimberliteError').toBeInstanceOf(KimberliteError);
  const error = caught as KimberliteError;
  expect(error.code).toBe(ErrorCode.InvalidArgument);
  expect(error.message).toMatch(mentions);
}

interface SealedBatch {
  readonly nonces: Uint8Array;
  readonly plaintexts: readonly Uint8Array[];
  readonly aads: readonly Uint8Array[];
  /** Each record sealed on its own by the reference. */
  readonly sealed: readonly Uint8Array[];
}

function randomSealedBatch(rng: Prng, reference: AesGcmKey, count: number): SealedBatch {
  const nonces = rng.bytes(12 * count);
  const plaintexts = randomRecords(rng, count, 1500);
  const aads = randomRecords(rng, count, 40);
  const sealed = plaintexts.map((plaintext, i) =>
    reference.seal(nonces.subarray(12 * i, 12 * i + 12), plaintext, {
      aad: aads[i] ?? new Uint8Array(0),
    }),
  );
  return { nonces, plaintexts, aads, sealed };
}

function sealBatchOf(
  key: AesGcmKey,
  batch: SealedBatch,
  options: { prefixBytes: number; aad: boolean },
): Uint8Array {
  const plaintexts = batchAt(batch.plaintexts, options.prefixBytes);
  const bytes = batch.plaintexts.reduce((sum, p) => sum + p.length + 16, 0);
  const out = new Uint8Array(bytes + 5).fill(0xee);
  const aad: RecordBatch | undefined = options.aad ? batchAt(batch.aads, 3) : undefined;
  key.sealBatch(batch.nonces, plaintexts, aad === undefined ? { out } : { out, aad });
  expect([...out.subarray(bytes)], 'sealBatch wrote past its output').toEqual([
    0xee, 0xee, 0xee, 0xee, 0xee,
  ]);
  return out.subarray(0, bytes);
}

function openBatchOf(
  key: AesGcmKey,
  nonces: Uint8Array,
  sealed: readonly Uint8Array[],
  options: { prefixBytes: number; aads?: readonly Uint8Array[] },
): { failed: number; plaintexts: Uint8Array[] } {
  const batch = batchAt(sealed, options.prefixBytes);
  const out = new Uint8Array(sealed.reduce((sum, s) => sum + Math.max(0, s.length - 16), 0));
  const aad = options.aads === undefined ? undefined : batchAt(options.aads, 1);
  const failed = key.openBatch(nonces, batch, aad === undefined ? { out } : { out, aad });
  const plaintexts: Uint8Array[] = [];
  let at = 0;
  for (const record of sealed) {
    plaintexts.push(out.subarray(at, at + record.length - 16));
    at += record.length - 16;
  }
  return { failed, plaintexts };
}

describeBackends(backends, (aes: AesGcm, reference: AesGcm) => {
  describe('known answers', () => {
    for (const vector of GCM_SPEC_VECTORS) {
      it(`matches the GCM specification ${vector.name}`, () => {
        const key = aes.importKey(fromHex(vector.key));
        const nonce = fromHex(vector.nonce);
        const aad = fromHex(vector.aad);
        const sealed = key.seal(nonce, fromHex(vector.plaintext), { aad });
        expect(hex(sealed)).toBe(vector.ciphertext + vector.tag);
        const opened = key.open(nonce, fromHex(vector.ciphertext + vector.tag), { aad });
        expect(opened === null ? null : hex(opened)).toBe(vector.plaintext);
        key.destroy();
      });
    }
  });

  describe('against the reference', () => {
    it('seals every edge size like the reference, with and without additional data', () => {
      const rng = prngFor('aes edge sizes');
      const keyBytes = rng.bytes(32);
      const [key, expectedKey] = [aes.importKey(keyBytes), reference.importKey(keyBytes)];
      for (const size of EDGE_SIZES) {
        const [nonce, plaintext] = [rng.bytes(12), rng.bytes(size)];
        const aad = rng.int(3) === 0 ? undefined : rng.bytes(rng.int(70));
        const options = aad === undefined ? {} : { aad };
        const note = `size ${size}, aad ${aad?.length ?? 'none'}, ${SEED_NOTE}`;
        const sealed = key.seal(nonce, plaintext, options);
        expect(hex(sealed), note).toBe(hex(expectedKey.seal(nonce, plaintext, options)));
        const opened = key.open(nonce, sealed, options);
        expect(opened === null ? null : hex(opened), note).toBe(hex(plaintext));
      }
    });

    it('opens what the reference sealed, and the reference opens what it sealed', () => {
      const rng = prngFor('aes cross backend');
      const keyBytes = rng.bytes(32);
      const [key, other] = [aes.importKey(keyBytes), reference.importKey(keyBytes)];
      for (let round = 0; round < 30; round++) {
        const [nonce, plaintext, aad] = [rng.bytes(12), rng.bytes(rng.int(3000)), rng.bytes(9)];
        const note = `round ${round}, ${SEED_NOTE}`;
        const mine = key.seal(nonce, plaintext, { aad });
        const theirs = other.seal(nonce, plaintext, { aad });
        expect(hex(other.open(nonce, mine, { aad }) ?? new Uint8Array(1)), note).toBe(
          hex(plaintext),
        );
        expect(hex(key.open(nonce, theirs, { aad }) ?? new Uint8Array(1)), note).toBe(
          hex(plaintext),
        );
      }
    });

    it('takes keys, nonces, plaintexts and additional data as views at odd byte offsets', () => {
      const rng = prngFor('aes unaligned');
      for (const size of [1, 15, 16, 17, 4097]) {
        const [keyBytes, nonce] = [rng.unalignedBytes(32), rng.unalignedBytes(12)];
        const [plaintext, aad] = [rng.unalignedBytes(size), rng.unalignedBytes(13)];
        const key = aes.importKey(keyBytes);
        const sealed = key.seal(nonce, plaintext, { aad });
        const expected = reference
          .importKey(keyBytes.slice())
          .seal(nonce.slice(), plaintext.slice(), { aad: aad.slice() });
        expect(hex(sealed), `size ${size}, ${SEED_NOTE}`).toBe(hex(expected));
        const sealedView = new Uint8Array(sealed.length + 1);
        sealedView.set(sealed, 1);
        const opened = key.open(nonce, sealedView.subarray(1), { aad });
        expect(opened === null ? null : hex(opened), SEED_NOTE).toBe(hex(plaintext));
      }
    });

    it('seal and open write into options.out and touch nothing past it', () => {
      const rng = prngFor('aes into out');
      const keyBytes = rng.bytes(32);
      const key = aes.importKey(keyBytes);
      const [nonce, plaintext] = [rng.bytes(12), rng.bytes(100)];
      const expected = hex(reference.importKey(keyBytes).seal(nonce, plaintext));
      const sealedBacking = new Uint8Array(1 + 116 + 4).fill(0xee);
      const sealedOut = sealedBacking.subarray(1);
      const sealed = key.seal(nonce, plaintext, { out: sealedOut });
      expect(hex(sealedOut.subarray(0, 116)), SEED_NOTE).toBe(expected);
      expect(hex(sealed.subarray(0, 116))).toBe(expected);
      expect([sealedBacking[0], ...sealedOut.subarray(116)].every((b) => b === 0xee)).toBe(true);
      const openedOut = new Uint8Array(104).fill(0xee);
      const opened = key.open(nonce, sealedOut.subarray(0, 116), { out: openedOut });
      expect(opened === null ? null : hex(opened.subarray(0, 100))).toBe(hex(plaintext));
      expect(hex(openedOut.subarray(0, 100))).toBe(hex(plaintext));
      expect([...openedOut.subarray(100)]).toEqual([0xee, 0xee, 0xee, 0xee]);
    });

    it('sealBatch lays out each record as seal would, with and without additional data', () => {
      const rng = prngFor('aes seal batch');
      const keyBytes = rng.bytes(32);
      const [key, expectedKey] = [aes.importKey(keyBytes), reference.importKey(keyBytes)];
      for (const prefixBytes of [0, 7, 4096]) {
        const batch = randomSealedBatch(rng, expectedKey, 1 + rng.int(40));
        const note = `prefix ${prefixBytes}, ${batch.plaintexts.length} records, ${SEED_NOTE}`;
        const withAad = sealBatchOf(key, batch, { prefixBytes, aad: true });
        expect(hex(withAad), note).toBe(hex(concat(...batch.sealed)));
        const withoutAad = sealBatchOf(key, batch, { prefixBytes, aad: false });
        const expected = batch.plaintexts.map((plaintext, i) =>
          expectedKey.seal(batch.nonces.subarray(12 * i, 12 * i + 12), plaintext),
        );
        expect(hex(withoutAad), note).toBe(hex(concat(...expected)));
      }
    });

    it('openBatch recovers every plaintext the reference sealed, offsets[0] > 0 included', () => {
      const rng = prngFor('aes open batch');
      const keyBytes = rng.bytes(32);
      const [key, expectedKey] = [aes.importKey(keyBytes), reference.importKey(keyBytes)];
      for (const prefixBytes of [0, 5, 4096]) {
        const batch = randomSealedBatch(rng, expectedKey, 1 + rng.int(40));
        const { failed, plaintexts } = openBatchOf(key, batch.nonces, batch.sealed, {
          prefixBytes,
          aads: batch.aads,
        });
        const note = `prefix ${prefixBytes}, ${SEED_NOTE}`;
        expect(failed, note).toBe(-1);
        expect(plaintexts.map(hex), note).toEqual(batch.plaintexts.map(hex));
      }
    });

    it('sealBatch output opens with the reference openBatch, and the other way round', () => {
      const rng = prngFor('aes batch cross backend');
      const keyBytes = rng.bytes(32);
      const [key, expectedKey] = [aes.importKey(keyBytes), reference.importKey(keyBytes)];
      const batch = randomSealedBatch(rng, expectedKey, 25);
      const sealed = sealBatchOf(key, batch, { prefixBytes: 1, aad: true });
      const records = batch.sealed.map((s) => s.length);
      const split: Uint8Array[] = [];
      let at = 0;
      for (const length of records) {
        split.push(sealed.subarray(at, at + length));
        at += length;
      }
      const opened = openBatchOf(expectedKey, batch.nonces, split, {
        prefixBytes: 2,
        aads: batch.aads,
      });
      expect(opened.failed, SEED_NOTE).toBe(-1);
      expect(opened.plaintexts.map(hex), SEED_NOTE).toEqual(batch.plaintexts.map(hex));
    });

    it('handles a batch of no records', () => {
      const key = aes.importKey(new Uint8Array(32));
      const empty = batchAt([], 4);
      key.sealBatch(new Uint8Array(0), empty, { out: new Uint8Array(0) });
      expect(key.openBatch(new Uint8Array(0), empty, { out: new Uint8Array(0) })).toBe(-1);
    });

    it('seals and opens 16 MiB like the reference', () => {
      const rng = prngFor('aes huge key');
      const [keyBytes, nonce, aad] = [rng.bytes(32), rng.bytes(12), rng.bytes(16)];
      const key = aes.importKey(keyBytes);
      const sealed = key.seal(nonce, hugeInput(), { aad });
      const expected = reference.importKey(keyBytes).seal(nonce, hugeInput(), { aad });
      expect(Buffer.compare(sealed, expected), SEED_NOTE).toBe(0);
      const opened = key.open(nonce, sealed, { aad });
      expect(opened !== null && Buffer.compare(opened, hugeInput()) === 0, SEED_NOTE).toBe(true);
    });
  });

  describe('tamper detection', () => {
    const rng = prngFor('aes tamper');
    const keyBytes = rng.bytes(32);
    const [nonce, plaintext, aad] = [rng.bytes(12), rng.bytes(200), rng.bytes(20)];

    it('open returns null when a bit of the ciphertext, tag, aad or nonce flips', () => {
      const key = aes.importKey(keyBytes);
      const sealed = key.seal(nonce, plaintext, { aad });
      for (const index of [0, 99, 199]) {
        expect(
          key.open(nonce, flipped(sealed, index, index % 8), { aad }),
          `ct ${index}`,
        ).toBeNull();
      }
      for (const index of [200, 207, 215]) {
        expect(key.open(nonce, flipped(sealed, index, 7), { aad }), `tag ${index}`).toBeNull();
      }
      expect(key.open(nonce, sealed, { aad: flipped(aad, 19, 3) }), 'aad').toBeNull();
      expect(key.open(nonce, sealed), 'aad missing').toBeNull();
      expect(key.open(flipped(nonce, 11), sealed, { aad }), 'nonce').toBeNull();
      expect(key.open(nonce, sealed, { aad }), 'untampered').not.toBeNull();
    });

    it('open returns null under another key', () => {
      const sealed = aes.importKey(keyBytes).seal(nonce, plaintext, { aad });
      expect(aes.importKey(flipped(keyBytes, 31)).open(nonce, sealed, { aad })).toBeNull();
    });

    it('openBatch returns the index of the first record that does not authenticate', () => {
      const batchRng = prngFor('aes tamper batch');
      const key = aes.importKey(keyBytes);
      const batch = randomSealedBatch(batchRng, reference.importKey(keyBytes), 12);
      const sealed = batch.sealed.map((record) => record.slice());
      const open = (records: readonly Uint8Array[], aads = batch.aads, nonces = batch.nonces) =>
        openBatchOf(key, nonces, records, { prefixBytes: 3, aads }).failed;
      expect(open(sealed)).toBe(-1);
      const tag = (i: number) => (sealed[i]?.length ?? 16) - 16;
      const withFlip = (i: number, index: number) =>
        sealed.map((record, j) => (j === i ? flipped(record, index) : record));
      expect(open(withFlip(7, tag(7) + 15)), `tag of record 7, ${SEED_NOTE}`).toBe(7);
      expect(open(withFlip(0, 0)), `first byte of record 0, ${SEED_NOTE}`).toBe(0);
      expect(open(withFlip(11, tag(11))), `record 11, ${SEED_NOTE}`).toBe(11);
      const twoFlips = withFlip(9, tag(9)).map((r, j) => (j === 4 ? flipped(r, tag(4) + 1) : r));
      expect(open(twoFlips), `records 4 and 9, ${SEED_NOTE}`).toBe(4);
      const aads = batch.aads.map((a, j) => (j === 5 ? concat(a, new Uint8Array(1)) : a));
      expect(open(sealed, aads), `aad of record 5, ${SEED_NOTE}`).toBe(5);
      expect(open(sealed, batch.aads, flipped(batch.nonces, 12 * 6)), SEED_NOTE).toBe(6);
    });

    it('openBatch reports a sealed record shorter than its tag as not authenticating', () => {
      const key = aes.importKey(keyBytes);
      const batch = randomSealedBatch(prngFor('aes short record'), key, 4);
      const sealed = batch.sealed.map((record, i) => (i === 2 ? record.subarray(0, 15) : record));
      expect(
        openBatchOf(key, batch.nonces, sealed, { prefixBytes: 0, aads: batch.aads }).failed,
      ).toBe(2);
    });
  });

  describe('bad input', () => {
    it('rejects keys that are not 32 bytes with INVALID_ARGUMENT', () => {
      for (const bytes of [0, 16, 24, 31, 33, 64]) {
        expectInvalidArgument(() => aes.importKey(new Uint8Array(bytes)), /32-byte key/);
      }
    });

    it('rejects nonces that are not 12 bytes with INVALID_ARGUMENT', () => {
      const key = aes.importKey(new Uint8Array(32));
      const sealed = key.seal(new Uint8Array(12), new Uint8Array(5));
      for (const bytes of [0, 8, 11, 13, 16]) {
        expectInvalidArgument(() => key.seal(new Uint8Array(bytes), new Uint8Array(5)), /nonce/);
        expectInvalidArgument(() => key.open(new Uint8Array(bytes), sealed), /nonce/);
      }
    });

    it('rejects a sealed record shorter than the 16-byte tag with INVALID_ARGUMENT', () => {
      const key = aes.importKey(new Uint8Array(32));
      for (const bytes of [0, 1, 15]) {
        expectInvalidArgument(() => key.open(new Uint8Array(12), new Uint8Array(bytes)), /tag/);
      }
    });

    it('rejects a batch whose nonces do not cover every record', () => {
      const key = aes.importKey(new Uint8Array(32));
      const plaintexts = batchAt([new Uint8Array(3), new Uint8Array(4)], 0);
      const out = new Uint8Array(7 + 32);
      expectInvalidArgument(() => key.sealBatch(new Uint8Array(23), plaintexts, { out }), /nonce/);
      expectInvalidArgument(
        () => key.openBatch(new Uint8Array(13), batchAt([out.subarray(0, 19)], 0), { out }),
        /nonce/,
      );
    });

    it('rejects an output buffer too small for the result', () => {
      const key = aes.importKey(new Uint8Array(32));
      const nonce = new Uint8Array(12);
      expect(() => key.seal(nonce, new Uint8Array(10), { out: new Uint8Array(25) })).toThrow();
      const sealed = key.seal(nonce, new Uint8Array(10));
      expect(() => key.open(nonce, sealed, { out: new Uint8Array(9) })).toThrow();
      const batch = batchAt([new Uint8Array(10)], 0);
      expect(() => key.sealBatch(nonce, batch, { out: new Uint8Array(25) })).toThrow();
    });

    it('destroy leaves the caller key bytes and other keys made from them intact', () => {
      const keyBytes = prngFor('aes destroy').bytes(32);
      const copy = keyBytes.slice();
      const [first, second] = [aes.importKey(keyBytes), aes.importKey(keyBytes)];
      const nonce = new Uint8Array(12);
      const sealed = first.seal(nonce, new Uint8Array(40));
      first.destroy();
      expect(hex(keyBytes)).toBe(hex(copy));
      expect(second.open(nonce, sealed)).not.toBeNull();
      second.destroy();
    });
  });
});
