/**
 * AES-256-GCM on the native addon: a key is expanded once into OpenSSL cipher contexts held
 * by the addon (freed, and the key schedule wiped, by `destroy()` or else by the garbage
 * collector), and a whole batch is sealed or opened in one call with per-record nonces.
 *
 * The documented error cases are checked by `CheckedAesGcmKey` first, so they throw
 * INVALID_ARGUMENT like every other backend; the addon re-checks everything before touching
 * memory. Unauthenticated plaintext is wiped by the addon.
 */
import { loadNativeAddon, type NativeAddon } from '../../platform/index.js';
import type { BackendInfo } from '../backend.js';
import type { RecordBatch } from '../batch.js';
import { CheckedAesGcmKey, checkKey } from './checked_key.js';
import type { AesGcm, AesGcmKey } from './index.js';

const info: BackendInfo = { kind: 'native', name: 'openssl' };

type KeyHandle = ReturnType<NativeAddon['aesGcmKeyCreate']>;

class NativeAesGcmKey extends CheckedAesGcmKey {
  private readonly addon: NativeAddon;
  /** The addon's contexts for this key, freed by `destroyKey` (or else by the GC). */
  private readonly handle: KeyHandle;

  constructor(addon: NativeAddon, key: Uint8Array) {
    super();
    this.addon = addon;
    this.handle = addon.aesGcmKeyCreate(key);
  }

  protected sealInto(
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array | undefined,
    out: Uint8Array,
  ): void {
    this.addon.aesGcmSeal(this.handle, nonce, plaintext, aad ?? null, out);
  }

  protected openInto(
    nonce: Uint8Array,
    sealed: Uint8Array,
    aad: Uint8Array | undefined,
    out: Uint8Array,
  ): boolean {
    return this.addon.aesGcmOpen(this.handle, nonce, sealed, aad ?? null, out);
  }

  /** One addon call for the whole batch. */
  protected override sealBatchInto(
    nonces: Uint8Array,
    plaintexts: RecordBatch,
    aad: RecordBatch | undefined,
    out: Uint8Array,
  ): void {
    const { data, offsets } = plaintexts;
    this.addon.aesGcmSealBatch(this.handle, nonces, data, offsets, ...aadArgs(aad), out);
  }

  /** One addon call for the whole batch. */
  protected override openBatchInto(
    nonces: Uint8Array,
    sealed: RecordBatch,
    aad: RecordBatch | undefined,
    out: Uint8Array,
  ): number {
    const { data, offsets } = sealed;
    return this.addon.aesGcmOpenBatch(this.handle, nonces, data, offsets, ...aadArgs(aad), out);
  }

  protected destroyKey(): void {
    this.addon.aesGcmKeyDestroy(this.handle);
  }
}

function aadArgs(aad: RecordBatch | undefined): [Uint8Array | null, Uint32Array | null] {
  return aad === undefined ? [null, null] : [aad.data, aad.offsets];
}

/** The native AES-256-GCM backend; rejects when the addon is not built or does not load. */
export async function load(): Promise<AesGcm> {
  const addon = loadNativeAddon();
  return {
    info,
    importKey(key: Uint8Array): AesGcmKey {
      checkKey(key);
      return new NativeAesGcmKey(addon, key);
    },
  };
}
