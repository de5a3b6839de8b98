/**
 * A hash on the native addon (SHA-256 or BLAKE3): the addon writes every digest into a target
 * the caller allocated, and `digestBatch` is ONE addon call for the whole batch, so a batch of
 * a thousand short records is one crossing into native code instead of a thousand.
 *
 * The batch call does no checks in JavaScript: the addon checks the offsets, the room and
 * overlaps itself and throws `RangeError` / `TypeError` (see `platform/native_addon.ts`).
 *
 * Invariant: a hasher's native state is released by `digest` or, if never digested, by the
 * garbage collector (the addon attaches a finalizer).
 */
import type { BackendInfo } from './backend.js';
import type { RecordBatch } from './batch.js';
import type { Hasher } from './hash.js';
import { CheckedHash, type HashCore, outputOf, slotOf } from './hash_core.js';

/** One hash's addon functions (they ignore `this`, so they are passed unbound). */
export interface NativeHashCalls<Handle> {
  readonly digestBytes: number;
  digest(data: Uint8Array, out: Uint8Array): void;
  digestBatch(data: Uint8Array, offsets: Uint32Array, out: Uint8Array): void;
  hasherCreate(): Handle;
  hasherUpdate(hasher: Handle, data: Uint8Array): void;
  hasherDigest(hasher: Handle, out: Uint8Array): void;
}

class NativeHasher<Handle> implements Hasher {
  private readonly calls: NativeHashCalls<Handle>;
  private readonly state: Handle;

  constructor(calls: NativeHashCalls<Handle>) {
    this.calls = calls;
    this.state = calls.hasherCreate();
  }

  update(data: Uint8Array): Hasher {
    this.calls.hasherUpdate(this.state, data);
    return this;
  }

  digest(out?: Uint8Array): Uint8Array {
    const target = outputOf(out, this.calls.digestBytes, 'digest');
    this.calls.hasherDigest(this.state, target);
    return target;
  }
}

function coreOf<Handle>(calls: NativeHashCalls<Handle>): HashCore {
  const { digestBytes } = calls;
  return {
    digestBytes,
    digest(data) {
      const out = new Uint8Array(digestBytes);
      calls.digest(data, out);
      return out;
    },
    digestInto(data, out, at) {
      calls.digest(data, slotOf(out, at, digestBytes));
    },
    createHasher: () => new NativeHasher(calls),
  };
}

/** `CheckedHash` with the addon's whole-batch call in place of the per-record loop. */
export class NativeHash<Handle> extends CheckedHash {
  private readonly digestBatchCall: NativeHashCalls<Handle>['digestBatch'];

  constructor(info: BackendInfo, calls: NativeHashCalls<Handle>) {
    super(info, coreOf(calls));
    this.digestBatchCall = calls.digestBatch;
  }

  /** One addon call for the whole batch. */
  override digestBatch(records: RecordBatch, out: Uint8Array): void {
    this.digestBatchCall(records.data, records.offsets, out);
  }
}
