/**
 * Ed25519 reference backend on `@noble/ed25519` (audited, pure JavaScript), synchronous API
 * with SHA-512 from `@noble/hashes`. Every other Ed25519 backend is tested against this one.
 *
 * Verification is strict RFC 8032 (`zip215: false`): non-canonical encodings and small-order
 * public keys are rejected, as OpenSSL rejects them, so every backend agrees on edge cases.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { CRYPTO, ErrorCode, KimberliteError } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import type { Ed25519 } from './index.js';

const SEED_BYTES = CRYPTO.ed25519SeedBytes;
const PUBLIC_KEY_BYTES = CRYPTO.ed25519PublicKeyBytes;
const SIGNATURE_BYTES = CRYPTO.ed25519SignatureBytes;

function checkSeed(seed: Uint8Array): void {
  if (seed.length !== SEED_BYTES) {
    throw new KimberliteError(
      ErrorCode.InvalidArgument,
      `an Ed25519 private key (seed) is ${SEED_BYTES} bytes, got ${seed.length}`,
    );
  }
}

const info: BackendInfo = { kind: 'ts', name: '@noble/ed25519' };

const backend: Ed25519 = {
  info,
  publicKey(seed: Uint8Array): Uint8Array {
    checkSeed(seed);
    return ed.getPublicKey(seed);
  },
  sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
    checkSeed(seed);
    return ed.sign(message, seed);
  },
  verify(publicKey: Uint8Array, signed: { message: Uint8Array; signature: Uint8Array }): boolean {
    const { message, signature } = signed;
    if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) {
      return false;
    }
    try {
      return ed.verify(signature, message, publicKey, { zip215: false });
    } catch {
      // A public key or R that is not a curve point is a malformed input: not valid.
      return false;
    }
  },
};

/** The reference Ed25519; always loads. */
export async function load(): Promise<Ed25519> {
  // The synchronous API needs a SHA-512; setting it is idempotent, so repeated loads are fine.
  ed.hashes.sha512 = sha512;
  return backend;
}
