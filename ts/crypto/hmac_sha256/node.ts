/**
 * HMAC-SHA256 on `node:crypto` (`createHmac`, OpenSSL inside the `node` binary). The batch
 * entry point imports the key once as a KeyObject and reuses it for every record.
 */
import { createHmac, createSecretKey } from 'node:crypto';
import type { BackendInfo } from '../backend.js';
import { CheckedHmacSha256, type MacCore } from './checked_mac.js';
import type { HmacSha256 } from './index.js';

/** node:crypto returns a new Buffer per MAC; the `Into` calls copy it into place. */
const core: MacCore = {
  mac: (key, data) => createHmac('sha256', key).update(data).digest(),
  macInto(key, data, out) {
    out.set(core.mac(key, data));
  },
  keyed(key) {
    const keyObject = createSecretKey(key);
    return {
      macInto(data, out, at) {
        out.set(createHmac('sha256', keyObject).update(data).digest(), at);
      },
    };
  },
};

const info: BackendInfo = { kind: 'node', name: 'crypto.createHmac' };

const backend: HmacSha256 = new CheckedHmacSha256(info, core);

/** HMAC-SHA256 on node:crypto; loads wherever Node runs. */
export async function load(): Promise<HmacSha256> {
  return backend;
}
