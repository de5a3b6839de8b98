/**
 * HMAC-SHA256 reference backend on `@noble/hashes`. The batch entry point keys the HMAC once
 * (inner and outer pads hashed once) and clones that state per record.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { BackendInfo } from '../backend.js';
import { CheckedHmacSha256, MAC_BYTES, type MacCore } from './checked_mac.js';
import type { HmacSha256 } from './index.js';

const core: MacCore = {
  mac: (key, data) => hmac(sha256, key, data),
  macInto(key, data, out) {
    hmac.create(sha256, key).update(data).digestInto(out);
  },
  keyed(key) {
    const keyed = hmac.create(sha256, key);
    return {
      macInto(data, out, at) {
        keyed
          .clone()
          .update(data)
          .digestInto(out.subarray(at, at + MAC_BYTES));
      },
      // The keyed state holds the padded key's hash states; noble wipes them.
      destroy: () => keyed.destroy(),
    };
  },
};

const info: BackendInfo = { kind: 'ts', name: '@noble/hashes' };

const backend: HmacSha256 = new CheckedHmacSha256(info, core);

/** The reference HMAC-SHA256; always loads. */
export async function load(): Promise<HmacSha256> {
  return backend;
}
