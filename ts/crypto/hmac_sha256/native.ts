/**
 * HMAC-SHA256 on the native addon: OpenSSL's SHA-256 under an RFC 2104 construction whose
 * padded-key states are computed once per call, so `macBatch` pays the key setup once for the
 * whole batch, in ONE addon call (which checks the batch and the room itself).
 */
import { loadNativeAddon } from '../../platform/index.js';
import type { BackendInfo } from '../backend.js';
import type { RecordBatch } from '../batch.js';
import { outputOf } from '../hash_core.js';
import { MAC_BYTES } from './checked_mac.js';
import type { HmacSha256 } from './index.js';

const info: BackendInfo = { kind: 'native', name: 'openssl' };

/** The native HMAC-SHA256 backend; rejects when the addon is not built or does not load. */
export async function load(): Promise<HmacSha256> {
  const { hmacSha256, hmacSha256Batch } = loadNativeAddon();
  return {
    info,
    mac(key: Uint8Array, data: Uint8Array, options?: { out?: Uint8Array }): Uint8Array {
      const target = outputOf(options?.out, MAC_BYTES, 'mac');
      hmacSha256(key, data, target);
      return target;
    },
    macBatch(key: Uint8Array, records: RecordBatch, options: { out: Uint8Array }): void {
      hmacSha256Batch(key, records.data, records.offsets, options.out);
    },
  };
}
