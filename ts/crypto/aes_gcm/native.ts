/**
 * AES-256-GCM on the native addon: a key is expanded once into OpenSSL cipher contexts held
 * by the addon (freed, and the key schedule wiped, by `destroy()` or else by the garbage
 * collector), and a whole batch is sealed or opened in one call with per-record nonces.
 *
 * The documented error cases (key, nonce and tag lengths, nonces per batch, output room) are
 * checked here first, so they throw INVALID_ARGUMENT like every other backend; the addon
 * re-checks everything before touching memory. Unauthenticated plaintext is wiped by the addon.
 */
import { loadNativeAddon, type NativeAddon } from '../../platform/index.js';
import { assert, CRYPTO, ErrorCode, KimberliteError } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import type { RecordBatch } from '../batch.js';
import type { AesGcm, AesGcmKey } from './index.js';

const KEY_BYTES = CRYPTO.aesGcmKeyBytes;
const NONCE_BYTES = CRYPTO.aesGcmNonceBytes;
const TAG_BYTES = CRYPTO.aesGcmTagBytes;
const info: BackendInfo = { kind: 'native', name: 'openssl' };

type KeyHandle = ReturnType<NativeAddon['aesGcmKeyCreate']>;

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

/** Checks nonces and additional data against the batch; returns the record count. */
function checkBatch(nonces: Uint8Array, records: RecordBatch, aad?: RecordBatch): number {
  const count = records.offsets.length - 1;
  assert(count >= 0, 'a batch needs count + 1 offsets');
  if (nonces.length !== count * NONCE_BYTES) {
    throw invalid(
      `a batch of ${count} records needs ${count * NONCE_BYTES} nonce bytes, got ${nonces.length}`,
    );
  }
  if (aad !== undefined && aad.offsets.length - 1 !== count) {
    throw invalid(`a batch of ${count} records got ${aad.offsets.length - 1} additional data`);
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

function fitted(out: Uint8Array, bytes: number): Uint8Array {
  return out.length === bytes ? out : out.subarray(0, bytes);
}

class NativeAesGcmKey implements AesGcmKey {
  private readonly addon: NativeAddon;
  /** The addon's contexts for this key. Invariant: destroyed is true once they were freed. */
  private readonly handle: KeyHandle;
  private destroyed = false;

  constructor(addon: NativeAddon, key: Uint8Array) {
    this.addon = addon;
    this.handle = addon.aesGcmKeyCreate(key);
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
    const out = given ?? new Uint8Array(bytes);
    this.addon.aesGcmSeal(this.handle, nonce, plaintext, options?.aad ?? null, out);
    return fitted(out, bytes);
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
    const bytes = sealed.length - TAG_BYTES;
    const given = options?.out;
    if (given !== undefined) checkRoom(given, bytes, 'open');
    const out = given ?? new Uint8Array(bytes);
    const opened = this.addon.aesGcmOpen(this.handle, nonce, sealed, options?.aad ?? null, out);
    return opened ? fitted(out, bytes) : null;
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
    const span = (offsets[count] ?? 0) - (offsets[0] ?? 0);
    checkRoom(out, span + TAG_BYTES * count, 'sealBatch');
    const [aadData, aadOffsets] = aad === undefined ? [null, null] : [aad.data, aad.offsets];
    this.addon.aesGcmSealBatch(this.handle, nonces, data, offsets, aadData, aadOffsets, out);
  }

  openBatch(
    nonces: Uint8Array,
    sealed: RecordBatch,
    options: { out: Uint8Array; aad?: RecordBatch },
  ): number {
    assert(!this.destroyed, 'AES-GCM key used after destroy()');
    const { out, aad } = options;
    const count = checkBatch(nonces, sealed, aad);
    checkRoom(out, plaintextBytes(sealed, count), 'openBatch');
    const { data, offsets } = sealed;
    const [aadData, aadOffsets] = aad === undefined ? [null, null] : [aad.data, aad.offsets];
    return this.addon.aesGcmOpenBatch(this.handle, nonces, data, offsets, aadData, aadOffsets, out);
  }

  destroy(): void {
    this.addon.aesGcmKeyDestroy(this.handle);
    this.destroyed = true;
  }
}

/** The native AES-256-GCM backend; rejects when the addon is not built or does not load. */
export async function load(): Promise<AesGcm> {
  const addon = loadNativeAddon();
  return {
    info,
    importKey(key: Uint8Array): AesGcmKey {
      if (key.length !== KEY_BYTES) {
        throw invalid(`AES-256-GCM needs a ${KEY_BYTES}-byte key, got ${key.length} bytes`);
      }
      return new NativeAesGcmKey(addon, key);
    },
  };
}
