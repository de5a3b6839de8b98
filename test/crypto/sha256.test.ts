/**
 * SHA-256 on every backend that loads: the FIPS 180-4 examples, then seeded differential
 * tests against the TypeScript reference (see hash_suite.ts), then the hash chain.
 */
import { expect, it } from 'vitest';
import { type Sha256, sha256Candidates } from '../../ts/crypto/sha256/index.js';
import { describeBackends, loadBackends } from './backends.js';
import { batchAt, concat, hex, randomRecords, utf8 } from './bytes.js';
import { hashFunctionSuite } from './hash_suite.js';
import { prngFor, SEED_NOTE } from './random.js';

const backends = await loadBackends('sha256', sha256Candidates);

/** FIPS 180-4 / NIST CSRC "SHA-256 examples" (SHA256.pdf, SHA2_Additional.pdf). */
const FIPS_180_4_VECTORS: readonly { name: string; input: () => Uint8Array; digest: string }[] = [
  {
    name: 'the empty string',
    input: () => new Uint8Array(0),
    digest: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  },
  {
    name: '"abc" (one block)',
    input: () => utf8('abc'),
    digest: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  },
  {
    name: 'the 448-bit message (two blocks)',
    input: () => utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
    digest: '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  },
  {
    name: 'the 896-bit message',
    input: () =>
      utf8(
        'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq' +
          'klmnopqrlmnopqrsmnopqrstnopqrstu',
      ),
    digest: 'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1',
  },
  {
    name: "one million 'a'",
    input: () => new Uint8Array(1_000_000).fill(0x61),
    digest: 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
  },
];

/** The chain by its definition: h[i] = SHA-256(h[i-1] ++ record[i]), one digest at a time. */
function chainByDefinition(reference: Sha256, seed: Uint8Array, records: Uint8Array[]): string[] {
  const links: string[] = [];
  let previous = seed;
  for (const record of records) {
    previous = reference.digest(concat(previous, record));
    links.push(hex(previous));
  }
  return links;
}

function chainOf(impl: Sha256, seed: Uint8Array, records: Uint8Array[], prefix = 0): string[] {
  const out = new Uint8Array(32 * records.length);
  impl.hashChain(seed, batchAt(records, prefix), { out });
  return records.map((_, i) => hex(out.subarray(32 * i, 32 * i + 32)));
}

describeBackends(backends, (sha256, reference) => {
  for (const vector of FIPS_180_4_VECTORS) {
    it(`matches FIPS 180-4 for ${vector.name}`, () => {
      const input = vector.input();
      expect(hex(sha256.digest(input))).toBe(vector.digest);
      const hasher = sha256.createHasher();
      for (let at = 0; at < input.length; at += 4093) hasher.update(input.subarray(at, at + 4093));
      expect(hex(hasher.digest())).toBe(vector.digest);
    });
  }

  hashFunctionSuite(sha256, reference);

  it('hashChain equals the chain computed one record at a time', () => {
    const rng = prngFor('sha256 chain');
    for (let round = 0; round < 6; round++) {
      const seed = round === 0 ? new Uint8Array(32) : rng.bytes(32);
      const records = randomRecords(rng, 1 + rng.int(60), round < 3 ? 200 : 5000);
      const prefix = [0, 1, 64, 4099][round % 4] ?? 0;
      expect(chainOf(sha256, seed, records, prefix), `round ${round}, ${SEED_NOTE}`).toEqual(
        chainByDefinition(reference, seed, records),
      );
    }
  });

  it('hashChain starts from the genesis seed of 32 zero bytes', () => {
    const records = [utf8('genesis'), new Uint8Array(0), utf8('second')];
    expect(chainOf(sha256, new Uint8Array(32), records)).toEqual(
      chainByDefinition(reference, new Uint8Array(32), records),
    );
  });

  it('hashChain over two batches equals hashChain over their concatenation', () => {
    const rng = prngFor('sha256 chain continuation');
    const seed = rng.bytes(32);
    const first = randomRecords(rng, 17, 500);
    const second = randomRecords(rng, 9, 500);
    const whole = chainOf(sha256, seed, [...first, ...second]);
    const head = chainOf(sha256, seed, first);
    const tail = chainOf(sha256, Buffer.from(head.at(-1) ?? '', 'hex'), second);
    expect([...head, ...tail], SEED_NOTE).toEqual(whole);
  });

  it('hashChain accepts a seed that is a view at an odd byte offset', () => {
    const rng = prngFor('sha256 chain unaligned seed');
    const seed = rng.unalignedBytes(32);
    const records = randomRecords(rng, 5, 100);
    expect(chainOf(sha256, seed, records), SEED_NOTE).toEqual(
      chainByDefinition(reference, seed.slice(), records),
    );
  });

  it('hashChain of no records writes nothing', () => {
    const out = new Uint8Array(32).fill(7);
    sha256.hashChain(new Uint8Array(32), batchAt([], 3), { out });
    expect(out.every((b) => b === 7)).toBe(true);
  });
});
