/**
 * SHA-256 on `node:crypto` (the OpenSSL inside the `node` binary): `crypto.hash` for one-shot
 * digests, which skips building a Hash object, and `createHash` for streaming and chains.
 * Each call crosses into C++ once, so this wins for large inputs and loses to the pure
 * TypeScript reference on many tiny ones.
 */
import * as nodeCrypto from 'node:crypto';
import { assert, CRYPTO, ErrorCode, KimberliteError } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import { assertBatch, type RecordBatch, recordCount } from '../batch.js';
import type { Hasher } from '../hash.js';
import type { Sha256 } from './index.js';

const DIGEST_BYTES = CRYPTO.sha256DigestBytes;

/** Copies `digest` into `out[0, DIGEST_BYTES)` and returns that view. */
function writeDigest(digest: Uint8Array, out: Uint8Array): Uint8Array {
  assert(out.length >= DIGEST_BYTES, `digest output needs ${DIGEST_BYTES} bytes`);
  out.set(digest);
  return out.length === DIGEST_BYTES ? out : out.subarray(0, DIGEST_BYTES);
}

function createHasher(): Hasher {
  const state = nodeCrypto.createHash('sha256');
  const hasher: Hasher = {
    update(data: Uint8Array): Hasher {
      state.update(data);
      return hasher;
    },
    digest(out?: Uint8Array): Uint8Array {
      const digest = state.digest();
      return out === undefined ? digest : writeDigest(digest, out);
    },
  };
  return hasher;
}

const info: BackendInfo = { kind: 'node', name: 'crypto.hash' };

const backend: Sha256 = {
  info,
  digestBytes: DIGEST_BYTES,
  digest(data: Uint8Array, out?: Uint8Array): Uint8Array {
    const digest = nodeCrypto.hash('sha256', data, 'buffer');
    return out === undefined ? digest : writeDigest(digest, out);
  },
  digestBatch(records: RecordBatch, out: Uint8Array): void {
    assertBatch(records);
    const count = recordCount(records);
    assert(out.length >= count * DIGEST_BYTES, `digestBatch needs ${count} digests of room`);
    const { data, offsets } = records;
    for (let i = 0; i < count; i++) {
      const record = data.subarray(offsets[i], offsets[i + 1]);
      out.set(nodeCrypto.hash('sha256', record, 'buffer'), i * DIGEST_BYTES);
    }
  },
  createHasher,
  hashChain(seed: Uint8Array, records: RecordBatch, options: { out: Uint8Array }): void {
    const { out } = options;
    assert(seed.length === DIGEST_BYTES, `the chain seed must be ${DIGEST_BYTES} bytes`);
    assertBatch(records);
    const count = recordCount(records);
    assert(out.length >= count * DIGEST_BYTES, `hashChain needs ${count} digests of room`);
    const { data, offsets } = records;
    let previous = seed;
    for (let i = 0; i < count; i++) {
      const record = data.subarray(offsets[i], offsets[i + 1]);
      // Two updates instead of hashing `previous ++ record`: no per-record concatenation.
      const link = nodeCrypto.createHash('sha256').update(previous).update(record).digest();
      out.set(link, i * DIGEST_BYTES);
      previous = out.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES);
    }
  },
};

/** SHA-256 on node:crypto; loads wherever Node >= 20.12 runs (`crypto.hash`). */
export async function load(): Promise<Sha256> {
  // `crypto.hash` arrived in Node 20.12; fail the load (so `auto` moves on), not a later call.
  if (typeof nodeCrypto.hash !== 'function') {
    throw new KimberliteError(
      ErrorCode.BackendUnavailable,
      'node:crypto has no crypto.hash; it needs Node >= 20.12',
    );
  }
  return backend;
}
