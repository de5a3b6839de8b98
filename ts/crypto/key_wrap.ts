/**
 * The key hierarchy's one operation: a tenant's data key (AES-256) wrapped by the master key
 * (AES-256-GCM, NIST SP 800-38F's "authenticated encryption as key wrap"). The wrapped form
 * binds the tenant id and the key id as additional data, so a wrapped key moved to another
 * tenant's slot, or replaced by another key of the same tenant, does not unwrap.
 *
 * A wrapped key is `nonce (12) ++ sealed key (32) ++ tag (16)`, 60 bytes; framing it (tenant,
 * key id, file format) is the caller's.
 */
import { CRYPTO } from '../types/index.js';
import type { AesGcmKey } from './aes_gcm/index.js';

/** Bytes of a wrapped data key: nonce, sealed key, tag. */
export const WRAPPED_KEY_BYTES = CRYPTO.aesGcmNonceBytes + CRYPTO.aesGcmKeyBytes + 16;

function wrapAad(tenant: number, keyId: Uint8Array): Uint8Array {
  const aad = new Uint8Array(4 + keyId.length);
  new DataView(aad.buffer).setUint32(0, tenant);
  aad.set(keyId, 4);
  return aad;
}

/**
 * Seals `dataKey` under `master` for `tenant`; `nonce` must be fresh (12 random bytes).
 *
 * @example
 * const wrapped = wrapDataKey(master, dataKey, { tenant: 7, keyId, nonce: randomBytes(12) });
 */
export function wrapDataKey(
  master: AesGcmKey,
  dataKey: Uint8Array,
  options: { tenant: number; keyId: Uint8Array; nonce: Uint8Array },
): Uint8Array {
  if (dataKey.length !== CRYPTO.aesGcmKeyBytes) {
    throw new RangeError(`a data key is ${CRYPTO.aesGcmKeyBytes} bytes, got ${dataKey.length}`);
  }
  if (options.nonce.length !== CRYPTO.aesGcmNonceBytes) {
    throw new RangeError(
      `a nonce is ${CRYPTO.aesGcmNonceBytes} bytes, got ${options.nonce.length}`,
    );
  }
  const out = new Uint8Array(WRAPPED_KEY_BYTES);
  out.set(options.nonce, 0);
  master.seal(options.nonce, dataKey, {
    aad: wrapAad(options.tenant, options.keyId),
    out: out.subarray(CRYPTO.aesGcmNonceBytes),
  });
  return out;
}

/** The data key, or `null` when `wrapped` does not authenticate (wrong master key, tampered). */
export function unwrapDataKey(
  master: AesGcmKey,
  wrapped: Uint8Array,
  options: { tenant: number; keyId: Uint8Array },
): Uint8Array | null {
  if (wrapped.length !== WRAPPED_KEY_BYTES) return null;
  const nonce = wrapped.subarray(0, CRYPTO.aesGcmNonceBytes);
  const sealed = wrapped.subarray(CRYPTO.aesGcmNonceBytes);
  return master.open(nonce, sealed, { aad: wrapAad(options.tenant, options.keyId) });
}
