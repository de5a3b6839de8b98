/**
 * SHA-256 on `node:crypto` (the OpenSSL inside the `node` binary): `crypto.hash` for one-shot
 * digests and short chain links, which skips building a Hash object, and `createHash` for
 * streaming and long chain links.
 * Each call crosses into C++ once, so this wins for large inputs and loses to the pure
 * TypeScript reference on many tiny ones.
 */
import * as nodeCrypto from 'node:crypto';
import { CRYPTO, ErrorCode, KimberliteError } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import type { Hasher } from '../hash.js';
import { type ChainCore, CheckedSha256, copyOut } from '../hash_core.js';
import type { Sha256 } from './index.js';

function createHasher(): Hasher {
  const state = nodeCrypto.createHash('sha256');
  const hasher: Hasher = {
    update(data: Uint8Array): Hasher {
      state.update(data);
      return hasher;
    },
    digest(out?: Uint8Array): Uint8Array {
      return copyOut(state.digest(), out, 'digest');
    },
  };
  return hasher;
}

/**
 * Chain links of records up to this size are hashed by one `crypto.hash` over a scratch copy
 * of `previous ++ record`: building a Hash object per link (`createHash`) costs more than the
 * copy (measured: 1.7x slower for 128-byte records). Larger records stream, copying nothing.
 */
const CHAIN_COPY_BYTES_MAX = 4096;
const DIGEST_BYTES = CRYPTO.sha256DigestBytes;
/** Reused by every link; sized for the largest record that is copied. */
const chainScratch = new Uint8Array(DIGEST_BYTES + CHAIN_COPY_BYTES_MAX);

/** node:crypto returns a new Buffer per digest; `digestInto` copies it into place. */
const core: ChainCore = {
  digestBytes: DIGEST_BYTES,
  digest: (data) => nodeCrypto.hash('sha256', data, 'buffer'),
  digestInto(data, out, at) {
    out.set(nodeCrypto.hash('sha256', data, 'buffer'), at);
  },
  chainLinkInto(previous, record, link) {
    if (record.length > CHAIN_COPY_BYTES_MAX) {
      link.set(nodeCrypto.createHash('sha256').update(previous).update(record).digest());
      return;
    }
    chainScratch.set(previous, 0);
    chainScratch.set(record, DIGEST_BYTES);
    const joined = chainScratch.subarray(0, DIGEST_BYTES + record.length);
    link.set(nodeCrypto.hash('sha256', joined, 'buffer'));
  },
  createHasher,
};

const info: BackendInfo = { kind: 'node', name: 'crypto.hash' };

const backend: Sha256 = new CheckedSha256(info, core);

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
