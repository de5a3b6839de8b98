/**
 * Ed25519 (RFC 8032, pure) on the native addon: OpenSSL's EVP_PKEY with raw 32-byte keys, so no
 * PKCS#8 / SPKI wrapping and no KeyObject per call.
 *
 * Verification never throws for bad signatures or malformed keys; it returns false.
 */
import { loadNativeAddon } from '../../platform/index.js';
import { CRYPTO, ErrorCode, KimberliteError } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import type { Ed25519 } from './index.js';

const SEED_BYTES = CRYPTO.ed25519SeedBytes;
const PUBLIC_KEY_BYTES = CRYPTO.ed25519PublicKeyBytes;
const SIGNATURE_BYTES = CRYPTO.ed25519SignatureBytes;
const info: BackendInfo = { kind: 'native', name: 'openssl' };

function checkSeed(seed: Uint8Array): void {
  if (seed.length !== SEED_BYTES) {
    throw new KimberliteError(
      ErrorCode.InvalidArgument,
      `an Ed25519 private key (seed) is ${SEED_BYTES} bytes, got ${seed.length}`,
    );
  }
}

/** The native Ed25519 backend; rejects when the addon is not built or does not load. */
export async function load(): Promise<Ed25519> {
  const { ed25519PublicKey, ed25519Sign, ed25519Verify } = loadNativeAddon();
  return {
    info,
    publicKey(seed: Uint8Array): Uint8Array {
      checkSeed(seed);
      const out = new Uint8Array(PUBLIC_KEY_BYTES);
      ed25519PublicKey(seed, out);
      return out;
    },
    sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
      checkSeed(seed);
      const out = new Uint8Array(SIGNATURE_BYTES);
      ed25519Sign(seed, message, out);
      return out;
    },
    verify(publicKey: Uint8Array, signed: { message: Uint8Array; signature: Uint8Array }): boolean {
      return ed25519Verify(publicKey, signed.message, signed.signature);
    },
  };
}
