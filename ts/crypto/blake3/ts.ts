/**
 * BLAKE3 reference backend on `@noble/hashes` (pure JavaScript, unkeyed hash mode, 32-byte
 * output). Every other BLAKE3 backend is tested against this one.
 */
import { blake3 } from '@noble/hashes/blake3.js';
import type { BackendInfo } from '../backend.js';
import { CheckedHash } from '../hash_core.js';
import { nobleCore } from '../noble_hash.js';
import type { Blake3 } from './index.js';

const info: BackendInfo = { kind: 'ts', name: '@noble/hashes' };

const backend: Blake3 = new CheckedHash(info, nobleCore(blake3));

/** The reference BLAKE3; always loads. */
export async function load(): Promise<Blake3> {
  return backend;
}
