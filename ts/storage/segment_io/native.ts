/**
 * Segment IO on the native addon (Linux): files opened with `O_DIRECT` and written from
 * 4 KiB-aligned buffers the addon allocates, so writes bypass the page cache and
 * `fdatasync` flushes only the device. A filesystem that refuses `O_DIRECT` (tmpfs before
 * Linux 6.6) gets a buffered descriptor for that file instead; `direct` on the file says which.
 * `loadBuffered()` gives the same backend without `O_DIRECT` (still fallocated segments) for
 * logs that are synced only at checkpoints: their unsynced writes then cost a memory copy.
 *
 * Creation (addon side): the zeroed, pre-allocated file is built as `<path>.creating`,
 * fsynced, linked into place and the directory fsynced, so a crash never leaves a short
 * segment at `path`.
 *
 * Invariants: positions and lengths are multiples of `LIMITS.pageSizeBytes` (asserted, and
 * the buffer address by the addon), writes stay inside `sizeBytes`, and every OS error
 * surfaces as `KimberliteError` code IO_ERROR whose message names the operation, the path and
 * the reason, with the addon's error (`code`, `errno`, `syscall`, `path`) as `cause`. A file of
 * the wrong size has code `ERR_SEGMENT_SIZE` and no `errno`.
 */
import type { BackendInfo } from '../../crypto/index.js';
import { loadNativeAddon, type NativeAddon } from '../../platform/index.js';
import { assert, ErrorCode, KimberliteError } from '../../types/index.js';
import { assertPages, assertRead, assertWrite } from './checks.js';
import type { SegmentFile, SegmentIo } from './index.js';

const directInfo: BackendInfo = { kind: 'native', name: 'o_direct' };
const bufferedInfo: BackendInfo = { kind: 'native', name: 'buffered' };

type SegmentHandle = ReturnType<NativeAddon['segmentOpen']>['handle'];

/**
 * Runs an addon call. A failed file operation (the addon's error carries `syscall` and `path`,
 * like node:fs errors) becomes IO_ERROR; misuse (TypeError, RangeError) propagates as is.
 */
function io<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (error instanceof Error && 'syscall' in error) {
      throw new KimberliteError(ErrorCode.IoError, error.message, { cause: error });
    }
    throw error;
  }
}

/** A native segment file; `direct` is false where the filesystem refused O_DIRECT. */
export class NativeSegmentFile implements SegmentFile {
  readonly path: string;
  readonly sizeBytes: number;
  readonly direct: boolean;
  private readonly addon: NativeAddon;
  private readonly handle: SegmentHandle;
  private closed = false;

  constructor(
    addon: NativeAddon,
    path: string,
    options: { sizeBytes: number; create: boolean; direct: boolean },
  ) {
    const { sizeBytes, create, direct } = options;
    const opened = io(() => addon.segmentOpen(path, sizeBytes, create, direct));
    this.addon = addon;
    this.path = path;
    this.sizeBytes = sizeBytes;
    this.handle = opened.handle;
    this.direct = opened.direct;
  }

  writePages(buffer: Uint8Array, options: { positionBytes: number; sync: boolean }): void {
    const { positionBytes, sync } = options;
    assert(!this.closed, `segment ${this.path} used after close()`);
    assertWrite(this, positionBytes, buffer.length);
    io(() => this.addon.segmentWritePages(this.handle, buffer, positionBytes, sync));
  }

  readPages(buffer: Uint8Array, options: { positionBytes: number }): number {
    const { positionBytes } = options;
    assert(!this.closed, `segment ${this.path} used after close()`);
    assertRead(this, positionBytes, buffer.length);
    return io(() => this.addon.segmentReadPages(this.handle, buffer, positionBytes));
  }

  sync(): void {
    assert(!this.closed, `segment ${this.path} used after close()`);
    io(() => this.addon.segmentSync(this.handle));
  }

  close(): void {
    assert(!this.closed, `segment ${this.path} closed twice`);
    this.closed = true;
    this.addon.segmentClose(this.handle);
  }
}

function backend(addon: NativeAddon, direct: boolean): SegmentIo {
  return {
    info: direct ? directInfo : bufferedInfo,
    allocAligned(sizeBytes: number): Uint8Array {
      assertPages(sizeBytes, 'an aligned buffer');
      // An empty buffer has no address to align; the addon only allocates real pages.
      return sizeBytes === 0 ? new Uint8Array(0) : addon.allocAligned(sizeBytes);
    },
    open(path: string, options: { sizeBytes: number; create: boolean }): SegmentFile {
      assertPages(options.sizeBytes, 'a segment size');
      assert(options.sizeBytes > 0, 'a segment holds at least one page');
      return new NativeSegmentFile(addon, path, { ...options, direct });
    },
  };
}

/** The native segment IO backend; rejects when the addon is not built or does not load. */
export async function load(): Promise<SegmentIo> {
  return backend(loadNativeAddon(), true);
}

/** The native backend without O_DIRECT (see the file comment). */
export async function loadBuffered(): Promise<SegmentIo> {
  return backend(loadNativeAddon(), false);
}
