/**
 * The projection store's file on disk: a `PageFile` over `fs` positional reads and writes.
 * The store is a pure layer and only ever sees this interface (SQLite's OS seam), so tests
 * hand it an in-memory file and fault injection can sit here.
 *
 * Invariant: the file's size is a whole number of pages; `pageCount` is that number.
 */
import { closeSync, fdatasyncSync, fstatSync, openSync, readSync } from 'node:fs';
import { ioError, writeAll } from '../storage/index.js';
import type { PageFile } from '../store/index.js';
import { assert, ErrorCode, KimberliteError, LIMITS } from '../types/index.js';

const PAGE_BYTES = LIMITS.pageSizeBytes;

/** Opens (creating when missing) the page file at `path`. */
export function openPageFile(path: string): PageFile {
  let fd: number;
  try {
    fd = openSync(path, 'a+');
    closeSync(fd);
    fd = openSync(path, 'r+');
  } catch (error) {
    throw ioError('open page file', path, error);
  }
  const sizeBytes = fstatSync(fd).size;
  if (sizeBytes % PAGE_BYTES !== 0) {
    closeSync(fd);
    throw new KimberliteError(
      ErrorCode.Corruption,
      `page file ${path} is ${sizeBytes} bytes, not a whole number of ${PAGE_BYTES}-byte pages`,
    );
  }
  let pageCount = sizeBytes / PAGE_BYTES;
  let open = true;
  return {
    get pageCount() {
      return pageCount;
    },
    read(pageNo, out) {
      assert(open && pageNo >= 0 && pageNo < pageCount && out.length === PAGE_BYTES, 'read');
      let done = 0;
      try {
        while (done < PAGE_BYTES) {
          const n = readSync(fd, out, done, PAGE_BYTES - done, pageNo * PAGE_BYTES + done);
          if (n === 0) break;
          done += n;
        }
      } catch (error) {
        throw ioError(`read page ${pageNo} of`, path, error);
      }
      if (done !== PAGE_BYTES) {
        throw new KimberliteError(ErrorCode.Corruption, `page ${pageNo} of ${path} is short`);
      }
    },
    write(pageNo, data) {
      assert(open && pageNo >= 0 && data.length % PAGE_BYTES === 0, 'write');
      try {
        writeAll(fd, data, pageNo * PAGE_BYTES);
      } catch (error) {
        throw ioError(`write page ${pageNo} of`, path, error);
      }
      pageCount = Math.max(pageCount, pageNo + data.length / PAGE_BYTES);
    },
    sync() {
      try {
        fdatasyncSync(fd);
      } catch (error) {
        throw ioError('sync', path, error);
      }
    },
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}
