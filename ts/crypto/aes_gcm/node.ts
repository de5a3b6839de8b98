/**
 * AES-256-GCM on `node:crypto` (`createCipheriv` / `createDecipheriv`, OpenSSL with AES-NI
 * inside the `node` binary). Node has no reusable cipher context, so every record pays for a
 * cipher object and a key schedule; the native backend batches that away.
 *
 * Invariant: a key instance holds the only copy of the key it was given, and `destroy()`
 * zeroes it; every use after that is a programmer error. Unauthenticated plaintext is zeroed
 * and never copied into the caller's buffer.
 */
import { createCipheriv, createDecipheriv, getCiphers } from 'node:crypto';
import { assert, CRYPTO, ErrorCode, KimberliteError } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import { assertBatch, type RecordBatch, recordCount } from '../batch.js';
import type { AesGcm, AesGcmKey } from './index.js';

const KEY_BYTES = CRYPTO.aesGcmKeyBytes;
const NONCE_BYTES = CRYPTO.aesGcmNonceBytes;
const TAG_BYTES = CRYPTO.aesGcmTagBytes;
const ALGORITHM = 'aes-256-gcm';

function invalid(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.InvalidArgument, message);
}

function checkNonce(nonce: Uint8Array): void {
  // OpenSSL accepts other IV lengths for GCM; Kimberlite's nonce discipline assumes 96 bits.
  if (nonce.length !== NONCE_BYTES) {
    throw invalid(`AES-256-GCM needs a ${NONCE_BYTES}-byte nonce, got ${nonce.length} bytes`);
  }
}

function checkRoom(out: Uint8Array, bytes: number, what: string): void {
  if (out.length < bytes) {
    throw invalid(`${what} needs an output of ${bytes} bytes, got ${out.length}`);
  }
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

/** Record `i` of an optional additional-data batch. */
function aadAt(aad: RecordBatch | undefined, i: number): Uint8Array | undefined {
  return aad === undefined ? undefined : aad.data.subarray(aad.offsets[i], aad.offsets[i + 1]);
}

/** Plaintext bytes of the records up to the first one shorter than a tag. */
function plaintextBytes(sealed: RecordBatch, count: number): number {
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const length = (sealed.offsets[i + 1] ?? 0) - (sealed.offsets[i] ?? 0);
    if (length < TAG_BYTES) break;
    bytes += length - TAG_BYTES;
  }
  return bytes;
}

class NodeAesGcmKey implements AesGcmKey {
  /** Invariant: 32 bytes while live; all zeros once destroyed. */
  private readonly key: Uint8Array;
  private destroyed = false;

  constructor(key: Uint8Array) {
    this.key = key.slice();
  }

  seal(
    nonce: Uint8Array,
    plaintext: Uint8Array,
    options?: { aad?: Uint8Array; out?: Uint8Array },
  ): Uint8Array {
    assert(!this.destroyed, 'AES-GCM key used after destroy()');
    checkNonce(nonce);
    const bytes = plaintext.length + TAG_BYTES;
    const given = options?.out;
    if (given !== undefined) checkRoom(given, bytes, 'seal');
    const out = given === undefined ? new Uint8Array(bytes) : given;
    this.encryptInto(nonce, plaintext, options?.aad, out);
    return out.length === bytes ? out : out.subarray(0, bytes);
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
    const out = options?.out;
    const bytes = sealed.length - TAG_BYTES;
    if (out !== undefined) checkRoom(out, bytes, 'open');
    const plaintext = this.decrypt(nonce, sealed, options?.aad);
    if (plaintext === null || out === undefined) return plaintext;
    out.set(plaintext);
    return out.length === bytes ? out : out.subarray(0, bytes);
  }

