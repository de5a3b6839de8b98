/**
 * What the HMAC-SHA256 backends share: output sizing with its room checks, and `macBatch` as a
 * loop that sets the key up once and MACs every record under it, as `index.ts` documents. A
 * backend supplies a `MacCore` (the MAC itself) and `CheckedHmacSha256` does the rest. The
 * native backend does not use it: its batch is one addon call, which checks for itself.
 *
 * Invariants: `mac` writes only `options.out[0, 32)` and `macBatch` only `out[0, 32 count)`;
 * the batch loop allocates nothing per record beyond the record's view and whatever the core's
 * primitive itself allocates.
 */
import { CRYPTO } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import type { RecordBatch } from '../batch.js';
import { type BatchOutputs, checkedCount, outputView } from '../hash_core.js';
import type { HmacSha256 } from './index.js';

export const MAC_BYTES = CRYPTO.hmacSha256Bytes;

const MAC_BATCH_OUTPUTS: BatchOutputs = { call: 'macBatch', plural: 'MACs', bytes: MAC_BYTES };

/** One key set up for a whole batch (its pads hashed, or a KeyObject imported, once). */
export interface KeyedMac {
  /** Writes the MAC of `data` into `out[at, at + 32)`; the caller checked the room. */
  macInto(data: Uint8Array, out: Uint8Array, at: number): void;
  /** Wipes what the setup derived from the key, where the backend holds such state. */
  destroy?(): void;
}

/** The MAC itself, as one backend computes it. */
export interface MacCore {
  /** A new array holding the MAC of `data` under `key`. */
  mac(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** Writes the MAC of `data` under `key` into `out`, which is exactly 32 bytes. */
  macInto(key: Uint8Array, data: Uint8Array, out: Uint8Array): void;
  /** Sets `key` up for the records of one batch; used only until that batch is done. */
  keyed(key: Uint8Array): KeyedMac;
}

export class CheckedHmacSha256 implements HmacSha256 {
  readonly info: BackendInfo;
  private readonly core: MacCore;

  constructor(info: BackendInfo, core: MacCore) {
    this.info = info;
    this.core = core;
  }

  mac(key: Uint8Array, data: Uint8Array, options?: { out?: Uint8Array }): Uint8Array {
    const out = options?.out;
    if (out === undefined) return this.core.mac(key, data);
    const view = outputView(out, MAC_BYTES, 'mac');
    this.core.macInto(key, data, view);
    return view;
  }

  macBatch(key: Uint8Array, records: RecordBatch, options: { out: Uint8Array }): void {
    const { out } = options;
    const count = checkedCount(records, out, MAC_BATCH_OUTPUTS);
    const keyed = this.core.keyed(key);
    const { data, offsets } = records;
    for (let i = 0; i < count; i++) {
      keyed.macInto(data.subarray(offsets[i], offsets[i + 1]), out, i * MAC_BYTES);
    }
    keyed.destroy?.();
  }
}
