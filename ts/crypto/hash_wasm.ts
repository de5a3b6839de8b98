/**
 * A `ChainCore` over hash-wasm (hand-written C compiled to WebAssembly), for its SHA-256 and
 * BLAKE3 alike: the instances come from the caller, so this file never loads hash-wasm itself.
 *
 * hash-wasm creates hashers asynchronously only, while `createHasher()` is synchronous, so a
 * backend's `load()` creates two instances up front: one for the one-shot calls (digest,
 * batches, the chain), which run init-update-digest to completion inside one call, and one
 * shared by every streaming hasher. The streaming instance holds the live state of one hasher
 * (its owner); when another hasher uses it, the owner's state is parked with `save()` and the
 * newcomer's restored with `load()` (~1.5 us per switch for SHA-256, a few us for BLAKE3's
 * ~1.9 KB state; nothing when one stream runs at a time). So hashers stay independent however
 * their calls interleave, in a fixed amount of memory.
 *
 * Invariant: results are bit-identical to the TypeScript reference of the same hash.
 */
import type { IHasher } from 'hash-wasm';
import { assert } from '../types/index.js';
import type { Hasher } from './hash.js';
import { type ChainCore, copyOut } from './hash_core.js';

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
    return copyOut(digest, out, 'digest');
  }
}

/** hash-wasm's hash as a core; the digest length is the instances' `digestSize`. */
export class HashWasmCore implements ChainCore {
  readonly digestBytes: number;
  /** Runs init-update-digest to completion within each call, so it is never shared mid-hash. */
  private readonly oneShot: IHasher;
  private readonly shared: SharedInstance;

  /** `oneShot` and `streaming` are two instances of the same hash, used only by this core. */
  constructor(oneShot: IHasher, streaming: IHasher) {
    assert(
      oneShot.digestSize === streaming.digestSize,
      'the one-shot and streaming instances must be the same hash',
    );
    this.digestBytes = oneShot.digestSize;
    this.oneShot = oneShot;
    this.shared = new SharedInstance(streaming);
  }

  digest(data: Uint8Array): Uint8Array {
    return this.oneShot.init().update(data).digest('binary');
  }

  digestInto(data: Uint8Array, out: Uint8Array, at: number): void {
    out.set(this.digest(data), at);
  }

  chainLinkInto(previous: Uint8Array, record: Uint8Array, link: Uint8Array): void {
    link.set(this.oneShot.init().update(previous).update(record).digest('binary'));
  }

  createHasher(): Hasher {
    return new StreamHasher(this.shared);
  }
}
