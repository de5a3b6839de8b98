/**
 * AES-256-GCM (NIST SP 800-38D) with 96-bit nonces and 128-bit tags: encryption at rest of
 * every tenant's payloads and pages. A sealed record is `ciphertext ++ tag`, 16 bytes longer
 * than its plaintext.
 *
 * Nonce discipline is the caller's: a (key, nonce) pair must never seal two different
 * plaintexts. The storage layer derives nonces from log positions, which never repeat.
 */
import type { Backend, Candidate } from '../backend.js';
import type { RecordBatch } from '../batch.js';

export interface AesGcm extends Backend {
  /** Prepares a 32-byte key once (expanded schedule / cipher context reused per call). */
  importKey(key: Uint8Array): AesGcmKey;
}

export interface AesGcmKey {
  /** `ciphertext ++ tag` (plaintext length + 16), into `options.out` when given. */
  seal(
    nonce: Uint8Array,
    plaintext: Uint8Array,
    options?: { aad?: Uint8Array; out?: Uint8Array },
  ): Uint8Array;
  /** The plaintext, or `null` when the tag does not authenticate (tampered or wrong key). */
  open(
    nonce: Uint8Array,
    sealed: Uint8Array,
    options?: { aad?: Uint8Array; out?: Uint8Array },
  ): Uint8Array | null;
  /**
   * Seals every record in one call. Record `i` uses `nonces[12 i, 12 i + 12)` and, when given,
   * additional data `aad` record `i`; its sealed form goes to
   * `out[(offsets[i] - offsets[0]) + 16 i, ...)`, so `out` needs `bytes + 16 * count`.
   */
  sealBatch(
    nonces: Uint8Array,
    plaintexts: RecordBatch,
    options: { out: Uint8Array; aad?: RecordBatch },
  ): void;
  /**
   * Opens every sealed record (layout as `sealBatch` produces, offsets over sealed records);
   * plaintext `i` goes to `out[(offsets[i] - offsets[0]) - 16 i, ...)`.
   * Returns -1 when all authenticate, else the index of the first that does not (then the
   * contents of `out` are unspecified and must not be used).
   */
  openBatch(
    nonces: Uint8Array,
    sealed: RecordBatch,
    options: { out: Uint8Array; aad?: RecordBatch },
  ): number;
  /** Zeroes the key material this instance holds; it must not be used after. */
  destroy(): void;
}

export const aesGcmCandidates: readonly Candidate<AesGcm>[] = [
  { kind: 'native', name: 'openssl', load: async () => (await import('./native.js')).load() },
  { kind: 'node', name: 'createCipheriv', load: async () => (await import('./node.js')).load() },
  { kind: 'ts', name: '@noble/ciphers', load: async () => (await import('./ts.js')).load() },
];
