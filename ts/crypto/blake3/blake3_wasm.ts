/**
 * BLAKE3 on the `blake3-wasm` package (2.1.5): the official Rust `blake3` crate compiled to
 * WebAssembly with wasm-bindgen. Its Node entry (`dist/index.js`, CommonJS, loaded here with
 * `createRequire`) runs the WebAssembly build (`dist/wasm/nodejs`); the package's native
 * binding lives behind a separate entry (`dist/node-native`) that is never loaded here, and
 * its `native.node` is not even shipped.
 *
 * Streaming hashers are independent objects inside the module's heap. Each holds memory
 * there until `digest()` frees it; wasm-bindgen 2.1.5 does not free abandoned ones, so a
 * FinalizationRegistry disposes of hashers that are dropped undigested (100k abandoned
 * hashers would otherwise pin ~190 MB of WebAssembly memory, which never shrinks).
 *
 * Invariant: results are bit-identical to the TypeScript reference (`ts.ts`).
 */
import { createRequire } from 'node:module';
import { assert, CRYPTO } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import type { Hasher } from '../hash.js';
import { CheckedHash, copyOut, type HashCore } from '../hash_core.js';
import { checkKnownAnswer, loadOnce } from '../load_once.js';
import type { Blake3 } from './index.js';

/** The part of blake3-wasm's Node entry used here (its own typings drag in old Node types). */
interface Blake3WasmHash {
  update(data: Uint8Array): unknown;
  /** The digest (32 bytes by default); frees the hasher unless `dispose: false`. */
  digest(options?: { length?: number; dispose?: boolean }): Uint8Array;
  dispose(): void;
}

interface Blake3WasmPackage {
  hash(input: Uint8Array, options?: { length?: number }): Uint8Array;
  createHash(): Blake3WasmHash;
}

/** Frees the module-side state of hashers dropped without `digest()`. */
const abandoned = new FinalizationRegistry<Blake3WasmHash>((state) => state.dispose());

class StreamHasher implements Hasher {
  private state: Blake3WasmHash | null;

  constructor(state: Blake3WasmHash) {
    this.state = state;
    abandoned.register(this, state, this);
  }

  update(data: Uint8Array): Hasher {
    assert(this.state !== null, 'update after digest');
    this.state.update(data);
    return this;
  }

  digest(out?: Uint8Array): Uint8Array {
    assert(this.state !== null, 'digest called twice');
    const digest = this.state.digest();
    this.state = null;
    abandoned.unregister(this);
    return copyOut(digest, out, 'digest');
  }
}

/** blake3-wasm returns a new array per digest; `digestInto` copies it into place. */
function coreOf(blake3: Blake3WasmPackage): HashCore {
  return {
    digestBytes: CRYPTO.blake3DigestBytes,
    digest: (data) => blake3.hash(data),
    digestInto(data, out, at) {
      out.set(blake3.hash(data), at);
    },
    createHasher: () => new StreamHasher(blake3.createHash()),
  };
}

const info: BackendInfo = { kind: 'wasm', name: 'blake3-wasm' };

/** BLAKE3 of the empty input (the BLAKE3 test vectors): a wrong answer must fail the load. */
const EMPTY_DIGEST_HEX = 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262';

async function create(): Promise<Blake3> {
  // CommonJS, and it instantiates its WebAssembly synchronously when first required.
  const blake3 = createRequire(import.meta.url)('blake3-wasm') as Blake3WasmPackage;
  const backend = new CheckedHash(info, coreOf(blake3));
  checkKnownAnswer(backend.digest(new Uint8Array(0)), EMPTY_DIGEST_HEX, 'BLAKE3("")');
  return backend;
}

/** BLAKE3 on blake3-wasm; rejects with `BACKEND_UNAVAILABLE` when the package does not load. */
export const load: () => Promise<Blake3> = loadOnce('blake3-wasm', create);
