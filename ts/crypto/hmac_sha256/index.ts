/** HMAC-SHA256 (RFC 2104, FIPS 198-1): API-key hashing, signed tokens, key derivation. */
import type { Backend, Candidate } from '../backend.js';
import type { RecordBatch } from '../batch.js';

export interface HmacSha256 extends Backend {
  /** The 32-byte MAC of `data` under `key`, written into `options.out` when given. */
  mac(key: Uint8Array, data: Uint8Array, options?: { out?: Uint8Array }): Uint8Array;
  /** MAC of each record under one key: record `i` into `out[32 i, 32 i + 32)`. */
  macBatch(key: Uint8Array, records: RecordBatch, options: { out: Uint8Array }): void;
}

export const hmacSha256Candidates: readonly Candidate<HmacSha256>[] = [
  { kind: 'native', name: 'openssl', load: async () => (await import('./native.js')).load() },
  { kind: 'node', name: 'crypto.createHmac', load: async () => (await import('./node.js')).load() },
  { kind: 'wasm', name: 'hash-wasm', load: async () => (await import('./wasm.js')).load() },
  { kind: 'ts', name: '@noble/hashes', load: async () => (await import('./ts.js')).load() },
];
