/**
 * The stored form of one 4 KiB page: a CRC-32C header, a nonce, and the page body sealed with
 * AES-256-GCM under the tenant's key (or in the clear when the store has no key).
 *
 * Layout (LIMITS.pageSizeBytes = 4096):
 *   [0, 4)       CRC-32C (big-endian) of bytes [4, 4096), so a torn or rotten page is found
 *                without the key and told apart from a wrong key
 *   [4, 16)      nonce (12 fresh bytes from `nonces`; zero without a key)
 *   [16, 4080)   body (BODY_BYTES = 4064), ciphertext with a key, plain without
 *   [4080, 4096) GCM tag (zero without a key)
 * The additional data is "KPG1" ++ page number (u32 big-endian), so a page copied to another
 * page number does not authenticate.
 *
 * Invariant: `open(p, seal(p, body))` returns `body`; any other stored bytes either fail with
 * CORRUPTION naming the page, or (only without a key) pass the CRC by chance.
 */
import type { AesGcmKey, Crc32c } from '../crypto/index.js';
import { assert, ErrorCode, KimberliteError, LIMITS } from '../types/index.js';

export const PAGE_BYTES = LIMITS.pageSizeBytes;
const CRC_BYTES = 4;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const BODY_OFFSET = CRC_BYTES + NONCE_BYTES;
/** Usable bytes of a page: 4064. */
export const BODY_BYTES = PAGE_BYTES - BODY_OFFSET - TAG_BYTES;
const AAD_MAGIC = 0x4b50_4731; // "KPG1"

export class PageCodec {
  private readonly key: AesGcmKey | null;
  private readonly crc32c: Crc32c;
  private readonly nonces: (out: Uint8Array) => void;
  /** Scratch for the additional data; Invariant: 8 bytes, rewritten per call. */
  private readonly aad = new Uint8Array(8);
  private readonly aadView = new DataView(this.aad.buffer);

  constructor(options: {
    key: AesGcmKey | null;
    crc32c: Crc32c;
    nonces: (out: Uint8Array) => void;
  }) {
    this.key = options.key;
    this.crc32c = options.crc32c;
    this.nonces = options.nonces;
  }

  /** Writes the stored form of `body` (BODY_BYTES) for page `pageNo` into `page` (PAGE_BYTES). */
  seal(pageNo: number, body: Uint8Array, page: Uint8Array): void {
    assert(body.length === BODY_BYTES && page.length === PAGE_BYTES, 'seal: bad buffer sizes');
    if (this.key === null) {
      page.fill(0, CRC_BYTES, BODY_OFFSET);
      page.set(body, BODY_OFFSET);
      page.fill(0, BODY_OFFSET + BODY_BYTES);
    } else {
      const nonce = page.subarray(CRC_BYTES, BODY_OFFSET);
      this.nonces(nonce);
      this.key.seal(nonce, body, { aad: this.aadFor(pageNo), out: page.subarray(BODY_OFFSET) });
    }
    const crc = this.crc32c.compute(page.subarray(CRC_BYTES));
    new DataView(page.buffer, page.byteOffset, CRC_BYTES).setUint32(0, crc);
  }

  /**
   * Checks and opens the stored `page` of number `pageNo` into `body` (BODY_BYTES).
   * Throws CORRUPTION naming the page when the CRC or the GCM tag fails.
   */
  open(pageNo: number, page: Uint8Array, body: Uint8Array): void {
    const problem = this.tryOpen(pageNo, page, body);
    if (problem !== null) throw corruption(pageNo, problem);
  }

  /** As `open`, but returns what failed (or null) instead of throwing. */
  tryOpen(pageNo: number, page: Uint8Array, body: Uint8Array): string | null {
    assert(body.length === BODY_BYTES && page.length === PAGE_BYTES, 'open: bad buffer sizes');
    const stored = new DataView(page.buffer, page.byteOffset, CRC_BYTES).getUint32(0);
    if (this.crc32c.compute(page.subarray(CRC_BYTES)) !== stored) return 'CRC mismatch';
    if (this.key === null) {
      body.set(page.subarray(BODY_OFFSET, BODY_OFFSET + BODY_BYTES));
      return null;
    }
    const nonce = page.subarray(CRC_BYTES, BODY_OFFSET);
    const sealed = page.subarray(BODY_OFFSET);
    const opened = this.key.open(nonce, sealed, { aad: this.aadFor(pageNo), out: body });
    return opened === null ? 'does not authenticate (wrong key or tampered)' : null;
  }

  private aadFor(pageNo: number): Uint8Array {
    this.aadView.setUint32(0, AAD_MAGIC);
    this.aadView.setUint32(4, pageNo);
    return this.aad;
  }
}

/** The operating error for a page that fails a check. */
export function corruption(pageNo: number, what: string): KimberliteError {
  return new KimberliteError(ErrorCode.Corruption, `page ${pageNo}: ${what}`);
}
