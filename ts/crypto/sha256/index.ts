/**
 * SHA-256 (FIPS 180-4): the hash chain over the log, Merkle roots over batches.
 *
 * The chain: `h[-1] = seed` (all zeros at genesis), `h[i] = SHA-256(h[i-1] ++ record[i])`,
 * where a record is its header and payload as stored.
 */
import type { Candidate } from '../backend.js';
import type { RecordBatch } from '../batch.js';
import type { HashFunction } from '../hash.js';

export interface Sha256 extends HashFunction {
  /**
   * Hash-chains a batch in one call: writes `h[i]` into `out[32 i, 32 i + 32)`.
   * `seed` is the 32-byte hash the chain continues from.
   */
  hashChain(seed: Uint8Array, records: RecordBatch, options: { out: Uint8Array }): void;
}

export const sha256Candidates: readonly Candidate<Sha256>[] = [
  { kind: 'native', name: 'openssl', load: async () => (await import('./native.js')).load() },
  { kind: 'node', name: 'crypto.hash', load: async () => (await import('./node.js')).load() },
  { kind: 'wasm', name: 'hash-wasm', load: async () => (await import('./wasm.js')).load() },
  { kind: 'ts', name: '@noble/hashes', load: async () => (await import('./ts.js')).load() },
];
