/**
 * A `ChainCore` over a `@noble/hashes` hash (`sha256`, `blake3`): the TypeScript reference
 * backends. noble hashers write into a given array (`digestInto`), so digests go straight into
 * the caller's `out`, a batch's slots and the chain's links, with no copy.
 *
 * Invariant: every hash of a record starts from a fresh `create()`, so no state is shared
 * between calls.
 */
import type { Hasher } from './hash.js';
import { type ChainCore, outputView, slotOf } from './hash_core.js';

/** The part of a noble hash instance used here. */
interface NobleState {
  readonly outputLen: number;
  update(data: Uint8Array): NobleState;
  digestInto(out: Uint8Array): void;
  /** A new digest; noble also wipes its own buffers after, which `digestInto` may not. */
  digest(): Uint8Array;
}

/** The part of a noble hash function used here (`sha256`, `blake3` with default options). */
interface NobleHash {
  (data: Uint8Array): Uint8Array;
  readonly outputLen: number;
  create(): NobleState;
}

class NobleHasher implements Hasher {
  private readonly state: NobleState;

  constructor(state: NobleState) {
    this.state = state;
  }

  update(data: Uint8Array): Hasher {
    this.state.update(data);
    return this;
  }

  digest(out?: Uint8Array): Uint8Array {
    if (out === undefined) return this.state.digest();
    const view = outputView(out, this.state.outputLen, 'digest');
    this.state.digestInto(view);
    return view;
  }
}

/** The core of the TypeScript reference for `hash`; the digest length is `hash.outputLen`. */
export function nobleCore(hash: NobleHash): ChainCore {
  const digestBytes = hash.outputLen;
  return {
    digestBytes,
    digest: (data) => hash(data),
    digestInto(data, out, at) {
      hash
        .create()
        .update(data)
        .digestInto(slotOf(out, at, digestBytes));
    },
    chainLinkInto(previous, record, link) {
      hash.create().update(previous).update(record).digestInto(link);
    },
    createHasher: () => new NobleHasher(hash.create()),
  };
}
