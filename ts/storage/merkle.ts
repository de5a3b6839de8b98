/**
 * Merkle trees over a batch's record hashes (ARCHITECTURE.md section 3a): each batch header
 * carries the root over the chain hashes of the batch's records, and clients will get
 * inclusion proofs against it. Pure: the SHA-256 backend is passed in, nothing here does IO.
 *
 * Tree shape, as RFC 6962 (Certificate Transparency) section 2.1 defines it, with its domain
 * separation:
 *
 *   leaf = SHA-256(0x00 ++ record hash)          node = SHA-256(0x01 ++ left ++ right)
 *   root of zero leaves = SHA-256("")
 *
 * We build it bottom-up, pairing nodes left to right; an odd last node of a level is
 * *promoted* to the next level unchanged, never duplicated. Why: duplicating it (as Bitcoin
 * does) gives `[a, b, c]` and `[a, b, c, c]` the same root (CVE-2012-2459), so a batch could
 * gain a record without its root changing. Promotion builds exactly RFC 6962's tree (the left
 * subtree is the largest power of two), so our proofs are its audit paths. The 0x00 / 0x01
 * prefixes keep a leaf from being passed off as an inner node and the reverse.
 *
 * Invariants: `hashes` holds `32 n` bytes, n <= LIMITS.batchRecordsMax; one `digestBatch`
 * call per level (the leaf layer included), so a native or WASM backend is crossed
 * O(log n) times per tree, not O(n).
 */
import type { Sha256 } from '../crypto/index.js';
import { assert, CRYPTO, LIMITS } from '../types/index.js';

const HASH_BYTES = CRYPTO.sha256DigestBytes;
const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** An inclusion proof: the sibling hashes from the leaf's level up to the root's children. */
export interface MerkleProof {
  /** The leaf's index among the batch's records. */
  readonly index: number;
  /** Leaves in the tree. */
  readonly count: number;
  /** Sibling hashes, leaf level first; levels where the node was promoted have none. */
  readonly siblings: readonly Uint8Array[];
}

function leafCount(hashes: Uint8Array): number {
  assert(hashes.length % HASH_BYTES === 0, 'Merkle input must be whole 32-byte hashes');
  const count = hashes.length / HASH_BYTES;
  assert(count <= LIMITS.batchRecordsMax, 'Merkle tree over more than batchRecordsMax leaves');
  return count;
}

/** The leaf layer: SHA-256(0x00 ++ hash) for every hash, in one batch call. */
function leafLayer(sha256: Sha256, hashes: Uint8Array, count: number): Uint8Array {
  const width = 1 + HASH_BYTES;
  const data = new Uint8Array(count * width);
  const offsets = new Uint32Array(count + 1);
  for (let i = 0; i < count; i++) {
    data[i * width] = LEAF_PREFIX;
    data.set(hashes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES), i * width + 1);
    offsets[i + 1] = (i + 1) * width;
  }
  const out = new Uint8Array(count * HASH_BYTES);
  sha256.digestBatch({ data, offsets }, out);
  return out;
}

/** The level above `level` (of `count` nodes): pairs hashed in one batch call, odd promoted. */
function nextLevel(sha256: Sha256, level: Uint8Array, count: number): Uint8Array {
  const pairs = Math.floor(count / 2);
  const width = 1 + 2 * HASH_BYTES;
  const data = new Uint8Array(pairs * width);
  const offsets = new Uint32Array(pairs + 1);
  for (let i = 0; i < pairs; i++) {
    data[i * width] = NODE_PREFIX;
    data.set(level.subarray(2 * i * HASH_BYTES, (2 * i + 2) * HASH_BYTES), i * width + 1);
    offsets[i + 1] = (i + 1) * width;
  }
  const out = new Uint8Array(Math.ceil(count / 2) * HASH_BYTES);
  sha256.digestBatch({ data, offsets }, out);
  if (count % 2 === 1) out.set(level.subarray((count - 1) * HASH_BYTES), pairs * HASH_BYTES);
  return out;
}

