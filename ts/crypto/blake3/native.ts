/**
 * BLAKE3 (unkeyed, 32-byte output) on the native addon: Kimberlite's own scalar Rust
 * implementation of the BLAKE3 specification (`native/src/blake3.rs`), one call per batch
 * (see `../native_hash.ts`).
 *
 * Invariant: a hasher's native state is released by `digest` or, if never digested, by the
 * garbage collector (the addon attaches a finalizer).
 */
import { loadNativeAddon } from '../../platform/index.js';
import { CRYPTO } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import { NativeHash } from '../native_hash.js';
import type { Blake3 } from './index.js';

const info: BackendInfo = { kind: 'native', name: 'kimberlite-addon' };

/** The native BLAKE3 backend; rejects when the addon is not built or does not load. */
export async function load(): Promise<Blake3> {
  const addon = loadNativeAddon();
  return new NativeHash(info, {
    digestBytes: CRYPTO.blake3DigestBytes,
    digest: addon.blake3Digest,
    digestBatch: addon.blake3DigestBatch,
    hasherCreate: addon.blake3HasherCreate,
    hasherUpdate: addon.blake3HasherUpdate,
    hasherDigest: addon.blake3HasherDigest,
  });
}
