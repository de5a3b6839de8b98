/**
 * What every hash backend (SHA-256, BLAKE3) shares: output sizing with its room checks, and the
 * batch and chain loops with their asserts, as `hash.ts` and `sha256/index.ts` document them. A
 * backend supplies a `HashCore` (the hash itself: digest into a given place, digest into a new
 * array, a streaming hasher) and `CheckedHash` / `CheckedSha256` build the full interface.
 * Backends with a whole-batch entry point (the native addon) override the batch methods.
 * HMAC-SHA256 (`hmac_sha256/checked_mac.ts`) uses the output helpers too.
 *
 * Invariants: a result for a caller's `out` lands in `out[at, at + bytes)` and nothing else of
 * `out` is written; the batch and chain loops allocate nothing per record beyond the record's
 * view, the chain link's view and whatever the core's primitive itself allocates.
 */
import { assert } from '../types/index.js';
import type { BackendInfo } from './backend.js';
import { assertBatch, type RecordBatch, recordCount } from './batch.js';
import type { Hasher, HashFunction } from './hash.js';
import type { Sha256 } from './sha256/index.js';

/** `out[at, at + bytes)` as a view; `out` itself when it is exactly that, so no allocation. */
export function slotOf(out: Uint8Array, at: number, bytes: number): Uint8Array {
  return at === 0 && out.length === bytes ? out : out.subarray(at, at + bytes);
}

/**
 * `out[0, bytes)`, checked to be there: where a one-shot result goes when the caller gives an
 * `out`. `what` names the result in the message (`digest output needs 32 bytes`).
 */
export function outputView(out: Uint8Array, bytes: number, what: string): Uint8Array {
  assert(out.length >= bytes, `${what} output needs ${bytes} bytes`);
  return slotOf(out, 0, bytes);
}

/** `outputView(out)` when given, else a new array: for primitives that write into a target. */
export function outputOf(out: Uint8Array | undefined, bytes: number, what: string): Uint8Array {
  return out === undefined ? new Uint8Array(bytes) : outputView(out, bytes, what);
}

/**
 * `result` itself when no `out` is given, else copied into `outputView(out)`: for primitives
 * that return a new array (node:crypto, hash-wasm), so the common case copies nothing.
 */
export function copyOut(result: Uint8Array, out: Uint8Array | undefined, what: string): Uint8Array {
  if (out === undefined) return result;
  const view = outputView(out, result.length, what);
  view.set(result);
  return view;
}

/** A batch call's outputs, for its room check: `digestBatch needs 5 digests of room`. */
export interface BatchOutputs {
  readonly call: string;
  /** The outputs' name in the plural (`digests`, `MACs`). */
  readonly plural: string;
  readonly bytes: number;
}

/** Asserts the batch's invariants and that `out` holds one output per record; the count. */
export function checkedCount(records: RecordBatch, out: Uint8Array, outputs: BatchOutputs): number {
  assertBatch(records);
  const count = recordCount(records);
  const { call, plural, bytes } = outputs;
  assert(out.length >= count * bytes, `${call} needs ${count} ${plural} of room`);
  return count;
}

/** The hash itself, as one backend computes it; `CheckedHash` adds the checks and loops. */
export interface HashCore {
  readonly digestBytes: number;
  /** A new array holding the digest of `data`. */
  digest(data: Uint8Array): Uint8Array;
  /** Writes the digest of `data` into `out[at, at + digestBytes)`; the caller checked room. */
  digestInto(data: Uint8Array, out: Uint8Array, at: number): void;
  createHasher(): Hasher;
}

/** A `HashCore` that can also compute one link of the SHA-256 hash chain. */
export interface ChainCore extends HashCore {
  /**
   * Writes `H(previous ++ record)` into `link` (exactly `digestBytes`, disjoint from
   * `previous`), streaming both inputs so no concatenation is allocated.
   */
  chainLinkInto(previous: Uint8Array, record: Uint8Array, link: Uint8Array): void;
}

/** A `HashFunction` over a core: output checks, and `digestBatch` as a loop over records. */
export class CheckedHash implements HashFunction {
  readonly info: BackendInfo;
  readonly digestBytes: number;
  protected readonly core: HashCore;
  private readonly batchOutputs: BatchOutputs;

  constructor(info: BackendInfo, core: HashCore) {
    this.info = info;
    this.digestBytes = core.digestBytes;
    this.core = core;
    this.batchOutputs = { call: 'digestBatch', plural: 'digests', bytes: core.digestBytes };
  }

  digest(data: Uint8Array, out?: Uint8Array): Uint8Array {
    if (out === undefined) return this.core.digest(data);
    const view = outputView(out, this.digestBytes, 'digest');
    this.core.digestInto(data, view, 0);
    return view;
  }

  digestBatch(records: RecordBatch, out: Uint8Array): void {
    const count = checkedCount(records, out, this.batchOutputs);
    const { core, digestBytes } = this;
    const { data, offsets } = records;
    for (let i = 0; i < count; i++) {
      core.digestInto(data.subarray(offsets[i], offsets[i + 1]), out, i * digestBytes);
    }
  }

  createHasher(): Hasher {
    return this.core.createHasher();
  }
}

/** SHA-256 over a core: `CheckedHash` plus `hashChain` as a loop over records. */
export class CheckedSha256 extends CheckedHash implements Sha256 {
  /** The same core `CheckedHash` holds, typed as the chain-capable one it was given. */
  declare protected readonly core: ChainCore;
  private readonly chainOutputs: BatchOutputs;

  constructor(info: BackendInfo, core: ChainCore) {
    super(info, core);
    this.chainOutputs = { call: 'hashChain', plural: 'digests', bytes: core.digestBytes };
  }

  hashChain(seed: Uint8Array, records: RecordBatch, options: { out: Uint8Array }): void {
    const { out } = options;
    const bytes = this.digestBytes;
    assert(seed.length === bytes, `the chain seed must be ${bytes} bytes`);
    const count = checkedCount(records, out, this.chainOutputs);
    const { core } = this;
    const { data, offsets } = records;
    let previous = seed;
    for (let i = 0; i < count; i++) {
      // `h[i]` is written straight into `out` and read back from there as the next link.
      const link = out.subarray(i * bytes, (i + 1) * bytes);
      core.chainLinkInto(previous, data.subarray(offsets[i], offsets[i + 1]), link);
      previous = link;
    }
  }
}
