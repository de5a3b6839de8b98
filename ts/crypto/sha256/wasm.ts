/**
 * SHA-256 on hash-wasm (hand-written C compiled to WebAssembly): the backend for hosts where
 * neither the native addon nor `node:crypto` is usable. The one-shot instance and the shared
 * streaming instance are explained in `../hash_wasm.ts`.
 *
 * Invariant: results are bit-identical to the TypeScript reference (`ts.ts`).
 */
import type { BackendInfo } from '../backend.js';
import { CheckedSha256 } from '../hash_core.js';
import { HashWasmCore } from '../hash_wasm.js';
import { checkKnownAnswer, loadOnce } from '../load_once.js';
import type { Sha256 } from './index.js';

const info: BackendInfo = { kind: 'wasm', name: 'hash-wasm' };

/** SHA-256("abc") from FIPS 180-4's examples: a load that computes wrong answers must fail. */
const ABC_DIGEST_HEX = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

async function create(): Promise<Sha256> {
  const { createSHA256 } = await import('hash-wasm');
  const [oneShot, streaming] = await Promise.all([createSHA256(), createSHA256()]);
  const backend = new CheckedSha256(info, new HashWasmCore(oneShot, streaming));
  const abc = backend.digest(new TextEncoder().encode('abc'));
  checkKnownAnswer(abc, ABC_DIGEST_HEX, 'SHA-256("abc")');
  return backend;
}

/** SHA-256 on hash-wasm; rejects with `BACKEND_UNAVAILABLE` without WebAssembly or hash-wasm. */
export const load: () => Promise<Sha256> = loadOnce('hash-wasm SHA-256', create);
