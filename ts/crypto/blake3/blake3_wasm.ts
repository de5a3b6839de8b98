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
import { assert, CRYPTO, ErrorCode, KimberliteError } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import { assertBatch, type RecordBatch, recordCount } from '../batch.js';
import type { Hasher } from '../hash.js';
import type { Blake3 } from './index.js';

const DIGEST_BYTES = CRYPTO.blake3DigestBytes;

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

/** Copies `digest` into `out[0, DIGEST_BYTES)` and returns that view. */
function writeDigest(digest: Uint8Array, out: Uint8Array): Uint8Array {
  assert(out.length >= DIGEST_BYTES, `digest output needs ${DIGEST_BYTES} bytes`);
  out.set(digest);
  return out.length === DIGEST_BYTES ? out : out.subarray(0, DIGEST_BYTES);
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
    return out === undefined ? digest : writeDigest(digest, out);
  }
}

const info: BackendInfo = { kind: 'wasm', name: 'blake3-wasm' };

class Blake3WasmBackend implements Blake3 {
  readonly info = info;
  readonly digestBytes = DIGEST_BYTES;
  private readonly blake3: Blake3WasmPackage;

  constructor(blake3: Blake3WasmPackage) {
    this.blake3 = blake3;
  }

  digest(data: Uint8Array, out?: Uint8Array): Uint8Array {
    const digest = this.blake3.hash(data);
    return out === undefined ? digest : writeDigest(digest, out);
  }

  digestBatch(records: RecordBatch, out: Uint8Array): void {
    assertBatch(records);
    const count = recordCount(records);
    assert(out.length >= count * DIGEST_BYTES, `digestBatch needs ${count} digests of room`);
    const { data, offsets } = records;
    for (let i = 0; i < count; i++) {
      out.set(this.blake3.hash(data.subarray(offsets[i], offsets[i + 1])), i * DIGEST_BYTES);
    }
  }

  createHasher(): Hasher {
    return new StreamHasher(this.blake3.createHash());
  }
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** BLAKE3 of the empty input (the BLAKE3 test vectors): a wrong answer must fail the load. */
const EMPTY_DIGEST_HEX = 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262';

let loaded: Blake3 | undefined;

/** BLAKE3 on blake3-wasm; rejects with `BACKEND_UNAVAILABLE` when the package does not load. */
export async function load(): Promise<Blake3> {
  if (loaded !== undefined) return loaded;
  try {
    // CommonJS, and it instantiates its WebAssembly synchronously when first required.
    const blake3 = createRequire(import.meta.url)('blake3-wasm') as Blake3WasmPackage;
    const backend = new Blake3WasmBackend(blake3);
    const empty = toHex(backend.digest(new Uint8Array(0)));
    if (empty !== EMPTY_DIGEST_HEX) {
      throw new Error(`known-answer check failed: BLAKE3("") = ${empty}`);
    }
    loaded = backend;
    return backend;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new KimberliteError(ErrorCode.BackendUnavailable, `blake3-wasm did not load: ${reason}`, {
      cause: error,
    });
  }
}
