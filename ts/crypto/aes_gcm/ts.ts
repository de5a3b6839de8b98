/**
 * AES-256-GCM reference backend on `@noble/ciphers` (audited, pure JavaScript). Every other
 * AES-GCM backend is tested against this one.
 *
 * `@noble/ciphers` takes the raw key on every call and expands the key schedule each time, so
 * `importKey` here only validates and copies the key; the native backend is where the
 * schedule is kept. The layouts of `sealBatch` / `openBatch` are those of `index.ts`.
 *
 * Invariant: a key instance holds the only copy of the key it was given, and `destroy()`
 * zeroes it; every use after that is a programmer error.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { assert, CRYPTO, ErrorCode, KimberliteError } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import { assertBatch, type RecordBatch, recordCount } from '../batch.js';
import type { AesGcm, AesGcmKey } from './index.js';

const KEY_BYTES = CRYPTO.aesGcmKeyBytes;
const NONCE_BYTES = CRYPTO.aesGcmNonceBytes;
const TAG_BYTES = CRYPTO.aesGcmTagBytes;

function invalid(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.InvalidArgument, message);
}

function checkNonce(nonce: Uint8Array): void {
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

/** `bytes` when it fills `out` exactly, else its first `bytes`. */
function prefix(out: Uint8Array, bytes: number): Uint8Array {
  return out.length === bytes ? out : out.subarray(0, bytes);
}

class NobleAesGcmKey implements AesGcmKey {
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
    const out = options?.out;
    if (out !== undefined) checkRoom(out, plaintext.length + TAG_BYTES, 'seal');
    const sealed = gcm(this.key, nonce, options?.aad).encrypt(plaintext);
    if (out === undefined) return sealed;
    out.set(sealed);
    return prefix(out, sealed.length);
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
    if (out !== undefined) checkRoom(out, sealed.length - TAG_BYTES, 'open');
    const plaintext = this.decrypt(nonce, sealed, options?.aad);
    if (plaintext === null || out === undefined) return plaintext;
    out.set(plaintext);
    return prefix(out, plaintext.length);
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
    const bytes = (offsets[count] ?? 0) - base;
    checkRoom(out, bytes + TAG_BYTES * count, 'sealBatch');
    for (let i = 0; i < count; i++) {
      const start = offsets[i] ?? 0;
      const plaintext = data.subarray(start, offsets[i + 1]);
      const nonce = nonces.subarray(i * NONCE_BYTES, (i + 1) * NONCE_BYTES);
      const sealed = gcm(this.key, nonce, aadAt(aad, i)).encrypt(plaintext);
      out.set(sealed, start - base + TAG_BYTES * i);
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

  /** The plaintext, or null when the tag does not authenticate. */
  private decrypt(nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array | null {
    try {
      return gcm(this.key, nonce, aad).decrypt(sealed);
    } catch (error) {
      // Inputs were validated above, so the one expected failure is a bad tag; anything else
      // is a bug and must not be reported as tampering.
      if (error instanceof Error && /tag/i.test(error.message)) return null;
      throw error;
    }
  }
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

const info: BackendInfo = { kind: 'ts', name: '@noble/ciphers' };

const backend: AesGcm = {
  info,
  importKey(key: Uint8Array): AesGcmKey {
    if (key.length !== KEY_BYTES) {
      throw invalid(`AES-256-GCM needs a ${KEY_BYTES}-byte key, got ${key.length} bytes`);
    }
    return new NobleAesGcmKey(key);
  },
};

/** The reference AES-256-GCM; always loads. */
export async function load(): Promise<AesGcm> {
  return backend;
}
