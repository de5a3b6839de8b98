/**
 * BLAKE3 (unkeyed, 32-byte output) on the native addon: Kimberlite's own scalar Rust
 * implementation of the BLAKE3 specification (`native/src/blake3.rs`), one call per batch.
 *
 * Invariant: a hasher's native state is released by `digest` or, if never digested, by the
 * garbage collector (the addon attaches a finalizer).
 */
import { loadNativeAddon, type NativeAddon } from '../../platform/index.js';
import { assert, CRYPTO } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import type { RecordBatch } from '../batch.js';
import type { Hasher } from '../hash.js';
import type { Blake3 } from './index.js';

const DIGEST_BYTES = CRYPTO.blake3DigestBytes;
const info: BackendInfo = { kind: 'native', name: 'kimberlite-addon' };

/** `out` itself when exactly 32 bytes, else its first 32 bytes; a new array when absent. */
function outputOf(out: Uint8Array | undefined): Uint8Array {
  if (out === undefined) return new Uint8Array(DIGEST_BYTES);
  assert(out.length >= DIGEST_BYTES, `digest output needs ${DIGEST_BYTES} bytes`);
  return out.length === DIGEST_BYTES ? out : out.subarray(0, DIGEST_BYTES);
}

function createHasher(addon: NativeAddon): Hasher {
  const state = addon.blake3HasherCreate();
  const hasher: Hasher = {
    update(data: Uint8Array): Hasher {
      addon.blake3HasherUpdate(state, data);
      return hasher;
    },
    digest(out?: Uint8Array): Uint8Array {
      const target = outputOf(out);
      addon.blake3HasherDigest(state, target);
      return target;
    },
  };
  return hasher;
}

/** The native BLAKE3 backend; rejects when the addon is not built or does not load. */
export async function load(): Promise<Blake3> {
  const addon = loadNativeAddon();
  const { blake3Digest, blake3DigestBatch } = addon;
  return {
    info,
    digestBytes: DIGEST_BYTES,
    digest(data: Uint8Array, out?: Uint8Array): Uint8Array {
      const target = outputOf(out);
      blake3Digest(data, target);
      return target;
    },
    digestBatch(records: RecordBatch, out: Uint8Array): void {
      blake3DigestBatch(records.data, records.offsets, out);
    },
    createHasher: () => createHasher(addon),
  };
}
