/**
 * AES-256-GCM on `node:crypto` (`createCipheriv` / `createDecipheriv`, OpenSSL with AES-NI
 * inside the `node` binary). Node has no reusable cipher context, so every record pays for a
 * cipher object and a key schedule; the native backend batches that away.
 *
 * Invariant: a key instance holds the only copy of the key it was given, and `destroy()`
 * zeroes it; every use after that is a programmer error. Unauthenticated plaintext is zeroed
 * and never copied into the caller's buffer.
 */
import { createCipheriv, createDecipheriv, getCiphers } from 'node:crypto';
import { ErrorCode, KimberliteError } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import { CheckedAesGcmKey, checkKey, TAG_BYTES } from './checked_key.js';
import type { AesGcm, AesGcmKey } from './index.js';

const ALGORITHM = 'aes-256-gcm';

class NodeAesGcmKey extends CheckedAesGcmKey {
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
    const cipher = createCipheriv(ALGORITHM, this.key, nonce, { authTagLength: TAG_BYTES });
    if (aad !== undefined) cipher.setAAD(aad);
    out.set(cipher.update(plaintext));
    // GCM is a stream mode: final() emits no bytes, it only computes the tag.
    cipher.final();
    out.set(cipher.getAuthTag(), plaintext.length);
  }

  protected openInto(
    nonce: Uint8Array,
    sealed: Uint8Array,
    aad: Uint8Array | undefined,
    out: Uint8Array,
  ): boolean {
    const split = sealed.length - TAG_BYTES;
    const decipher = createDecipheriv(ALGORITHM, this.key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(sealed.subarray(split));
    if (aad !== undefined) decipher.setAAD(aad);
    const plaintext = decipher.update(sealed.subarray(0, split));
    try {
      decipher.final();
    } catch {
      // final() throws for exactly one reason once the inputs are valid: the tag does not
      // authenticate. The plaintext it produced is unauthenticated; wipe it.
      plaintext.fill(0);
      return false;
    }
    out.set(plaintext);
    return true;
  }

  protected destroyKey(): void {
    this.key.fill(0);
  }
}

const info: BackendInfo = { kind: 'node', name: 'createCipheriv' };

const backend: AesGcm = {
  info,
  importKey(key: Uint8Array): AesGcmKey {
    checkKey(key);
    return new NodeAesGcmKey(key);
  },
};

/** AES-256-GCM on node:crypto; loads wherever Node was built with OpenSSL's GCM. */
export async function load(): Promise<AesGcm> {
  if (!getCiphers().includes(ALGORITHM)) {
    throw new KimberliteError(
      ErrorCode.BackendUnavailable,
      `this node binary's OpenSSL has no ${ALGORITHM}`,
    );
  }
  return backend;
}
