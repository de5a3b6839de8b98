/**
 * BLAKE3 reference backend on `@noble/hashes` (pure JavaScript, unkeyed hash mode, 32-byte
 * output). Every other BLAKE3 backend is tested against this one.
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { assert, CRYPTO } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import { assertBatch, type RecordBatch, recordCount } from '../batch.js';
import type { Hasher } from '../hash.js';
import type { Blake3 } from './index.js';

const DIGEST_BYTES = CRYPTO.blake3DigestBytes;

/** The first `DIGEST_BYTES` of `out`, checked to be there. */
function digestView(out: Uint8Array): Uint8Array {
  assert(out.length >= DIGEST_BYTES, `digest output needs ${DIGEST_BYTES} bytes`);
  return out.length === DIGEST_BYTES ? out : out.subarray(0, DIGEST_BYTES);
}

function createHasher(): Hasher {
  const state = blake3.create();
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

const backend: Blake3 = {
  info,
  digestBytes: DIGEST_BYTES,
  digest(data: Uint8Array, out?: Uint8Array): Uint8Array {
    if (out === undefined) return blake3(data);
    const view = digestView(out);
    blake3.create().update(data).digestInto(view);
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
      blake3
        .create()
        .update(record)
        .digestInto(out.subarray(at, at + DIGEST_BYTES));
    }
  },
  createHasher,
};

/** The reference BLAKE3; always loads. */
export async function load(): Promise<Blake3> {
  return backend;
}
