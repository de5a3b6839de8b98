/**
 * SHA-256 reference backend on `@noble/hashes` (audited, pure JavaScript). Every other
 * SHA-256 backend is tested against this one.
 *
 * The hash chain streams `h[i-1]` and record `i` into one hasher, so no concatenation is
 * allocated per record; `h[i]` is written straight into `out` and read back as the next link
 * (see `../noble_hash.ts` and `../hash_core.ts`).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { BackendInfo } from '../backend.js';
import { CheckedSha256 } from '../hash_core.js';
import { nobleCore } from '../noble_hash.js';
import type { Sha256 } from './index.js';

const info: BackendInfo = { kind: 'ts', name: '@noble/hashes' };

const backend: Sha256 = new CheckedSha256(info, nobleCore(sha256));

/** The reference SHA-256; always loads. */
export async function load(): Promise<Sha256> {
  return backend;
}
