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

/** The plaintext of every payload, in one batch call; CORRUPTION names the first that fails. */
export function openPayloads(
  key: AesGcmKey,
  payloads: readonly Uint8Array[],
  places: readonly PayloadPlace[],
): Uint8Array[] {
  const nonces = new Uint8Array(payloads.length * NONCE_BYTES);
  const bodies: Uint8Array[] = [];
  payloads.forEach((payload, i) => {
    const place = places[i];
    if (payload.length < PAYLOAD_OVERHEAD_BYTES && place !== undefined) {
      throw undecryptable(place);
    }
    nonces.set(payload.subarray(0, NONCE_BYTES), i * NONCE_BYTES);
    bodies.push(payload.subarray(NONCE_BYTES));
  });
  const sealed = batchOf(bodies);
  const out = new Uint8Array(
    Math.max(0, sealed.data.length - CRYPTO.aesGcmTagBytes * bodies.length),
  );
  const failed = key.openBatch(nonces, sealed, { out, aad: aadBatch(places) });
  if (failed >= 0) {
    const place = places[failed];
    assert(place !== undefined, 'a place per payload');
    throw undecryptable(place);
  }
  return bodies.map((body, i) => {
    const start = (sealed.offsets[i] ?? 0) - CRYPTO.aesGcmTagBytes * i;
    return out.subarray(start, start + body.length - CRYPTO.aesGcmTagBytes);
  });
}
