/**
 * SHA-256 reference backend on `@noble/hashes` (audited, pure JavaScript). Every other
 * SHA-256 backend is tested against this one.
 *
 * The hash chain streams `h[i-1]` and record `i` into one hasher, so no concatenation is
 * allocated per record; `h[i]` is written straight into `out` and read back as the next link.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { assert, CRYPTO } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import { assertBatch, type RecordBatch, recordCount } from '../batch.js';
import type { Hasher } from '../hash.js';
import type { Sha256 } from './index.js';

const DIGEST_BYTES = CRYPTO.sha256DigestBytes;

/** The first `DIGEST_BYTES` of `out`, checked to be there. */
function digestView(out: Uint8Array): Uint8Array {
  assert(out.length >= DIGEST_BYTES, `digest output needs ${DIGEST_BYTES} bytes`);
  return out.length === DIGEST_BYTES ? out : out.subarray(0, DIGEST_BYTES);
}

function createHasher(): Hasher {
  const state = sha256.create();
  const hasher: Hasher = {
    update(data: Uint8Array): Hasher {
      state.update(data);
      return hasher;
    },
    digest(out?: Uint8Array): Uint8Array {
      if (out === undefined) return state.digest();
      const view = digestView(out);
      state.digestInto(view);
      return view;
    },
  };
  return hasher;
}

const info: BackendInfo = { kind: 'ts', name: '@noble/hashes' };

const backend: Sha256 = {
  info,
  digestBytes: DIGEST_BYTES,
  digest(data: Uint8Array, out?: Uint8Array): Uint8Array {
    if (out === undefined) return sha256(data);
    const view = digestView(out);
    sha256.create().update(data).digestInto(view);
    return view;
  },
  digestBatch(records: RecordBatch, out: Uint8Array): void {
    assertBatch(records);
    const count = recordCount(records);
    assert(out.length >= count * DIGEST_BYTES, `digestBatch needs ${count} digests of room`);
    const { data, offsets } = records;
    for (let i = 0; i < count; i++) {
      const record = data.subarray(offsets[i], offsets[i + 1]);
      const at = i * DIGEST_BYTES;
      sha256
        .create()
        .update(record)
        .digestInto(out.subarray(at, at + DIGEST_BYTES));
    }
  },
  createHasher,
  hashChain(seed: Uint8Array, records: RecordBatch, options: { out: Uint8Array }): void {
    const { out } = options;
    assert(seed.length === DIGEST_BYTES, `the chain seed must be ${DIGEST_BYTES} bytes`);
    assertBatch(records);
    const count = recordCount(records);
    assert(out.length >= count * DIGEST_BYTES, `hashChain needs ${count} digests of room`);
    const { data, offsets } = records;
    let previous = seed;
    for (let i = 0; i < count; i++) {
      const record = data.subarray(offsets[i], offsets[i + 1]);
      const link = out.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES);
      sha256.create().update(previous).update(record).digestInto(link);
      previous = link;
    }
  },
};

/** The reference SHA-256; always loads. */
export async function load(): Promise<Sha256> {
  return backend;
}
