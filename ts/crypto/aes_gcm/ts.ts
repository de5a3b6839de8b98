/**
 * AES-256-GCM reference backend on `@noble/ciphers` (audited, pure JavaScript). Every other
 * AES-GCM backend is tested against this one.
 *
 * `@noble/ciphers` takes the raw key on every call and expands the key schedule each time, so
 * `importKey` here only validates and copies the key; the native backend is where the
 * schedule is kept. The layouts of `sealBatch` / `openBatch` are those of `index.ts`.
 *
 * Invariant: a key instance holds the only copy of the key it was given, and `destroy()`
 * zeroes it; every use after that is a programmer error.
 */
import { gcm } from '@noble/ciphers/aes.js';
import type { BackendInfo } from '../backend.js';
import { CheckedAesGcmKey, checkKey } from './checked_key.js';
import type { AesGcm, AesGcmKey } from './index.js';

class NobleAesGcmKey extends CheckedAesGcmKey {
  /** Invariant: 32 bytes while live; all zeros once destroyed. */
  private readonly key: Uint8Array;

  constructor(key: Uint8Array) {
    super();
    this.key = key.slice();
  }

  protected sealInto(
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array | undefined,
    out: Uint8Array,
  ): void {
    out.set(gcm(this.key, nonce, aad).encrypt(plaintext));
  }

  protected openInto(
    nonce: Uint8Array,
    sealed: Uint8Array,
    aad: Uint8Array | undefined,
    out: Uint8Array,
  ): boolean {
    try {
      out.set(gcm(this.key, nonce, aad).decrypt(sealed));
      return true;
    } catch (error) {
      // Inputs were validated before, so the one expected failure is a bad tag; anything else
      // is a bug and must not be reported as tampering.
      if (error instanceof Error && /tag/i.test(error.message)) return false;
      throw error;
    }
  }

  protected destroyKey(): void {
    this.key.fill(0);
  }
}

const info: BackendInfo = { kind: 'ts', name: '@noble/ciphers' };

const backend: AesGcm = {
  info,
  importKey(key: Uint8Array): AesGcmKey {
    checkKey(key);
    return new NobleAesGcmKey(key);
  },
};

/** The reference AES-256-GCM; always loads. */
export async function load(): Promise<AesGcm> {
  return backend;
}
