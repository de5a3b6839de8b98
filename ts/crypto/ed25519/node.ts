/**
 * Ed25519 on `node:crypto` (OpenSSL inside the `node` binary). Node takes keys as KeyObjects,
 * not raw bytes, so the 32-byte seed is wrapped in its fixed PKCS#8 DER header and the
 * 32-byte public key in its fixed SPKI header (RFC 8410): the encodings differ from the raw
 * key only by a constant prefix.
 */
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { CRYPTO, ErrorCode, KimberliteError } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import type { Ed25519 } from './index.js';

const SEED_BYTES = CRYPTO.ed25519SeedBytes;
const PUBLIC_KEY_BYTES = CRYPTO.ed25519PublicKeyBytes;
const SIGNATURE_BYTES = CRYPTO.ed25519SignatureBytes;

/** PKCS#8 PrivateKeyInfo for id-Ed25519 (1.3.101.112) up to the 32-byte seed. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** SubjectPublicKeyInfo for id-Ed25519 up to the 32-byte public key. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function privateKeyOf(seed: Uint8Array): KeyObject {
  if (seed.length !== SEED_BYTES) {
    throw new KimberliteError(
      ErrorCode.InvalidArgument,
      `an Ed25519 private key (seed) is ${SEED_BYTES} bytes, got ${seed.length}`,
    );
  }
  const der = Buffer.concat([PKCS8_PREFIX, seed]);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    // The DER copy holds the seed; do not leave it for the garbage collector to find.
    der.fill(0);
  }
}

const info: BackendInfo = { kind: 'node', name: 'node:crypto' };

const backend: Ed25519 = {
  info,
  publicKey(seed: Uint8Array): Uint8Array {
    const spki = createPublicKey(privateKeyOf(seed)).export({ format: 'der', type: 'spki' });
    return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
  },
  sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
    // `null` digest: Ed25519 hashes internally (PureEdDSA), it takes no prehash.
    return new Uint8Array(nodeSign(null, message, privateKeyOf(seed)));
  },
  verify(publicKey: Uint8Array, signed: { message: Uint8Array; signature: Uint8Array }): boolean {
    const { message, signature } = signed;
    if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) {
      return false;
    }
    try {
      const key = createPublicKey({
        key: Buffer.concat([SPKI_PREFIX, publicKey]),
        format: 'der',
        type: 'spki',
      });
      return nodeVerify(null, message, key, signature);
    } catch {
      // A public key OpenSSL cannot decode is a malformed input: not valid.
      return false;
    }
  },
};

/** Ed25519 on node:crypto; loads wherever Node was built with OpenSSL's Ed25519. */
export async function load(): Promise<Ed25519> {
  // A node built without Ed25519 (or in a FIPS mode that hides it) fails here, at load time,
  // so `auto` moves on instead of the first signature failing.
  try {
    backend.publicKey(new Uint8Array(SEED_BYTES));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new KimberliteError(
      ErrorCode.BackendUnavailable,
      `node:crypto cannot use Ed25519 keys: ${reason}`,
      { cause: error },
    );
  }
  return backend;
}
