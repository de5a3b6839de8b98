/**
 * SHA-256 on the native addon: OpenSSL's SHA-256 (SHA-NI where the CPU has it) called once
 * per batch, so a hash chain of a thousand short records is one crossing into native code
 * instead of a thousand.
 *
 * Invariant: a hasher's native state is released by `digest` or, if never digested, by the
 * garbage collector (the addon attaches a finalizer).
 */
import { loadNativeAddon, type NativeAddon } from '../../platform/index.js';
import { assert, CRYPTO } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import type { RecordBatch } from '../batch.js';
import type { Hasher } from '../hash.js';
import type { Sha256 } from './index.js';

const DIGEST_BYTES = CRYPTO.sha256DigestBytes;
const info: BackendInfo = { kind: 'native', name: 'openssl' };

/** `out` itself when exactly 32 bytes, else its first 32 bytes; a new array when absent. */
function outputOf(out: Uint8Array | undefined): Uint8Array {
  if (out === undefined) return new Uint8Array(DIGEST_BYTES);
  assert(out.length >= DIGEST_BYTES, `digest output needs ${DIGEST_BYTES} bytes`);
  return out.length === DIGEST_BYTES ? out : out.subarray(0, DIGEST_BYTES);
}

function createHasher(addon: NativeAddon): Hasher {
  const state = addon.sha256HasherCreate();
  const hasher: Hasher = {
    update(data: Uint8Array): Hasher {
      addon.sha256HasherUpdate(state, data);
      return hasher;
    },
    digest(out?: Uint8Array): Uint8Array {
      const target = outputOf(out);
      addon.sha256HasherDigest(state, target);
      return target;
    },
  };
  return hasher;
}

function backendOf(addon: NativeAddon): Sha256 {
  const { sha256Digest, sha256DigestBatch, sha256HashChain } = addon;
  return {
    info,
    digestBytes: DIGEST_BYTES,
    digest(data: Uint8Array, out?: Uint8Array): Uint8Array {
      const target = outputOf(out);
      sha256Digest(data, target);
      return target;
    },
    digestBatch(records: RecordBatch, out: Uint8Array): void {
      sha256DigestBatch(records.data, records.offsets, out);
    },
    createHasher: () => createHasher(addon),
    hashChain(seed: Uint8Array, records: RecordBatch, options: { out: Uint8Array }): void {
      assert(seed.length === DIGEST_BYTES, `the chain seed must be ${DIGEST_BYTES} bytes`);
      sha256HashChain(seed, records.data, records.offsets, options.out);
    },
  };
}

/** The native SHA-256 backend; rejects when the addon is not built or does not load. */
export async function load(): Promise<Sha256> {
  return backendOf(loadNativeAddon());
}
