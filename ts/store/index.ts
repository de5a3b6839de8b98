/**
 * Projection store: the MVCC B+tree over sealed 4 KiB pages with its page cache (issue 4).
 * Keys are opaque bytes here (the kernel's key codec builds them).
 */
export { type MemoryPageFile, memoryPageFile } from './memory_page_file.js';
export { openProjectionStore } from './projection_store.js';
export type {
  KeyRange,
  PageFile,
  ProjectionStore,
  StoreMeta,
  StoreOp,
  StoreOptions,
  StoreStats,
  Version,
} from './types.js';
