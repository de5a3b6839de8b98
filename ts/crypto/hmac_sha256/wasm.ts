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
import type { BackendInfo } from '../backend.js';
import { checkKnownAnswer, loadOnce } from '../load_once.js';
import { CheckedHmacSha256, type KeyedMac, type MacCore } from './checked_mac.js';
import type { HmacSha256 } from './index.js';

/** SHA-256's block size: HMAC pads keys to it. */
const BLOCK_BYTES = 64;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

class HashWasmHmacCore implements MacCore {
  /** Runs each hash to completion within one call, so it is never shared mid-hash. */
  private readonly sha256: IHasher;
  /** A copy of the last key (the caller may reuse its buffer); null before the first call. */
  private key: Uint8Array | null = null;
  /** Invariant: `key` padded to a block and XORed with 0x36 (inner) and 0x5c (outer). */
  private readonly innerPad = new Uint8Array(BLOCK_BYTES);
  private readonly outerPad = new Uint8Array(BLOCK_BYTES);
  /** Uses the current pads: valid for one batch, during which nothing else changes the key. */
  private readonly current: KeyedMac = {
    macInto: (data, out, at) => out.set(this.macOf(data), at),
  };

  constructor(sha256: IHasher) {
    this.sha256 = sha256;
  }

  mac(key: Uint8Array, data: Uint8Array): Uint8Array {
    this.useKey(key);
    return this.macOf(data);
  }

  macInto(key: Uint8Array, data: Uint8Array, out: Uint8Array): void {
    out.set(this.mac(key, data));
  }

  keyed(key: Uint8Array): KeyedMac {
    this.useKey(key);
    return this.current;
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

const info: BackendInfo = { kind: 'wasm', name: 'hash-wasm' };

/** RFC 4231 test case 2 (key "Jefe"): a load that computes wrong answers must fail. */
const RFC4231_CASE2_HEX = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';

async function create(): Promise<HmacSha256> {
  const { createSHA256 } = await import('hash-wasm');
  const backend = new CheckedHmacSha256(info, new HashWasmHmacCore(await createSHA256()));
  const encoder = new TextEncoder();
  const mac = backend.mac(encoder.encode('Jefe'), encoder.encode('what do ya want for nothing?'));
  checkKnownAnswer(mac, RFC4231_CASE2_HEX, 'HMAC-SHA256 of RFC 4231 case 2');
  return backend;
}

/** HMAC-SHA256 on hash-wasm; rejects with `BACKEND_UNAVAILABLE` without WebAssembly or it. */
export const load: () => Promise<HmacSha256> = loadOnce('hash-wasm HMAC-SHA256', create);
