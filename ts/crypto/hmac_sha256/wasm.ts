/**
 * HMAC-SHA256 (RFC 2104) on hash-wasm's SHA-256.
 *
 * hash-wasm's own `createHMAC(createSHA256(), key)` resolves asynchronously, once per key,
 * while `mac` and `macBatch` are synchronous and take any key. So this file builds HMAC from
 * one SHA-256 instance created at load, exactly as hash-wasm's `createHMAC` does inside:
 * H((K ^ opad) ++ H((K ^ ipad) ++ data)), with a key longer than the 64-byte block hashed
 * first. The padded blocks of the last key are kept, so a run of calls with one key (the
 * batch case) pays for them once; the key is compared byte for byte on every call.
 *
 * The kept pads are key material in the JS heap, as the caller's key already is; they are
 * overwritten by the next key and zeroed by nothing else.
 *
 * Invariant: results are bit-identical to the TypeScript reference (`ts.ts`) and to
 * `node:crypto`'s `createHmac('sha256', key)`.
 */
import type { IHasher } from 'hash-wasm';
import { assert, CRYPTO, ErrorCode, KimberliteError } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import { assertBatch, type RecordBatch, recordCount } from '../batch.js';
import type { HmacSha256 } from './index.js';

const MAC_BYTES = CRYPTO.hmacSha256Bytes;

/** SHA-256's block size: HMAC pads keys to it. */
const BLOCK_BYTES = 64;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const info: BackendInfo = { kind: 'wasm', name: 'hash-wasm' };

class HashWasmHmacSha256 implements HmacSha256 {
  readonly info = info;
  /** Runs each hash to completion within one call, so it is never shared mid-hash. */
  private readonly sha256: IHasher;
  /** A copy of the last key (the caller may reuse its buffer); null before the first call. */
  private key: Uint8Array | null = null;
  /** Invariant: `key` padded to a block and XORed with 0x36 (inner) and 0x5c (outer). */
  private readonly innerPad = new Uint8Array(BLOCK_BYTES);
  private readonly outerPad = new Uint8Array(BLOCK_BYTES);

  constructor(sha256: IHasher) {
    this.sha256 = sha256;
  }

  mac(key: Uint8Array, data: Uint8Array, options?: { out?: Uint8Array }): Uint8Array {
    this.useKey(key);
    const out = options?.out;
    if (out === undefined) return this.macOf(data);
    assert(out.length >= MAC_BYTES, `mac output needs ${MAC_BYTES} bytes`);
    out.set(this.macOf(data));
    return out.length === MAC_BYTES ? out : out.subarray(0, MAC_BYTES);
  }

  macBatch(key: Uint8Array, records: RecordBatch, options: { out: Uint8Array }): void {
    const { out } = options;
    assertBatch(records);
    const count = recordCount(records);
    assert(out.length >= count * MAC_BYTES, `macBatch needs ${count} MACs of room`);
    this.useKey(key);
    const { data, offsets } = records;
    for (let i = 0; i < count; i++) {
      out.set(this.macOf(data.subarray(offsets[i], offsets[i + 1])), i * MAC_BYTES);
    }
  }

  /** Makes the pads those of `key`, recomputing them only when the key changed. */
  private useKey(key: Uint8Array): void {
    if (this.key !== null && sameBytes(this.key, key)) return;
    // Forget the old key first: if anything below throws, no stale pads pass for this key.
    this.key = null;
    const block = key.length > BLOCK_BYTES ? this.sha256.init().update(key).digest('binary') : key;
    this.innerPad.fill(0x36);
    this.outerPad.fill(0x5c);
    for (let i = 0; i < block.length; i++) {
      const byte = block[i] as number;
      this.innerPad[i] = byte ^ 0x36;
      this.outerPad[i] = byte ^ 0x5c;
    }
    this.key = key.slice();
  }

  /** HMAC of `data` under the current pads: a new 32-byte array. */
  private macOf(data: Uint8Array): Uint8Array {
    const inner = this.sha256.init().update(this.innerPad).update(data).digest('binary');
    return this.sha256.init().update(this.outerPad).update(inner).digest('binary');
  }
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** RFC 4231 test case 2 (key "Jefe"): a load that computes wrong answers must fail. */
const RFC4231_CASE2_HEX = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';

async function create(): Promise<HmacSha256> {
  const { createSHA256 } = await import('hash-wasm');
  const backend = new HashWasmHmacSha256(await createSHA256());
  const encoder = new TextEncoder();
  const mac = toHex(
    backend.mac(encoder.encode('Jefe'), encoder.encode('what do ya want for nothing?')),
  );
  if (mac !== RFC4231_CASE2_HEX) {
    throw new Error(`known-answer check failed: RFC 4231 case 2 gave ${mac}`);
  }
  return backend;
}

/** Shared by every caller: each call is synchronous and complete, so sharing is safe. */
let loading: Promise<HmacSha256> | undefined;

/** HMAC-SHA256 on hash-wasm; rejects with `BACKEND_UNAVAILABLE` without WebAssembly or it. */
export async function load(): Promise<HmacSha256> {
  loading ??= create();
  try {
    return await loading;
  } catch (error) {
    loading = undefined;
    const reason = error instanceof Error ? error.message : String(error);
    throw new KimberliteError(
      ErrorCode.BackendUnavailable,
      `hash-wasm HMAC-SHA256 did not load: ${reason}`,
      { cause: error },
    );
  }
}
