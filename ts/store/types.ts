/**
 * The projection store's shapes, fixed here so the store, the kernel, the runtime and their
 * tests can be written against them.
 *
 * A projection store is one tenant's derived state: an ordered, versioned key-value map in
 * numbered key spaces (one space per table, per secondary index and per event stream; the
 * kernel allocates the numbers), kept in a copy-on-write B+tree over 4 KiB pages of one file.
 *
 * MVCC: every write happens at a log position. A version of a key is created at the position
 * of the write that put it and ended at the position of the next write of that key (a put or a
 * delete); reading `at` position `p` sees, for each key, the version created at or before `p`
 * and not ended at or before `p`. Writes at the same position as the key's newest version
 * replace that version (several commands of one batch touching one key).
 *
 * IO and randomness enter through `PageFile` and `nonces` (the store is a pure layer): the
 * runtime passes a file-backed `PageFile`, tests an in-memory one.
 */
import type { AesGcmKey, Crc32c, HashFunction } from '../crypto/index.js';

/** The file a store lives in, as numbered 4 KiB pages. */
export interface PageFile {
  /** Pages the file holds now. */
  readonly pageCount: number;
  /** Reads page `pageNo` (< pageCount) into `out` (exactly one page). */
  read(pageNo: number, out: Uint8Array): void;
  /** Writes `data` (a whole number of pages) from page `pageNo`, growing the file as needed. */
  write(pageNo: number, data: Uint8Array): void;
  /** Makes every write so far durable. */
  sync(): void;
  close(): void;
}

export interface StoreOptions {
  readonly file: PageFile;
  /**
   * The tenant's data key: every page is sealed with AES-256-GCM under it. `null` stores pages
   * in the clear (tests and benchmarks of the tree itself only; the runtime always passes one).
   */
  readonly key: AesGcmKey | null;
  readonly crc32c: Crc32c;
  readonly sha256: HashFunction;
  /** Fills `out` with fresh random bytes (nonces for page encryption). */
  readonly nonces: (out: Uint8Array) => void;
  /** Decoded pages kept in memory at most. Default `LIMITS.storeCachePagesDefault`. */
  readonly cachePagesMax?: number;
}

/** What the last checkpoint recorded; all zero / empty for a new store. */
export interface StoreMeta {
  /** The log position of the last batch whose writes the store holds (0n: none). */
  readonly appliedPosition: bigint;
  /** The tenant partition offset of the last record applied (-1n: none). */
  readonly appliedOffset: bigint;
  /** The kernel's tenant state as of `appliedPosition` (opaque to the store). */
  readonly state: Uint8Array;
}

/**
 * One write. The store takes ownership of `key` and `value`: the caller must not change them
 * afterwards (the kernel's effects hand over fresh arrays), so the store keeps them uncopied.
 */
export type StoreOp =
  | {
      readonly kind: 'put';
      readonly space: number;
      readonly key: Uint8Array;
      readonly value: Uint8Array;
    }
  | { readonly kind: 'delete'; readonly space: number; readonly key: Uint8Array };

/** A key range within one space; bounds are encoded keys, both optional. */
export interface KeyRange {
  readonly lower?: Uint8Array;
  /** Default true. */
  readonly lowerInclusive?: boolean;
  readonly upper?: Uint8Array;
  /** Default true. */
  readonly upperInclusive?: boolean;
  /** Visit keys in descending order. */
  readonly reverse?: boolean;
}

export interface Version {
  readonly key: Uint8Array;
  /** `undefined` for a delete (tombstone) version. */
  readonly value: Uint8Array | undefined;
  readonly createdAt: bigint;
  /** The position of the next write of the key, `undefined` while it is the newest. */
  readonly endedAt: bigint | undefined;
}

export interface StoreStats {
  /** Pages in the file. */
  readonly pages: number;
  /** Pages on the free list (reusable). */
  readonly freePages: number;
  readonly cachedPages: number;
  /** Pages changed since the last checkpoint. */
  readonly dirtyPages: number;
  /** Depth of the B+tree (1: the root is a leaf). */
  readonly height: number;
}

/**
 * One tenant's projection store.
 *
 * Invariants (checked by `invariants()`): keys in every node ascend; every leaf is at the same
 * depth; every page is reachable from the root or on the free list, never both; cached pages
 * never exceed `cachePagesMax` plus the pages a single operation pins; `appliedPosition` never
 * decreases.
 */
export interface ProjectionStore {
  /** The meta the store was opened with, then as updated by `checkpoint`. */
  readonly meta: StoreMeta;
  /** The position of the newest write applied (>= meta.appliedPosition). */
  readonly appliedPosition: bigint;
  /**
   * Applies writes at `position` (>= appliedPosition). All of them or, on a thrown error, none
   * is visible (the runtime then fails the database: it is a programmer or IO error).
   */
  write(position: bigint, ops: readonly StoreOp[]): void;
  /** The value of `key` as of `at` (default: the newest), `undefined` if absent or deleted. */
  get(space: number, key: Uint8Array, at?: bigint): Uint8Array | undefined;
  /** Every version of `key`, newest first (tombstones included). */
  versions(space: number, key: Uint8Array): Version[];
  /** Live keys of `space` within `range` as of `at` (default: newest), in key order. */
  scan(
    space: number,
    range: KeyRange,
    at?: bigint,
  ): IterableIterator<{ readonly key: Uint8Array; readonly value: Uint8Array }>;
  /**
   * Writes every changed page to free pages, syncs, then publishes a new root with `meta`
   * (synced). After a crash the store opens at the last completed checkpoint.
   */
  checkpoint(meta: Omit<StoreMeta, 'appliedPosition'>): void;
  /**
   * SHA-256 over every version in the store (space, key, creation position, value or
   * tombstone) in key order: equal for two stores with the same logical content, whatever
   * their page layout or encryption nonces.
   */
  contentHash(): Uint8Array;
  stats(): StoreStats;
  /** Asserts the invariants above (walks the whole tree: tests and the simulator only). */
  invariants(): void;
  /** Closes the file without a checkpoint (what was not checkpointed is replayed at open). */
  close(): void;
}
