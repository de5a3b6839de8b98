/**
 * Page-aligned segment IO: writing and syncing 4 KiB pages of pre-allocated, pre-zeroed
 * segment files. The native backend opens with `O_DIRECT` and writes from 4 KiB-aligned
 * buffers it allocates itself (`Buffer.alloc` memory is not aligned); the TypeScript backend
 * uses `fs.writeSync` + `fdatasyncSync`. Bytes written through either read back identically.
 *
 * Invariants: positions and lengths passed to `writePages` / `readPages` are multiples of
 * `LIMITS.pageSizeBytes`, and writes stay inside `sizeBytes` (segments never grow by writes).
 */
import type { Backend, Candidate } from '../../crypto/index.js';

export interface SegmentIo extends Backend {
  /** A zeroed buffer of `sizeBytes` (a multiple of 4 KiB) aligned to 4 KiB in memory. */
  allocAligned(sizeBytes: number): Uint8Array;
  /**
   * Opens a segment file. With `create`, a missing file is created, pre-allocated and zeroed
   * to `sizeBytes`; an existing file must already be exactly `sizeBytes`.
   */
  open(path: string, options: { sizeBytes: number; create: boolean }): SegmentFile;
}

export interface SegmentFile {
  readonly path: string;
  readonly sizeBytes: number;
  /** Writes whole pages from an `allocAligned` buffer at a page-aligned position. */
  writePages(buffer: Uint8Array, options: { positionBytes: number; sync: boolean }): void;
  /** Reads whole pages into an `allocAligned` buffer; returns the bytes read. */
  readPages(buffer: Uint8Array, options: { positionBytes: number }): number;
  /** Makes every write so far durable (fdatasync). */
  sync(): void;
  close(): void;
}

/** Candidates for logs synced only at checkpoints: no O_DIRECT (see StorageBackends). */
export const bufferedSegmentIoCandidates: readonly Candidate<SegmentIo>[] = [
  {
    kind: 'native',
    name: 'buffered',
    load: async () => (await import('./native.js')).loadBuffered(),
  },
  { kind: 'ts', name: 'fs', load: async () => (await import('./ts.js')).load() },
];

export const segmentIoCandidates: readonly Candidate<SegmentIo>[] = [
  { kind: 'native', name: 'o_direct', load: async () => (await import('./native.js')).load() },
  { kind: 'ts', name: 'fs', load: async () => (await import('./ts.js')).load() },
];
