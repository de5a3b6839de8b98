/**
 * What every AES-256-GCM backend shares: argument checks with INVALID_ARGUMENT errors, output
 * sizing, the batch layouts of `index.ts`, and the use-after-destroy assertion. A backend
 * subclasses `CheckedAesGcmKey` and supplies the cipher itself (`sealInto` / `openInto`), plus
 * whole-batch versions where it can do better than a loop (the native addon: one call).
 *
 * Invariant: unauthenticated plaintext never stays in a caller's buffer; when `openInto`
 * reports failure the target it was given is wiped here.
 */
import { assert, CRYPTO, ErrorCode, KimberliteError } from '../../types/index.js';
import { assertBatch, type RecordBatch, recordAt, recordCount } from '../batch.js';
import type { AesGcmKey } from './index.js';

export const KEY_BYTES = CRYPTO.aesGcmKeyBytes;
export const NONCE_BYTES = CRYPTO.aesGcmNonceBytes;
export const TAG_BYTES = CRYPTO.aesGcmTagBytes;

function invalid(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.InvalidArgument, message);
}

/** Rejects a key that is not 32 bytes. */
export function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES) {
    throw invalid(`AES-256-GCM needs a ${KEY_BYTES}-byte key, got ${key.length} bytes`);
  }
}

function checkNonce(nonce: Uint8Array): void {
  // OpenSSL accepts other IV lengths for GCM; Kimberlite's nonce discipline assumes 96 bits.
  if (nonce.length !== NONCE_BYTES) {
    throw invalid(`AES-256-GCM needs a ${NONCE_BYTES}-byte nonce, got ${nonce.length} bytes`);
  }
}

/** `out` cut to `bytes` (it has room), or a new array of `bytes` when none was given. */
function target(out: Uint8Array | undefined, bytes: number, what: string): Uint8Array {
  if (out === undefined) return new Uint8Array(bytes);
  if (out.length < bytes) {
    throw invalid(`${what} needs an output of ${bytes} bytes, got ${out.length}`);
  }
  return out.length === bytes ? out : out.subarray(0, bytes);
}

/** Checks a batch's nonces and additional data against its record count. */
function checkBatch(nonces: Uint8Array, records: RecordBatch, aad?: RecordBatch): number {
  assertBatch(records);
  const count = recordCount(records);
  if (nonces.length !== count * NONCE_BYTES) {
    throw invalid(
      `a batch of ${count} records needs ${count * NONCE_BYTES} nonce bytes, got ${nonces.length}`,
    );
  }
  if (aad !== undefined) {
    assertBatch(aad);
    if (recordCount(aad) !== count) {
      throw invalid(`a batch of ${count} records got ${recordCount(aad)} additional data`);
    }
  }
  return count;
}

/** Plaintext bytes of the sealed records up to the first one shorter than a tag. */
function plaintextBytes(sealed: RecordBatch, count: number): number {
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const length = (sealed.offsets[i + 1] ?? 0) - (sealed.offsets[i] ?? 0);
    if (length < TAG_BYTES) break;
    bytes += length - TAG_BYTES;
  }
  return bytes;
}

export abstract class CheckedAesGcmKey implements AesGcmKey {
  private destroyed = false;

  /** Writes `ciphertext ++ tag` into `out`, which is exactly `plaintext.length + 16` bytes. */
  protected abstract sealInto(
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array | undefined,
    out: Uint8Array,
  ): void;

  /** Writes the plaintext into `out` (exactly `sealed.length - 16` bytes); false if forged. */
  protected abstract openInto(
    nonce: Uint8Array,
    sealed: Uint8Array,
    aad: Uint8Array | undefined,
    out: Uint8Array,
  ): boolean;

  /** Frees or zeroes the key material. */
  protected abstract destroyKey(): void;

