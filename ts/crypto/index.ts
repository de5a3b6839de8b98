/**
 * The crypto layer's interface: one typed interface per primitive, each with several backends
 * (see `backend.ts`), and `loadCrypto` to select all of them at once.
 */

import { type AesGcm, aesGcmCandidates } from './aes_gcm/index.js';
import type { Backend, BackendChoice, Candidate } from './backend.js';
import { type Blake3, blake3Candidates } from './blake3/index.js';
import { type Crc32c, crc32cCandidates } from './crc32c/index.js';
import { type Ed25519, ed25519Candidates } from './ed25519/index.js';
import { type HmacSha256, hmacSha256Candidates } from './hmac_sha256/index.js';
import { type SelectionReport, selectBackend } from './select.js';
import { type Sha256, sha256Candidates } from './sha256/index.js';

export type { AesGcm, AesGcmKey } from './aes_gcm/index.js';
export type { Backend, BackendChoice, BackendInfo, BackendKind, Candidate } from './backend.js';
export { BACKEND_KINDS } from './backend.js';
export type { RecordBatch } from './batch.js';
export { assertBatch, batchOf, recordAt, recordCount } from './batch.js';
export type { Blake3 } from './blake3/index.js';
export type { Crc32c } from './crc32c/index.js';
export type { Ed25519 } from './ed25519/index.js';
export type { Hasher, HashFunction } from './hash.js';
export type { HmacSha256 } from './hmac_sha256/index.js';
export { unwrapDataKey, WRAPPED_KEY_BYTES, wrapDataKey } from './key_wrap.js';
export type { Selected, SelectionReport } from './select.js';
export { parseBackendChoice, selectBackend } from './select.js';
export type { Sha256 } from './sha256/index.js';

/** The selected backend of every crypto primitive, passed down from the shell. */
export interface CryptoSuite {
  readonly crc32c: Crc32c;
  readonly sha256: Sha256;
  readonly blake3: Blake3;
  readonly hmacSha256: HmacSha256;
  readonly aesGcm: AesGcm;
  readonly ed25519: Ed25519;
  /** One line per primitive, in the order above. */
  readonly report: readonly SelectionReport[];
}

/** Every primitive's candidates, by the name reports and `KIMBERLITE_BACKEND` docs use. */
export const CRYPTO_CANDIDATES = {
  crc32c: crc32cCandidates,
  sha256: sha256Candidates,
  blake3: blake3Candidates,
  'hmac-sha256': hmacSha256Candidates,
  'aes-256-gcm': aesGcmCandidates,
  ed25519: ed25519Candidates,
} as const satisfies Record<string, readonly Candidate<Backend>[]>;

export type CryptoPrimitive = keyof typeof CRYPTO_CANDIDATES;

/**
 * Selects a backend for every primitive.
 *
 * @example
 * const crypto = await loadCrypto({ choice: parseBackendChoice(process.env.KIMBERLITE_BACKEND) });
 * crypto.crc32c.compute(new TextEncoder().encode('123456789')); // 0xe3069283
 */
export async function loadCrypto(options: { choice: BackendChoice }): Promise<CryptoSuite> {
  const { choice } = options;
  const crc32c = await selectBackend('crc32c', crc32cCandidates, choice);
  const sha256 = await selectBackend('sha256', sha256Candidates, choice);
  const blake3 = await selectBackend('blake3', blake3Candidates, choice);
  const hmacSha256 = await selectBackend('hmac-sha256', hmacSha256Candidates, choice);
  const aesGcm = await selectBackend('aes-256-gcm', aesGcmCandidates, choice);
  const ed25519 = await selectBackend('ed25519', ed25519Candidates, choice);
  return {
    crc32c: crc32c.impl,
    sha256: sha256.impl,
    blake3: blake3.impl,
    hmacSha256: hmacSha256.impl,
    aesGcm: aesGcm.impl,
    ed25519: ed25519.impl,
    report: [crc32c, sha256, blake3, hmacSha256, aesGcm, ed25519].map((s) => s.report),
  };
}
