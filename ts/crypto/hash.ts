/**
 * The shape shared by the hash functions (SHA-256, BLAKE3). Backends build it from a small core
 * with `hash_core.ts`, which holds the checks and loops these comments promise.
 */
import type { Backend } from './backend.js';
import type { RecordBatch } from './batch.js';

/** An incremental hash: `update` any number of times, then `digest` once. */
export interface Hasher {
  update(data: Uint8Array): Hasher;
  /** Finishes the hash; the hasher must not be used after. Writes into `out` when given. */
  digest(out?: Uint8Array): Uint8Array;
}

export interface HashFunction extends Backend {
  /** Digest length in bytes (32 for both SHA-256 and BLAKE3). */
  readonly digestBytes: number;
  /** Digest of `data`, written into `out[0, digestBytes)` when given (else a new array). */
  digest(data: Uint8Array, out?: Uint8Array): Uint8Array;
  /** Digest of each record: record `i` into `out[i * digestBytes, (i + 1) * digestBytes)`. */
  digestBatch(records: RecordBatch, out: Uint8Array): void;
  createHasher(): Hasher;
}
