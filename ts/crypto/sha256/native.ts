/**
 * SHA-256 on the native addon: OpenSSL's SHA-256 (SHA-NI where the CPU has it) called once
 * per batch, so a hash chain of a thousand short records is one crossing into native code
 * instead of a thousand (see `../native_hash.ts`).
 *
 * Invariant: a hasher's native state is released by `digest` or, if never digested, by the
 * garbage collector (the addon attaches a finalizer).
 */
import { loadNativeAddon, type NativeAddon } from '../../platform/index.js';
import { assert, CRYPTO } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import type { RecordBatch } from '../batch.js';
import { NativeHash } from '../native_hash.js';
import type { Sha256 } from './index.js';

const info: BackendInfo = { kind: 'native', name: 'openssl' };

type HasherHandle = ReturnType<NativeAddon['sha256HasherCreate']>;

class NativeSha256 extends NativeHash<HasherHandle> implements Sha256 {
  private readonly hashChainCall: NativeAddon['sha256HashChain'];

  constructor(addon: NativeAddon) {
    super(info, {
      digestBytes: CRYPTO.sha256DigestBytes,
      digest: addon.sha256Digest,
      digestBatch: addon.sha256DigestBatch,
      hasherCreate: addon.sha256HasherCreate,
      hasherUpdate: addon.sha256HasherUpdate,
      hasherDigest: addon.sha256HasherDigest,
    });
    this.hashChainCall = addon.sha256HashChain;
  }

  /** One addon call for the whole chain; the addon checks the batch and the room. */
  hashChain(seed: Uint8Array, records: RecordBatch, options: { out: Uint8Array }): void {
    assert(seed.length === this.digestBytes, `the chain seed must be ${this.digestBytes} bytes`);
    this.hashChainCall(seed, records.data, records.offsets, options.out);
  }
}

/** The native SHA-256 backend; rejects when the addon is not built or does not load. */
export async function load(): Promise<Sha256> {
  return new NativeSha256(loadNativeAddon());
}
