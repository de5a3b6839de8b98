/**
 * BLAKE3 on hash-wasm (the reference C implementation compiled to WebAssembly), unkeyed,
 * 32-byte output: the BLAKE3 backend when the native addon is not built. The one-shot
 * instance and the shared streaming instance are explained in `../hash_wasm.ts`.
 *
 * Invariant: results are bit-identical to the TypeScript reference (`ts.ts`).
 */
import type { BackendInfo } from '../backend.js';
import { CheckedHash } from '../hash_core.js';
import { HashWasmCore } from '../hash_wasm.js';
import { checkKnownAnswer, loadOnce } from '../load_once.js';
import type { Blake3 } from './index.js';

const info: BackendInfo = { kind: 'wasm', name: 'hash-wasm' };

/** BLAKE3 of the empty input (the BLAKE3 test vectors): a wrong answer must fail the load. */
const EMPTY_DIGEST_HEX = 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262';

async function create(): Promise<Blake3> {
  const { createBLAKE3 } = await import('hash-wasm');
  const [oneShot, streaming] = await Promise.all([createBLAKE3(256), createBLAKE3(256)]);
  const backend = new CheckedHash(info, new HashWasmCore(oneShot, streaming));
  checkKnownAnswer(backend.digest(new Uint8Array(0)), EMPTY_DIGEST_HEX, 'BLAKE3("")');
  return backend;
}

/** BLAKE3 on hash-wasm; rejects with `BACKEND_UNAVAILABLE` without WebAssembly or hash-wasm. */
export const load: () => Promise<Blake3> = loadOnce('hash-wasm BLAKE3', create);