/** Every level, leaves first, the root's level (one node) last; for count >= 1. */
function levelsOf(sha256: Sha256, hashes: Uint8Array, count: number): Uint8Array[] {
  assert(count >= 1, 'a tree with levels has at least one leaf');
  const levels = [leafLayer(sha256, hashes, count)];
  let width = count;
  while (width > 1) {
    const below = levels[levels.length - 1];
    assert(below !== undefined, 'levels is never empty');
    levels.push(nextLevel(sha256, below, width));
    width = Math.ceil(width / 2);
  }
  return levels;
}

/**
 * The Merkle root over `hashes` (the record chain hashes, 32 bytes each, back to back, as
 * `AppendResult.hashes` holds them).
 *
 * @example
 * const root = merkleRoot(backends.sha256, appendResult.hashes); // 32 bytes
 */
export function merkleRoot(sha256: Sha256, hashes: Uint8Array): Uint8Array {
  const count = leafCount(hashes);
  if (count === 0) return sha256.digest(new Uint8Array(0));
  const levels = levelsOf(sha256, hashes, count);
  const top = levels[levels.length - 1];
  assert(top !== undefined && top.length === HASH_BYTES, 'the top level is one hash');
  return top.slice();
}

/**
 * The inclusion proof of leaf `index` among `hashes`.
 *
 * @example
 * const proof = merkleProof(sha256, hashes, 2);
 * verifyMerkleProof(sha256, { root, hash: hashes.subarray(64, 96), proof }); // true
 */
export function merkleProof(sha256: Sha256, hashes: Uint8Array, index: number): MerkleProof {
  const count = leafCount(hashes);
  assert(Number.isInteger(index) && index >= 0 && index < count, 'proof index out of range');
  const levels = levelsOf(sha256, hashes, count);
  const siblings: Uint8Array[] = [];
  let at = index;
  let width = count;
  for (const level of levels) {
    if (width === 1) break;
    const sibling = at % 2 === 1 ? at - 1 : at + 1;
    if (sibling < width) {
      siblings.push(level.slice(sibling * HASH_BYTES, (sibling + 1) * HASH_BYTES));
    }
    at = Math.floor(at / 2);
    width = Math.ceil(width / 2);
  }
  return { index, count, siblings };
}

function hashNode(sha256: Sha256, left: Uint8Array, right: Uint8Array): Uint8Array {
  const data = new Uint8Array(1 + 2 * HASH_BYTES);
  data[0] = NODE_PREFIX;
  data.set(left, 1);
  data.set(right, 1 + HASH_BYTES);
  return sha256.digest(data);
}

/**
 * Whether `proof` shows that the record with chain hash `hash` is leaf `proof.index` of the
 * tree with root `root`. Untrusted input (a proof from the wire) gives false, never throws.
 */
export function verifyMerkleProof(
  sha256: Sha256,
  claim: { root: Uint8Array; hash: Uint8Array; proof: MerkleProof },
): boolean {
  const { root, hash, proof } = claim;
  const { index, count, siblings } = proof;
  if (!Number.isSafeInteger(count) || count < 1 || count > LIMITS.batchRecordsMax) return false;
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) return false;
  if (hash.length !== HASH_BYTES || root.length !== HASH_BYTES) return false;
  const leaf = new Uint8Array(1 + HASH_BYTES);
  leaf[0] = LEAF_PREFIX;
  leaf.set(hash, 1);
  let node = sha256.digest(leaf);
  let used = 0;
  let at = index;
  let width = count;
  // Bounded: width halves every turn, so at most log2(batchRecordsMax) + 1 turns.
  while (width > 1) {
    const promoted = at % 2 === 0 && at + 1 >= width;
    if (!promoted) {
      const sibling = siblings[used];
      if (sibling === undefined || sibling.length !== HASH_BYTES) return false;
      used += 1;
      node = at % 2 === 1 ? hashNode(sha256, sibling, node) : hashNode(sha256, node, sibling);
    }
    at = Math.floor(at / 2);
    width = Math.ceil(width / 2);
  }
  return used === siblings.length && equalBytes(node, root);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
