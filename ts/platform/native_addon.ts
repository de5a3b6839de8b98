/**
 * The N-API addon built from `native/` (Rust, no crates): its raw functions, typed, and the
 * loader. Backends (`ts/crypto/<primitive>/native.ts`, `ts/storage/segment_io/native.ts`) wrap
 * these into the primitives' interfaces; nothing else should call them.
 *
 * Conventions of the raw functions: inputs first, then a caller-allocated output the function
 * writes into (so calls allocate nothing on the JS heap); batches as `data` + `offsets` (see
 * `ts/crypto/batch.ts`). The addon checks every argument and throws `TypeError` / `RangeError`
 * on misuse (an output overlapping an input included), so bad input is never undefined
 * behaviour; the wrappers check the documented error cases first to throw Kimberlite's errors.
 *
 * Invariant: `loadNativeAddon` returns only an addon whose `abiVersion()` equals
 * `NATIVE_ABI_VERSION` and which has every function below; it caches the first success.
 */
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { ErrorCode, KimberliteError } from '../types/index.js';
import { buildStatus, packageRoot } from './build_status.js';

/** The shape of the exported functions this file types; `native/src/lib.rs` ABI_VERSION. */
const NATIVE_ABI_VERSION = 1;

declare const handleKind: unique symbol;
/** An addon-owned object (a JS external with a finalizer); `Kind` keeps handles apart. */
export type NativeHandle<Kind extends string> = { readonly [handleKind]: Kind };

/** The addon's exports. Sizes are in bytes; digests and MACs are 32 bytes. */
export interface NativeAddon {
  /** Version of these functions' shapes; the loader refuses any other. */
  abiVersion(): number;

  /** True when CRC-32C runs on the SSE4.2 `crc32` instruction (else portable tables). */
  crc32cHardware(): boolean;
  /** Continues `crc` (0 to start) over `data`; standard pre/post inversion. */
  crc32cUpdate(crc: number, data: Uint8Array): number;
  /** As `crc32cUpdate`, always on the portable tables (so tests cover that path too). */
  crc32cUpdatePortable(crc: number, data: Uint8Array): number;
  /** `out[i]` = CRC-32C of record `i`. */
  crc32cBatch(data: Uint8Array, offsets: Uint32Array, out: Uint32Array): void;

  /** SHA-256 of `data` into `out[0, 32)`. */
  sha256Digest(data: Uint8Array, out: Uint8Array): void;
  /** SHA-256 of record `i` into `out[32 i, 32 i + 32)`. */
  sha256DigestBatch(data: Uint8Array, offsets: Uint32Array, out: Uint8Array): void;
  /** `h[i] = SHA-256(h[i-1] ++ record i)` from `h[-1] = seed` (32 bytes), into `out[32 i, ...)`. */
  sha256HashChain(seed: Uint8Array, data: Uint8Array, offsets: Uint32Array, out: Uint8Array): void;
  sha256HasherCreate(): NativeHandle<'sha256-hasher'>;
  sha256HasherUpdate(hasher: NativeHandle<'sha256-hasher'>, data: Uint8Array): void;
  /** Finishes into `out[0, 32)`; the hasher cannot be used after. */
  sha256HasherDigest(hasher: NativeHandle<'sha256-hasher'>, out: Uint8Array): void;

  /** BLAKE3 (unkeyed, 32-byte output) of `data` into `out[0, 32)`. */
  blake3Digest(data: Uint8Array, out: Uint8Array): void;
  blake3DigestBatch(data: Uint8Array, offsets: Uint32Array, out: Uint8Array): void;
  blake3HasherCreate(): NativeHandle<'blake3-hasher'>;
  blake3HasherUpdate(hasher: NativeHandle<'blake3-hasher'>, data: Uint8Array): void;
  blake3HasherDigest(hasher: NativeHandle<'blake3-hasher'>, out: Uint8Array): void;

