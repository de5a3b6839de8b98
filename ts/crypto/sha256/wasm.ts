/**
 * SHA-256 on hash-wasm (hand-written C compiled to WebAssembly): the backend for hosts where
 * neither the native addon nor `node:crypto` is usable.
 *
 * hash-wasm creates hashers asynchronously only, while `createHasher()` is synchronous, so
 * `load()` creates two instances up front: one for the one-shot calls (digest, batches, the
 * chain), which run init-update-digest to completion inside one call, and one shared by every
 * streaming hasher. The streaming instance holds the live state of one hasher (its owner);
 * when another hasher uses it, the owner's state is parked with `save()` and the newcomer's
 * restored with `load()` (~1.5 us per switch, nothing when one stream runs at a time). So
 * hashers stay independent however their calls interleave, in a fixed amount of memory.
 *
 * Invariant: results are bit-identical to the TypeScript reference (`ts.ts`).
 */
import type { IHasher } from 'hash-wasm';
import { assert, CRYPTO, ErrorCode, KimberliteError } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import { assertBatch, type RecordBatch, recordCount } from '../batch.js';
import type { Hasher } from '../hash.js';
import type { Sha256 } from './index.js';

const DIGEST_BYTES = CRYPTO.sha256DigestBytes;

/** Copies `digest` into `out[0, DIGEST_BYTES)` and returns that view. */
function writeDigest(digest: Uint8Array, out: Uint8Array): Uint8Array {
  assert(out.length >= DIGEST_BYTES, `digest output needs ${DIGEST_BYTES} bytes`);
  out.set(digest);
  return out.length === DIGEST_BYTES ? out : out.subarray(0, DIGEST_BYTES);
}

/**
 * One hash-wasm instance shared by streaming hashers.
 * Invariant: the instance holds `owner`'s live state; every other unfinished hasher's state
 * is in its `parked` field (or it has not started).
 */
class SharedInstance {
  readonly inner: IHasher;
  owner: StreamHasher | null = null;

  constructor(inner: IHasher) {
    this.inner = inner;
  }

  /** Makes `hasher`'s state the live one, parking the previous owner's. */
  acquire(hasher: StreamHasher): IHasher {
    if (this.owner === hasher) return this.inner;
    if (this.owner !== null) this.owner.parked = this.inner.save();
    if (hasher.parked === null) this.inner.init();
    else this.inner.load(hasher.parked);
    hasher.parked = null;
    this.owner = hasher;
    return this.inner;
  }

  release(hasher: StreamHasher): void {
    if (this.owner === hasher) this.owner = null;
  }
}

class StreamHasher implements Hasher {
  /** The saved state while another hasher owns the instance; null when live or not started. */
  parked: Uint8Array | null = null;
  private finished = false;
  private readonly shared: SharedInstance;

  constructor(shared: SharedInstance) {
    this.shared = shared;
  }

  update(data: Uint8Array): Hasher {
    assert(!this.finished, 'update after digest');
    this.shared.acquire(this).update(data);
    return this;
  }

  digest(out?: Uint8Array): Uint8Array {
    assert(!this.finished, 'digest called twice');
    this.finished = true;
    const digest = this.shared.acquire(this).digest('binary');
    this.shared.release(this);
    return out === undefined ? digest : writeDigest(digest, out);
  }
}

const info: BackendInfo = { kind: 'wasm', name: 'hash-wasm' };

class HashWasmSha256 implements Sha256 {
  readonly info = info;
  readonly digestBytes = DIGEST_BYTES;
  /** Runs init-update-digest to completion within each call, so it is never shared mid-hash. */
  private readonly oneShot: IHasher;
  private readonly shared: SharedInstance;

  constructor(oneShot: IHasher, shared: SharedInstance) {
    this.oneShot = oneShot;
    this.shared = shared;
  }

  digest(data: Uint8Array, out?: Uint8Array): Uint8Array {
    const digest = this.oneShot.init().update(data).digest('binary');
    return out === undefined ? digest : writeDigest(digest, out);
  }

  digestBatch(records: RecordBatch, out: Uint8Array): void {
    assertBatch(records);
    const count = recordCount(records);
    assert(out.length >= count * DIGEST_BYTES, `digestBatch needs ${count} digests of room`);
    const { data, offsets } = records;
    for (let i = 0; i < count; i++) {
      const record = data.subarray(offsets[i], offsets[i + 1]);
      out.set(this.oneShot.init().update(record).digest('binary'), i * DIGEST_BYTES);
    }
  }

  createHasher(): Hasher {
    return new StreamHasher(this.shared);
  }

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
      // Two updates instead of hashing `previous ++ record`: no per-record concatenation.
      const link = this.oneShot.init().update(previous).update(record).digest('binary');
      out.set(link, i * DIGEST_BYTES);
      previous = out.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES);
    }
  }
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** SHA-256("abc") from FIPS 180-4's examples: a load that computes wrong answers must fail. */
const ABC_DIGEST_HEX = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

async function create(): Promise<Sha256> {
  const { createSHA256 } = await import('hash-wasm');
  const [oneShot, streaming] = await Promise.all([createSHA256(), createSHA256()]);
  const backend = new HashWasmSha256(oneShot, new SharedInstance(streaming));
  const abc = toHex(backend.digest(new TextEncoder().encode('abc')));
  if (abc !== ABC_DIGEST_HEX) throw new Error(`known-answer check failed: SHA-256("abc") = ${abc}`);
  return backend;
}

/** Shared by every caller: each call is synchronous and complete, so sharing is safe. */
let loading: Promise<Sha256> | undefined;

/** SHA-256 on hash-wasm; rejects with `BACKEND_UNAVAILABLE` without WebAssembly or hash-wasm. */
export async function load(): Promise<Sha256> {
  loading ??= create();
  try {
    return await loading;
  } catch (error) {
    loading = undefined;
    const reason = error instanceof Error ? error.message : String(error);
    throw new KimberliteError(
      ErrorCode.BackendUnavailable,
      `hash-wasm SHA-256 did not load: ${reason}`,
      { cause: error },
    );
  }
}
