/**
 * An in-memory `PageFile` for tests and benchmarks. `pages` is the file's content, exposed so
 * tests can corrupt bytes or copy the file; `syncs` counts `sync` calls.
 *
 * Invariant: every element of `pages` is exactly one page; pages never written read as zeros.
 */
import { assert } from '../types/index.js';
import { PAGE_BYTES } from './page_codec.js';
import type { PageFile } from './types.js';

export interface MemoryPageFile extends PageFile {
  /** The stored pages, by page number (shared, not copied: writes to them corrupt the file). */
  readonly pages: Uint8Array[];
  /** `sync` calls so far. */
  readonly syncs: number;
}

/**
 * A new empty in-memory page file, or one holding copies of `pages`.
 *
 * @example
 * const file = memoryPageFile();
 * const store = openProjectionStore({ file, key: null, crc32c, sha256, nonces });
 */
export function memoryPageFile(pages: readonly Uint8Array[] = []): MemoryPageFile {
  const stored = pages.map((page) => {
    assert(page.length === PAGE_BYTES, 'memoryPageFile: pages must be 4 KiB');
    return page.slice();
  });
  let syncs = 0;
  return {
    pages: stored,
    get pageCount() {
      return stored.length;
    },
    get syncs() {
      return syncs;
    },
    read(pageNo, out) {
      const page = stored[pageNo];
      assert(
        page !== undefined && out.length === PAGE_BYTES,
        `read of page ${pageNo} out of range`,
      );
      out.set(page);
    },
    write(pageNo, data) {
      assert(data.length % PAGE_BYTES === 0 && data.length > 0, 'write of whole pages only');
      while (stored.length < pageNo) stored.push(new Uint8Array(PAGE_BYTES));
      for (let i = 0; i < data.length / PAGE_BYTES; i++) {
        stored[pageNo + i] = data.slice(i * PAGE_BYTES, (i + 1) * PAGE_BYTES);
      }
    },
    sync() {
      syncs++;
    },
    close() {},
  };
}
