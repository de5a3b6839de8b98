/**
 * Merkle roots and inclusion proofs (ts/storage/merkle.ts) against trees computed by hand
 * with node:crypto, RFC 6962's definition, and fast-check properties. Runs on the SHA-256
 * backend KIMBERLITE_BACKEND selects.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto, parseBackendChoice, type Sha256 } from '../../ts/crypto/index.js';
import {
  type MerkleProof,
  merkleProof,
  merkleRoot,
  verifyMerkleProof,
} from '../../ts/storage/index.js';
import { hex } from '../crypto/bytes.js';

let sha256: Sha256;
beforeAll(async () => {
  sha256 = (await loadCrypto({ choice: parseBackendChoice(process.env.KIMBERLITE_BACKEND) }))
    .sha256;
});

function h(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}
const leaf = (x: Uint8Array): Uint8Array => h(Uint8Array.of(0), x);
const node = (l: Uint8Array, r: Uint8Array): Uint8Array => h(Uint8Array.of(1), l, r);

/** RFC 6962 section 2.1 MTH, recursively: the left subtree is the largest power of two < n. */
function rfc6962(items: readonly Uint8Array[]): Uint8Array {
  if (items.length === 0) return h();
  const first = items[0];
  if (items.length === 1 && first !== undefined) return leaf(first);
  let k = 1;
  while (k * 2 < items.length) k *= 2;
  return node(rfc6962(items.slice(0, k)), rfc6962(items.slice(k)));
}

function recordHash(i: number): Uint8Array {
  return h(new TextEncoder().encode(`record ${i}`));
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.length * 32);
  parts.forEach((part, i) => {
    out.set(part, i * 32);
  });
  return out;
}

const hashesArbitrary = fc
  .integer({ min: 1, max: 70 })
  .chain((n) => fc.uint8Array({ minLength: n * 32, maxLength: n * 32 }));

describe('merkleRoot', () => {
  it('is SHA-256 of the empty string for zero leaves', () => {
    expect(hex(merkleRoot(sha256, new Uint8Array(0)))).toBe(hex(h()));
  });

  it('matches trees of 1 to 5 leaves computed by hand', () => {
    const [a, b, c, d, e] = [0, 1, 2, 3, 4].map(recordHash) as [
      Uint8Array,
      Uint8Array,
      Uint8Array,
      Uint8Array,
      Uint8Array,
    ];
    const ab = node(leaf(a), leaf(b));
    const cd = node(leaf(c), leaf(d));
    const expected = [
      leaf(a),
      ab,
      // Three leaves: c is promoted, not paired with a copy of itself.
      node(ab, leaf(c)),
      node(ab, cd),
      node(node(ab, cd), leaf(e)),
    ];
    expected.forEach((root, i) => {
      const hashes = concat([a, b, c, d, e].slice(0, i + 1));
      expect(hex(merkleRoot(sha256, hashes)), `${i + 1} leaves`).toBe(hex(root));
    });
  });

  it('equals RFC 6962 MTH for every size up to 70', () => {
    for (let n = 0; n <= 70; n++) {
      const items = Array.from({ length: n }, (_, i) => recordHash(i));
      expect(hex(merkleRoot(sha256, concat(items))), `${n} leaves`).toBe(hex(rfc6962(items)));
    }
  });

  it('differs between [a, b, c] and [a, b, c, c] (no duplication of odd nodes)', () => {
    const [a, b, c] = [recordHash(0), recordHash(1), recordHash(2)];
    const three = merkleRoot(sha256, concat([a, b, c]));
    const four = merkleRoot(sha256, concat([a, b, c, c]));
    expect(hex(three)).not.toBe(hex(four));
  });
});

describe('merkle proofs', () => {
  it('verify for every index of random trees', () => {
    fc.assert(
      fc.property(hashesArbitrary, (hashes) => {
        const root = merkleRoot(sha256, hashes);
        const count = hashes.length / 32;
        for (let index = 0; index < count; index++) {
          const proof = merkleProof(sha256, hashes, index);
          expect(proof.siblings.length).toBeLessThanOrEqual(Math.ceil(Math.log2(count)));
          const hash = hashes.subarray(index * 32, index * 32 + 32);
          expect(verifyMerkleProof(sha256, { root, hash, proof })).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('fail when a sibling, the hash, the index or the root is tampered with', () => {
    const arbitrary = hashesArbitrary.chain((hashes) =>
      fc.record({
        hashes: fc.constant(hashes),
        index: fc.nat(hashes.length / 32 - 1),
        bit: fc.nat(255),
        // Not the leaf count: a root commits to its tree's size, so a proof for a leaf of a
        // full left subtree is the same for several sizes, as in RFC 6962.
        what: fc.constantFrom('sibling', 'hash', 'index', 'root', 'drop'),
      }),
    );
    fc.assert(
      fc.property(arbitrary, ({ hashes, index, bit, what }) => {
        const count = hashes.length / 32;
        const root = merkleRoot(sha256, hashes);
        const proof = merkleProof(sha256, hashes, index);
        const hash = hashes.slice(index * 32, index * 32 + 32);
        const flip = (bytes: Uint8Array): Uint8Array => {
          const copy = bytes.slice();
          copy[bit >> 3] = (copy[bit >> 3] ?? 0) ^ (1 << (bit & 7));
          return copy;
        };
        let claim: { root: Uint8Array; hash: Uint8Array; proof: MerkleProof } = {
          root,
          hash,
          proof,
        };
        switch (what) {
          case 'sibling': {
            if (proof.siblings.length === 0) return;
            const siblings = proof.siblings.slice();
            const which = bit % siblings.length;
            siblings[which] = flip(siblings[which] ?? new Uint8Array(32));
            claim = { ...claim, proof: { ...proof, siblings } };
            break;
          }
          case 'hash':
            claim = { ...claim, hash: flip(hash) };
            break;
          case 'root':
            claim = { ...claim, root: flip(root) };
            break;
          case 'index': {
            if (count === 1) return;
            const other = (index + 1 + (bit % (count - 1))) % count;
            // Two leaves may carry the same record hash only by chance of the generator.
            if (hex(hashes.subarray(other * 32, other * 32 + 32)) === hex(hash)) return;
            claim = { ...claim, proof: { ...proof, index: other } };
            break;
          }
          case 'drop':
            if (proof.siblings.length === 0) return;
            claim = { ...claim, proof: { ...proof, siblings: proof.siblings.slice(1) } };
            break;
        }
        expect(verifyMerkleProof(sha256, claim)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('a single-leaf proof has no siblings and verifies against the leaf hash', () => {
    const a = recordHash(9);
    const proof = merkleProof(sha256, a, 0);
    expect(proof.siblings).toEqual([]);
    expect(verifyMerkleProof(sha256, { root: leaf(a), hash: a, proof })).toBe(true);
  });
});
