/**
 * BLAKE3 (unkeyed hash mode, 32-byte output): fast content hashing where a standard's SHA-256
 * is not required (deduplication, cache keys, snapshot fingerprints).
 */
import type { Candidate } from '../backend.js';
import type { HashFunction } from '../hash.js';

export type Blake3 = HashFunction;

export const blake3Candidates: readonly Candidate<Blake3>[] = [
  {
    kind: 'native',
    name: 'kimberlite-addon',
    load: async () => (await import('./native.js')).load(),
  },
  { kind: 'wasm', name: 'hash-wasm', load: async () => (await import('./wasm.js')).load() },
  {
    kind: 'wasm',
    name: 'blake3-wasm',
    load: async () => (await import('./blake3_wasm.js')).load(),
  },
  { kind: 'ts', name: '@noble/hashes', load: async () => (await import('./ts.js')).load() },
];
