/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, as iSCSI and ext4 use it): the
 * checksum on every log record and store page. Catches torn writes and bit rot; it is not a
 * defence against tampering (the SHA-256 chain is).
 *
 * Invariant: every backend gives bit-identical results to `ts.ts`, including for chunked
 * updates: `update(update(0, a), b) === compute(a ++ b)`.
 */
import type { Backend, Candidate } from '../backend.js';
import type { RecordBatch } from '../batch.js';

export interface Crc32c extends Backend {
  /** CRC-32C of `data`. The check value of "123456789" is 0xE3069283. */
  compute(data: Uint8Array): number;
  /** Continues a CRC (a previous result, or 0 to start) over more data. */
  update(crc: number, data: Uint8Array): number;
  /** `out[i]` = CRC-32C of record `i`; one call into the backend for the whole batch. */
  computeBatch(records: RecordBatch, out: Uint32Array): void;
}

/** Fastest first: `auto` takes the first that loads. */
export const crc32cCandidates: readonly Candidate<Crc32c>[] = [
  { kind: 'native', name: 'sse4.2', load: async () => (await import('./native.js')).load() },
  { kind: 'wasm', name: 'kimberlite-wasm', load: async () => (await import('./wasm.js')).load() },
  { kind: 'ts', name: 'slicing-by-8', load: async () => (await import('./ts.js')).load() },
];
