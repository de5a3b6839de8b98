/**
 * HMAC-SHA256 on `node:crypto` (`createHmac`, OpenSSL inside the `node` binary). The batch
 * entry point imports the key once as a KeyObject and reuses it for every record.
 */
import { createHmac, createSecretKey } from 'node:crypto';
import { assert, CRYPTO } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import { assertBatch, type RecordBatch, recordCount } from '../batch.js';
import type { HmacSha256 } from './index.js';

const MAC_BYTES = CRYPTO.hmacSha256Bytes;

const info: BackendInfo = { kind: 'node', name: 'crypto.createHmac' };

const backend: HmacSha256 = {
  info,
  mac(key: Uint8Array, data: Uint8Array, options?: { out?: Uint8Array }): Uint8Array {
    const mac = createHmac('sha256', key).update(data).digest();
    const out = options?.out;
    if (out === undefined) return mac;
    assert(out.length >= MAC_BYTES, `mac output needs ${MAC_BYTES} bytes`);
    out.set(mac);
    return out.length === MAC_BYTES ? out : out.subarray(0, MAC_BYTES);
  },
  macBatch(key: Uint8Array, records: RecordBatch, options: { out: Uint8Array }): void {
    const { out } = options;
    assertBatch(records);
    const count = recordCount(records);
    assert(out.length >= count * MAC_BYTES, `macBatch needs ${count} MACs of room`);
    const { data, offsets } = records;
    const keyObject = createSecretKey(key);
    for (let i = 0; i < count; i++) {
      const record = data.subarray(offsets[i], offsets[i + 1]);
      out.set(createHmac('sha256', keyObject).update(record).digest(), i * MAC_BYTES);
    }
  },
};

/** HMAC-SHA256 on node:crypto; loads wherever Node runs. */
export async function load(): Promise<HmacSha256> {
  return backend;
}