  /** HMAC-SHA256 of `data` under `key` (any length) into `out[0, 32)`. */
  hmacSha256(key: Uint8Array, data: Uint8Array, out: Uint8Array): void;
  /** MAC of record `i` into `out[32 i, 32 i + 32)`; the key's pads are computed once. */
  hmacSha256Batch(key: Uint8Array, data: Uint8Array, offsets: Uint32Array, out: Uint8Array): void;

  /** Expands a 32-byte key once into reusable OpenSSL contexts (freed by the GC or destroy). */
  aesGcmKeyCreate(key: Uint8Array): NativeHandle<'aes-gcm-key'>;
  /** Frees the contexts now, wiping the key schedule; later use throws. Idempotent. */
  aesGcmKeyDestroy(key: NativeHandle<'aes-gcm-key'>): void;
  /** `ciphertext ++ tag` into `out[0, plaintext.length + 16)`; nonce is 12 bytes. */
  aesGcmSeal(
    key: NativeHandle<'aes-gcm-key'>,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array | null,
    out: Uint8Array,
  ): void;
  /** Plaintext into `out[0, sealed.length - 16)`; false (and that range wiped) if forged. */
  aesGcmOpen(
    key: NativeHandle<'aes-gcm-key'>,
    nonce: Uint8Array,
    sealed: Uint8Array,
    aad: Uint8Array | null,
    out: Uint8Array,
  ): boolean;
  /** Seals a batch in the layout of `AesGcmKey.sealBatch`; `nonces` is exactly 12 x count. */
  aesGcmSealBatch(
    key: NativeHandle<'aes-gcm-key'>,
    nonces: Uint8Array,
    data: Uint8Array,
    offsets: Uint32Array,
    aadData: Uint8Array | null,
    aadOffsets: Uint32Array | null,
    out: Uint8Array,
  ): void;
  /** Opens a batch as `AesGcmKey.openBatch`: -1, or the index of the first failing record. */
  aesGcmOpenBatch(
    key: NativeHandle<'aes-gcm-key'>,
    nonces: Uint8Array,
    data: Uint8Array,
    offsets: Uint32Array,
    aadData: Uint8Array | null,
    aadOffsets: Uint32Array | null,
    out: Uint8Array,
  ): number;

  /** The 32-byte public key of a 32-byte seed into `out` (32 bytes). */
  ed25519PublicKey(seed: Uint8Array, out: Uint8Array): void;
  /** The 64-byte signature into `out` (64 bytes). */
  ed25519Sign(seed: Uint8Array, message: Uint8Array, out: Uint8Array): void;
  /** True only for a valid signature; malformed lengths or keys give false. */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;

  /** A zeroed `Uint8Array` of `sizeBytes` (a positive multiple of 4096), 4096-aligned in memory. */
  allocAligned(sizeBytes: number): Uint8Array;
  /**
   * Opens a segment file of exactly `sizeBytes`, with O_DIRECT when `direct` (the result's
   * `direct` is false where the filesystem refuses it); with `create`, a missing file is first
   * created zeroed and synced.
   * OS failures throw an `Error` with `code` / `errno` naming operation, path and reason.
   */
  segmentOpen(
    path: string,
    sizeBytes: number,
    create: boolean,
    direct: boolean,
  ): { readonly handle: NativeHandle<'segment'>; readonly direct: boolean };
  /** Writes whole pages from a 4096-aligned buffer; `sync` adds an fdatasync. */
  segmentWritePages(
    segment: NativeHandle<'segment'>,
    buffer: Uint8Array,
    positionBytes: number,
    sync: boolean,
  ): void;
  /** Reads whole pages into a 4096-aligned buffer; returns the bytes read (short at the end). */
  segmentReadPages(
    segment: NativeHandle<'segment'>,
    buffer: Uint8Array,
    positionBytes: number,
  ): number;
  segmentSync(segment: NativeHandle<'segment'>): void;
  /** Closes the descriptor; later calls throw. Idempotent. */
  segmentClose(segment: NativeHandle<'segment'>): void;
}

