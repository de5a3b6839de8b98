/** Ed25519 (RFC 8032, pure variant): signed exports, checkpoints and attestations. */
import type { Backend, Candidate } from '../backend.js';

export interface Ed25519 extends Backend {
  /** The 32-byte public key of a 32-byte private key (the RFC's seed). */
  publicKey(seed: Uint8Array): Uint8Array;
  /** The 64-byte signature of `message`. Deterministic: same seed and message, same bytes. */
  sign(seed: Uint8Array, message: Uint8Array): Uint8Array;
  /** True only for a valid signature by `publicKey`; malformed inputs give false. */
  verify(publicKey: Uint8Array, signed: { message: Uint8Array; signature: Uint8Array }): boolean;
}

export const ed25519Candidates: readonly Candidate<Ed25519>[] = [
  { kind: 'native', name: 'openssl', load: async () => (await import('./native.js')).load() },
  { kind: 'node', name: 'node:crypto', load: async () => (await import('./node.js')).load() },
  { kind: 'ts', name: '@noble/ed25519', load: async () => (await import('./ts.js')).load() },
];
