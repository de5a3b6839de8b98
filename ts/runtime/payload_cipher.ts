/**
 * Encryption of tenant record payloads: a stored payload is `nonce (12) ++ ciphertext ++ tag
 * (16)` under the tenant's data key. The additional data binds the record to its place
 * (tenant, stream, log position), so a ciphertext copied elsewhere does not open. The hash
 * chain covers the stored bytes, so the log verifies without any key.
 *
 * Nonces are random (NIST SP 800-38D 8.2.2): at most 2^32 records and pages per key keep the
 * collision probability below 2^-32; key rotation (a later issue) resets the count.
 */
import { type AesGcmKey, batchOf, type RecordBatch } from '../crypto/index.js';
import { corruption } from '../storage/index.js';
import { assert, CRYPTO, type KimberliteError } from '../types/index.js';

const NONCE_BYTES = CRYPTO.aesGcmNonceBytes;

/** Bytes a payload grows by when sealed. */
export const PAYLOAD_OVERHEAD_BYTES = CRYPTO.aesGcmNonceBytes + CRYPTO.aesGcmTagBytes;

export interface PayloadPlace {
  readonly tenant: number;
  readonly stream: number;
  readonly position: bigint;
}

const AAD_BYTES = 16;

function writeAad(view: DataView, at: number, place: PayloadPlace): void {
  view.setUint32(at, place.tenant);
  view.setUint32(at + 4, place.stream);
  view.setBigUint64(at + 8, place.position);
}

/** The additional data of every record, as one batch (16 bytes each). */
function aadBatch(places: readonly PayloadPlace[]): RecordBatch {
  const data = new Uint8Array(places.length * AAD_BYTES);
  const view = new DataView(data.buffer);
  const offsets = new Uint32Array(places.length + 1);
  places.forEach((place, i) => {
    writeAad(view, i * AAD_BYTES, place);
    offsets[i + 1] = (i + 1) * AAD_BYTES;
  });
  return { data, offsets };
}

/**
 * Seals every plaintext for its place in one batch call; `nonces` holds 12 fresh random bytes
 * per record. Returns each stored payload, `nonce ++ ciphertext ++ tag`.
 */
export function sealPayloads(
  key: AesGcmKey,
  plaintexts: readonly Uint8Array[],
  options: { nonces: Uint8Array; places: readonly PayloadPlace[] },
): Uint8Array[] {
  const { nonces, places } = options;
  const batch = batchOf(plaintexts);
  const sealed = new Uint8Array(batch.data.length + CRYPTO.aesGcmTagBytes * plaintexts.length);
  key.sealBatch(nonces, batch, { out: sealed, aad: aadBatch(places) });
  return plaintexts.map((plaintext, i) => {
    const start = (batch.offsets[i] ?? 0) + CRYPTO.aesGcmTagBytes * i;
    const payload = new Uint8Array(plaintext.length + PAYLOAD_OVERHEAD_BYTES);
    payload.set(nonces.subarray(i * NONCE_BYTES, (i + 1) * NONCE_BYTES), 0);
    payload.set(
      sealed.subarray(start, start + plaintext.length + CRYPTO.aesGcmTagBytes),
      NONCE_BYTES,
    );
    return payload;
  });
}

function undecryptable(place: PayloadPlace): KimberliteError {
  return corruption(
    `tenant ${place.tenant} record at log position ${place.position} (stream ` +
      `${place.stream}) does not decrypt: tampered, or not this tenant's key`,
  );
}

/**
 * The plaintext of every payload, in one batch call; CORRUPTION names the first that fails.
 * One pass builds the sealed batch, the nonces and the additional data (this runs per record
 * of every replay, so it allocates per batch, not per record, where it can).
 */
export function openPayloads(
  key: AesGcmKey,
  payloads: readonly Uint8Array[],
  places: readonly PayloadPlace[],
): Uint8Array[] {
  const count = payloads.length;
  assert(places.length === count, 'a place per payload');
  let sealedBytes = 0;
  for (let i = 0; i < count; i++) {
    const length = (payloads[i] as Uint8Array).length;
    if (length < PAYLOAD_OVERHEAD_BYTES) throw undecryptable(places[i] as PayloadPlace);
    sealedBytes += length - NONCE_BYTES;
  }
  const data = new Uint8Array(sealedBytes);
  const offsets = new Uint32Array(count + 1);
  const nonces = new Uint8Array(count * NONCE_BYTES);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const payload = payloads[i] as Uint8Array;
    for (let b = 0; b < NONCE_BYTES; b++) nonces[i * NONCE_BYTES + b] = payload[b] as number;
    data.set(payload.subarray(NONCE_BYTES), at);
    at += payload.length - NONCE_BYTES;
    offsets[i + 1] = at;
  }
  const out = new Uint8Array(Math.max(0, sealedBytes - CRYPTO.aesGcmTagBytes * count));
  const failed = key.openBatch(nonces, { data, offsets }, { out, aad: aadBatch(places) });
  if (failed >= 0) throw undecryptable(places[failed] as PayloadPlace);
  const plaintexts = new Array<Uint8Array>(count);
  for (let i = 0; i < count; i++) {
    const start = (offsets[i] as number) - CRYPTO.aesGcmTagBytes * i;
    const end = (offsets[i + 1] as number) - CRYPTO.aesGcmTagBytes * (i + 1);
    plaintexts[i] = out.subarray(start, end);
  }
  return plaintexts;
}