  /** The whole checked batch; a loop over `sealInto` unless a backend does better. */
  protected sealBatchInto(
    nonces: Uint8Array,
    plaintexts: RecordBatch,
    aad: RecordBatch | undefined,
    out: Uint8Array,
  ): void {
    const base = plaintexts.offsets[0] ?? 0;
    for (let i = 0; i < recordCount(plaintexts); i++) {
      const plaintext = recordAt(plaintexts, i);
      const at = (plaintexts.offsets[i] ?? 0) - base + TAG_BYTES * i;
      const nonce = nonces.subarray(i * NONCE_BYTES, (i + 1) * NONCE_BYTES);
      const into = out.subarray(at, at + plaintext.length + TAG_BYTES);
      this.sealInto(nonce, plaintext, aad === undefined ? undefined : recordAt(aad, i), into);
    }
  }

  /** The whole checked batch; -1 or the first failing index, as `openBatch` documents. */
  protected openBatchInto(
    nonces: Uint8Array,
    sealed: RecordBatch,
    aad: RecordBatch | undefined,
    out: Uint8Array,
  ): number {
    const base = sealed.offsets[0] ?? 0;
    for (let i = 0; i < recordCount(sealed); i++) {
      const record = recordAt(sealed, i);
      // Shorter than a tag: it cannot authenticate, so it is this batch's failing record.
      if (record.length < TAG_BYTES) return i;
      const at = (sealed.offsets[i] ?? 0) - base - TAG_BYTES * i;
      const nonce = nonces.subarray(i * NONCE_BYTES, (i + 1) * NONCE_BYTES);
      const into = out.subarray(at, at + record.length - TAG_BYTES);
      const data = aad === undefined ? undefined : recordAt(aad, i);
      if (!this.openInto(nonce, record, data, into)) {
        into.fill(0);
        return i;
      }
    }
    return -1;
  }

  seal(
    nonce: Uint8Array,
    plaintext: Uint8Array,
    options?: { aad?: Uint8Array; out?: Uint8Array },
  ): Uint8Array {
    assert(!this.destroyed, 'AES-GCM key used after destroy()');
    checkNonce(nonce);
    const out = target(options?.out, plaintext.length + TAG_BYTES, 'seal');
    this.sealInto(nonce, plaintext, options?.aad, out);
    return out;
  }

  open(
    nonce: Uint8Array,
    sealed: Uint8Array,
    options?: { aad?: Uint8Array; out?: Uint8Array },
  ): Uint8Array | null {
    assert(!this.destroyed, 'AES-GCM key used after destroy()');
    checkNonce(nonce);
    if (sealed.length < TAG_BYTES) {
      throw invalid(
        `a sealed AES-256-GCM record is at least its ${TAG_BYTES}-byte tag, ` +
          `got ${sealed.length} bytes`,
      );
    }
    const out = target(options?.out, sealed.length - TAG_BYTES, 'open');
    if (this.openInto(nonce, sealed, options?.aad, out)) return out;
    out.fill(0);
    return null;
  }

  sealBatch(
    nonces: Uint8Array,
    plaintexts: RecordBatch,
    options: { out: Uint8Array; aad?: RecordBatch },
  ): void {
    assert(!this.destroyed, 'AES-GCM key used after destroy()');
    const count = checkBatch(nonces, plaintexts, options.aad);
    const span = (plaintexts.offsets[count] ?? 0) - (plaintexts.offsets[0] ?? 0);
    target(options.out, span + TAG_BYTES * count, 'sealBatch');
    this.sealBatchInto(nonces, plaintexts, options.aad, options.out);
  }

  openBatch(
    nonces: Uint8Array,
    sealed: RecordBatch,
    options: { out: Uint8Array; aad?: RecordBatch },
  ): number {
    assert(!this.destroyed, 'AES-GCM key used after destroy()');
    const count = checkBatch(nonces, sealed, options.aad);
    target(options.out, plaintextBytes(sealed, count), 'openBatch');
    return this.openBatchInto(nonces, sealed, options.aad, options.out);
  }

  destroy(): void {
    this.destroyKey();
    this.destroyed = true;
  }
}
