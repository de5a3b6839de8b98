/**
 * CRC-32C on the native addon: the SSE4.2 `crc32` instruction, three lanes interleaved for
 * large inputs, one call per record batch. Loads only where the CPU has SSE4.2, so that the
 * name `sse4.2` is true; elsewhere `auto` moves on to WASM or TypeScript (the addon's portable
 * tables are not offered as a backend: they are no faster than those).
 *
 * Argument misuse (bad offsets, a short `out`) throws the addon's RangeError.
 */
import { loadNativeAddon } from '../../platform/index.js';
import { ErrorCode, KimberliteError } from '../../types/index.js';
import type { BackendInfo } from '../backend.js';
import type { RecordBatch } from '../batch.js';
import type { Crc32c } from './index.js';

const info: BackendInfo = { kind: 'native', name: 'sse4.2' };

/** The native CRC-32C backend; rejects when the addon is missing or the CPU lacks SSE4.2. */
export async function load(): Promise<Crc32c> {
  const addon = loadNativeAddon();
  if (!addon.crc32cHardware()) {
    throw new KimberliteError(
      ErrorCode.BackendUnavailable,
      'this CPU has no SSE4.2 crc32 instruction; CRC-32C falls back to WASM or TypeScript',
    );
  }
  const { crc32cUpdate, crc32cBatch } = addon;
  return {
    info,
    compute: (data: Uint8Array): number => crc32cUpdate(0, data),
    update: (crc: number, data: Uint8Array): number => crc32cUpdate(crc, data),
    computeBatch(records: RecordBatch, out: Uint32Array): void {
      crc32cBatch(records.data, records.offsets, out);
    },
  };
}
