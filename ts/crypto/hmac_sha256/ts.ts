/**
 * HMAC-SHA256 reference backend on `@noble/hashes`. The batch entry point keys the HMAC once
 * (inner and outer pads hashed once) and clones that state per record.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assert, CRYPTO } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import { assertBatch, type RecordBatch, recordCount } from '../batch.js';
import type { HmacSha256 } from './index.js';

const MAC_BYTES = CRYPTO.hmacSha256Bytes;

const info: BackendInfo = { kind: 'ts', name: '@noble/hashes' };

const backend: HmacSha256 = {
  info,
  mac(key: Uint8Array, data: Uint8Array, options?: { out?: Uint8Array }): Uint8Array {
    const out = options?.out;
    if (out === undefined) return hmac(sha256, key, data);
    assert(out.length >= MAC_BYTES, `mac output needs ${MAC_BYTES} bytes`);
    const view = out.length === MAC_BYTES ? out : out.subarray(0, MAC_BYTES);
    hmac.create(sha256, key).update(data).digestInto(view);
    return view;
  },
  macBatch(key: Uint8Array, records: RecordBatch, options: { out: Uint8Array }): void {
    const { out } = options;
    assertBatch(records);
    const count = recordCount(records);
    assert(out.length >= count * MAC_BYTES, `macBatch needs ${count} MACs of room`);
    const { data, offsets } = records;
    const keyed = hmac.create(sha256, key);
    for (let i = 0; i < count; i++) {
      const record = data.subarray(offsets[i], offsets[i + 1]);
      const at = i * MAC_BYTES;
      keyed
        .clone()
        .update(record)
        .digestInto(out.subarray(at, at + MAC_BYTES));
    }
    keyed.destroy();
  },
};

/** The reference HMAC-SHA256; always loads. */
export async function load(): Promise<HmacSha256> {
  return backend;
}