/** Every function the addon must export; `satisfies` keeps this list complete. */
const NATIVE_FUNCTIONS = Object.keys({
  abiVersion: true,
  crc32cHardware: true,
  crc32cUpdate: true,
  crc32cUpdatePortable: true,
  crc32cBatch: true,
  sha256Digest: true,
  sha256DigestBatch: true,
  sha256HashChain: true,
  sha256HasherCreate: true,
  sha256HasherUpdate: true,
  sha256HasherDigest: true,
  blake3Digest: true,
  blake3DigestBatch: true,
  blake3HasherCreate: true,
  blake3HasherUpdate: true,
  blake3HasherDigest: true,
  hmacSha256: true,
  hmacSha256Batch: true,
  aesGcmKeyCreate: true,
  aesGcmKeyDestroy: true,
  aesGcmSeal: true,
  aesGcmOpen: true,
  aesGcmSealBatch: true,
  aesGcmOpenBatch: true,
  ed25519PublicKey: true,
  ed25519Sign: true,
  ed25519Verify: true,
  allocAligned: true,
  segmentOpen: true,
  segmentWritePages: true,
  segmentReadPages: true,
  segmentSync: true,
  segmentClose: true,
} satisfies Record<keyof NativeAddon, true>);

let cached: NativeAddon | undefined;

function unavailable(message: string, cause?: unknown): KimberliteError {
  return new KimberliteError(
    ErrorCode.BackendUnavailable,
    message,
    cause === undefined ? undefined : { cause },
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Checks that `loaded` is a complete addon of our ABI version. */
function checked(loaded: unknown, path: string): NativeAddon {
  if (typeof loaded !== 'object' || loaded === null) {
    throw unavailable(`the native addon at ${path} exports no object`);
  }
  const exports = loaded as Record<string, unknown>;
  const missing = NATIVE_FUNCTIONS.filter((name) => typeof exports[name] !== 'function');
  if (missing.length > 0) {
    throw unavailable(
      `the native addon at ${path} lacks ${missing.join(', ')}; rebuild it (npm run build:native)`,
    );
  }
  const addon = loaded as NativeAddon;
  const version = addon.abiVersion();
  if (version !== NATIVE_ABI_VERSION) {
    throw unavailable(
      `the native addon at ${path} has ABI version ${version}, this code needs ` +
        `${NATIVE_ABI_VERSION}; rebuild it (npm run build:native)`,
    );
  }
  return addon;
}

/**
 * Loads the addon once per thread (main or worker) and returns it.
 *
 * The path is `<package>/native/build/kimberlite.node`, or `KIMBERLITE_NATIVE_PATH` when set
 * (then the build status is not consulted). Throws `KimberliteError` code BACKEND_UNAVAILABLE
 * saying what failed (not built and why, or the loader's error as `cause`).
 *
 * @example
 * const addon = loadNativeAddon();
 * addon.crc32cUpdate(0, new TextEncoder().encode('123456789')); // 0xe3069283
 */
export function loadNativeAddon(): NativeAddon {
  if (cached !== undefined) return cached;
  const override = process.env.KIMBERLITE_NATIVE_PATH;
  const overridden = override !== undefined && override !== '';
  const path = overridden
    ? resolve(override)
    : join(packageRoot(), 'native', 'build', 'kimberlite.node');
  if (!overridden) {
    const status = buildStatus('native');
    if (!status.built) {
      throw unavailable(
        `the native addon is not built (${status.reason ?? 'build failed'}); ` +
          'build it with npm run build:native',
      );
    }
  }
  let loaded: unknown;
  try {
    loaded = createRequire(import.meta.url)(path);
  } catch (error) {
    throw unavailable(`the native addon did not load from ${path}: ${messageOf(error)}`, error);
  }
  cached = checked(loaded, path);
  return cached;
}