  sealBatch(
    nonces: Uint8Array,
    plaintexts: RecordBatch,
    options: { out: Uint8Array; aad?: RecordBatch },
  ): void {
    assert(!this.destroyed, 'AES-GCM key used after destroy()');
    const { out, aad } = options;
    const count = checkBatch(nonces, plaintexts, aad);
    const { data, offsets } = plaintexts;
    const base = offsets[0] ?? 0;
    checkRoom(out, (offsets[count] ?? 0) - base + TAG_BYTES * count, 'sealBatch');
    for (let i = 0; i < count; i++) {
      const start = offsets[i] ?? 0;
      const end = offsets[i + 1] ?? 0;
      const at = start - base + TAG_BYTES * i;
      const nonce = nonces.subarray(i * NONCE_BYTES, (i + 1) * NONCE_BYTES);
      const target = out.subarray(at, at + end - start + TAG_BYTES);
      this.encryptInto(nonce, data.subarray(start, end), aadAt(aad, i), target);
    }
  }

  openBatch(
    nonces: Uint8Array,
    sealed: RecordBatch,
    options: { out: Uint8Array; aad?: RecordBatch },
  ): number {
    assert(!this.destroyed, 'AES-GCM key used after destroy()');
    const { out, aad } = options;
    const count = checkBatch(nonces, sealed, aad);
    const { data, offsets } = sealed;
    const base = offsets[0] ?? 0;
    checkRoom(out, plaintextBytes(sealed, count), 'openBatch');
    for (let i = 0; i < count; i++) {
      const start = offsets[i] ?? 0;
      const record = data.subarray(start, offsets[i + 1]);
      // Shorter than a tag: it cannot authenticate, so it is this batch's failing record.
      if (record.length < TAG_BYTES) return i;
      const nonce = nonces.subarray(i * NONCE_BYTES, (i + 1) * NONCE_BYTES);
      const plaintext = this.decrypt(nonce, record, aadAt(aad, i));
      if (plaintext === null) return i;
      out.set(plaintext, start - base - TAG_BYTES * i);
    }
    return -1;
  }

  destroy(): void {
    this.key.fill(0);
    this.destroyed = true;
  }

  /** Writes `ciphertext ++ tag` into `out[0, plaintext.length + 16)`. */
  private encryptInto(
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array | undefined,
    out: Uint8Array,
  ): void {
    const cipher = createCipheriv(ALGORITHM, this.key, nonce, { authTagLength: TAG_BYTES });
    if (aad !== undefined) cipher.setAAD(aad);
    out.set(cipher.update(plaintext));
    // GCM is a stream mode: final() emits no bytes, it only computes the tag.
    cipher.final();
    out.set(cipher.getAuthTag(), plaintext.length);
  }

  /** The plaintext, or null when the tag does not authenticate. */
  private decrypt(nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array | null {
    const split = sealed.length - TAG_BYTES;
    const decipher = createDecipheriv(ALGORITHM, this.key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(sealed.subarray(split));
    if (aad !== undefined) decipher.setAAD(aad);
    const plaintext = decipher.update(sealed.subarray(0, split));
    try {
      decipher.final();
    } catch {
      // final() throws for exactly one reason once the inputs are valid: the tag does not
      // authenticate. The plaintext it produced is unauthenticated; wipe it.
      plaintext.fill(0);
      return null;
    }
    return plaintext;
  }
}

const info: BackendInfo = { kind: 'node', name: 'createCipheriv' };

const backend: AesGcm = {
  info,
  importKey(key: Uint8Array): AesGcmKey {
    if (key.length !== KEY_BYTES) {
      throw invalid(`AES-256-GCM needs a ${KEY_BYTES}-byte key, got ${key.length} bytes`);
    }
    return new NodeAesGcmKey(key);
  },
};

/** AES-256-GCM on node:crypto; loads wherever Node was built with OpenSSL's GCM. */
export async function load(): Promise<AesGcm> {
  if (!getCiphers().includes(ALGORITHM)) {
    throw new KimberliteError(
      ErrorCode.BackendUnavailable,
      `this node binary's OpenSSL has no ${ALGORITHM}`,
    );
  }
  return backend;
}
