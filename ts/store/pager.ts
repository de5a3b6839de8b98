/**
 * The pager: page allocation, the free lists, the bounded cache of decoded nodes, and
 * overflow page chains (large values, the state blob, the persisted free list).
 *
 * Copy-on-write discipline: a page is "durable" when the last published meta may reference
 * it, "fresh" when it was allocated since. Only fresh pages are ever written; a durable page
 * that stops being used goes to `pendingFree` and becomes reusable only once the next
 * checkpoint publishes a meta that no longer references it. So a crash at any point leaves
 * the last meta's pages intact. Pages the newest meta stops using are then `held` for one
 * more checkpoint: the previous meta page is still on disk until the next checkpoint
 * overwrites it, and open falls back to it when the newest meta page is damaged, so its pages
 * must stay intact as long as it does.
 *
 * Cache: decoded nodes by page number, evicted by CLOCK (second chance) down to
 * `cachePagesMax`. A dirty node is written to its own fresh page before it is dropped (safe
 * without a sync: no durable meta references that page). Eviction is suspended while a write
 * is in progress (`pinned`), because the write holds node objects it is about to change.
 *
 * Overflow page body: kind=3 u8, next page u32 (0: last), length u16, data.
 * Free-list page body: kind=4 u8, next page u32 (0: last), count u16, page numbers u32 x count.
 */
import { assert } from '../types/index.js';
import {
  decodeNode,
  encodeNode,
  KIND_FREE_LIST,
  KIND_OVERFLOW,
  type LeafNode,
  type TreeNode,
} from './node.js';
import { BODY_BYTES, corruption, PAGE_BYTES, type PageCodec } from './page_codec.js';
import type { PageFile } from './types.js';

const CHAIN_HEADER_BYTES = 7;
export const OVERFLOW_DATA_BYTES = BODY_BYTES - CHAIN_HEADER_BYTES;
const FREE_LIST_ENTRIES_MAX = Math.floor(OVERFLOW_DATA_BYTES / 4);

export class Pager {
  readonly file: PageFile;
  private readonly codec: PageCodec;
  readonly cachePagesMax: number;
  /** Decoded nodes by page. Invariant: size <= cachePagesMax unless `pinned`. */
  readonly cache = new Map<number, TreeNode>();
  /** Checkpoints published by this instance, plus one; a node with this epoch is fresh. */
  epoch = 1;
  /** Pages allocated since the last checkpoint. Invariant: disjoint from durable pages. */
  readonly freshPages = new Set<number>();
  /** Reusable now: free in the durable meta, or fresh and let go. */
  free: number[] = [];
  /** Durable pages no longer used; reusable after the next checkpoint publishes. */
  pendingFree: number[] = [];
  /** Pages only the previous meta uses; reusable after the next checkpoint publishes. */
  held: number[] = [];
  /** Pages the store uses or has freed; pages >= this are unallocated. Invariant: >= 2. */
  nextPage = 2;
  /** True while a write is in progress: no eviction. */
  pinned = false;
  /** Scratch stored page and body; Invariant: contents meaningless between calls. */
  private readonly page = new Uint8Array(PAGE_BYTES);
  private readonly body = new Uint8Array(BODY_BYTES);

  constructor(file: PageFile, codec: PageCodec, cachePagesMax: number) {
    assert(Number.isInteger(cachePagesMax) && cachePagesMax >= 1, 'cachePagesMax must be >= 1');
    this.file = file;
    this.codec = codec;
    this.cachePagesMax = cachePagesMax;
  }

  /** A fresh page number (from the free list, else past the end). */
  allocate(): number {
    const pageNo = this.free.pop() ?? this.nextPage++;
    this.freshPages.add(pageNo);
    return pageNo;
  }

  /** Lets go of `pageNo`: reusable at once if fresh, after the next checkpoint if durable. */
  release(pageNo: number): void {
    assert(pageNo >= 2 && pageNo < this.nextPage, `release of page ${pageNo} out of range`);
    this.cache.delete(pageNo);
    if (this.freshPages.delete(pageNo)) this.free.push(pageNo);
    else this.pendingFree.push(pageNo);
  }

  isFresh(node: TreeNode): boolean {
    return node.epoch === this.epoch;
  }

  /** The node at `pageNo`, from the cache or decoded from the file. */
  load(pageNo: number): TreeNode {
    const cached = this.cache.get(pageNo);
    if (cached !== undefined) {
      cached.referenced = true;
      return cached;
    }
    const body = new Uint8Array(BODY_BYTES);
    this.readBody(pageNo, body);
    const epoch = this.freshPages.has(pageNo) ? this.epoch : 0;
    const node = decodeNode(pageNo, body, epoch);
    this.cache.set(pageNo, node);
    if (!this.pinned && this.cache.size > this.cachePagesMax) this.shrink();
    return node;
  }

  /** Puts a new (fresh, dirty) node into the cache. */
  adopt(node: TreeNode): void {
    this.cache.set(node.pageNo, node);
  }

  /** Moves a cached node to another page number (copy-on-write). */
  rehome(node: TreeNode, pageNo: number): void {
    this.cache.delete(node.pageNo);
    node.pageNo = pageNo;
    node.epoch = this.epoch;
    this.cache.set(pageNo, node);
  }

  /** Evicts (CLOCK) until the cache holds at most `cachePagesMax` nodes. */
  shrink(): void {
    if (this.cache.size <= this.cachePagesMax) return;
    for (const [pageNo, node] of this.cache) {
      if (node.referenced) {
        node.referenced = false;
        this.cache.delete(pageNo);
        this.cache.set(pageNo, node);
        continue;
      }
      if (node.dirty) this.writeNode(node);
      this.cache.delete(pageNo);
      if (this.cache.size <= this.cachePagesMax) return;
    }
  }

  writeNode(node: TreeNode): void {
    assert(node.epoch === this.epoch, `write of a durable page ${node.pageNo}`);
    encodeNode(node, this.body);
    this.writeBody(node.pageNo, this.body);
    node.dirty = false;
  }

  /** Writes every dirty cached node to its page. */
  flush(): void {
    for (const node of this.cache.values()) if (node.dirty) this.writeNode(node);
  }

  dirtyCount(): number {
    let count = 0;
    for (const node of this.cache.values()) if (node.dirty) count++;
    return count;
  }

  readBody(pageNo: number, body: Uint8Array): void {
    if (pageNo >= this.file.pageCount) {
      throw corruption(pageNo, `beyond the end of the file (${this.file.pageCount} pages)`);
    }
    this.file.read(pageNo, this.page);
    this.codec.open(pageNo, this.page, body);
  }

  writeBody(pageNo: number, body: Uint8Array): void {
    assert(pageNo < 2 || this.freshPages.has(pageNo), `write of durable page ${pageNo}`);
    this.codec.seal(pageNo, body, this.page);
    this.file.write(pageNo, this.page);
  }

  /** Writes `data` to a chain of fresh pages; returns its pages (first first; none if empty). */
  writeChain(data: Uint8Array): number[] {
    if (data.length === 0) return [];
    const count = Math.ceil(data.length / OVERFLOW_DATA_BYTES);
    const pages: number[] = [];
    for (let i = 0; i < count; i++) pages.push(this.allocate());
    const body = this.body;
    const view = new DataView(body.buffer);
    for (let i = 0; i < count; i++) {
      const start = i * OVERFLOW_DATA_BYTES;
      const piece = data.subarray(start, start + OVERFLOW_DATA_BYTES);
      body[0] = KIND_OVERFLOW;
      view.setUint32(1, pages[i + 1] ?? 0);
      view.setUint16(5, piece.length);
      body.set(piece, CHAIN_HEADER_BYTES);
      body.fill(0, CHAIN_HEADER_BYTES + piece.length);
      this.writeBody(pages[i] as number, body);
    }
    return pages;
  }

  /** Reads a chain of `length` bytes from `first`; `pages` collects its page numbers. */
  readChain(first: number, length: number, pages?: number[]): Uint8Array {
    const out = new Uint8Array(length);
    const body = this.body;
    const view = new DataView(body.buffer);
    let at = 0;
    let pageNo = first;
    while (at < length) {
      if (pageNo < 2) throw corruption(first, `overflow chain ends after ${at} of ${length} bytes`);
      this.readBody(pageNo, body);
      const pieceBytes = view.getUint16(5);
      if (body[0] !== KIND_OVERFLOW || pieceBytes === 0 || at + pieceBytes > length) {
        throw corruption(pageNo, 'not the expected overflow page');
      }
      out.set(body.subarray(CHAIN_HEADER_BYTES, CHAIN_HEADER_BYTES + pieceBytes), at);
      at += pieceBytes;
      pages?.push(pageNo);
      pageNo = view.getUint32(1);
    }
    return out;
  }

  /** The page numbers of the chain of `length` bytes from `first`. */
  chainPages(first: number, length: number): number[] {
    const pages: number[] = [];
    this.readChain(first, length, pages);
    return pages;
  }

  /**
   * Writes `free` as a free list into the fresh pages `listPages`: enough of them, and at most
   * one more (taking list pages from the free list can shrink it below what they hold).
   */
  writeFreeList(free: readonly number[], listPages: readonly number[]): void {
    const needed = freeListPagesFor(free.length);
    assert(listPages.length - needed <= 1 && listPages.length >= needed, 'free list page count');
    const body = this.body;
    const view = new DataView(body.buffer);
    for (let i = 0; i < listPages.length; i++) {
      const piece = free.slice(i * FREE_LIST_ENTRIES_MAX, (i + 1) * FREE_LIST_ENTRIES_MAX);
      body.fill(0);
      body[0] = KIND_FREE_LIST;
      view.setUint32(1, listPages[i + 1] ?? 0);
      view.setUint16(5, piece.length);
      for (let j = 0; j < piece.length; j++) {
        view.setUint32(CHAIN_HEADER_BYTES + 4 * j, piece[j] as number);
      }
      this.writeBody(listPages[i] as number, body);
    }
  }

  /** Reads the free list from `first`: its entries and its own pages. */
  readFreeList(first: number, count: number): { free: number[]; listPages: number[] } {
    const free: number[] = [];
    const listPages: number[] = [];
    const body = this.body;
    const view = new DataView(body.buffer);
    for (let pageNo = first; pageNo !== 0; pageNo = view.getUint32(1)) {
      if (listPages.length > count + 1) {
        throw corruption(pageNo, 'free list longer than its count');
      }
      this.readBody(pageNo, body);
      const entries = view.getUint16(5);
      if (body[0] !== KIND_FREE_LIST || entries > FREE_LIST_ENTRIES_MAX) {
        throw corruption(pageNo, 'not a free-list page');
      }
      for (let j = 0; j < entries; j++) free.push(view.getUint32(CHAIN_HEADER_BYTES + 4 * j));
      listPages.push(pageNo);
    }
    if (free.length !== count) {
      throw corruption(first, `free list holds ${free.length} pages, meta says ${count}`);
    }
    return { free, listPages };
  }

  /** A new empty leaf on a fresh page, in the cache. */
  newLeaf(): LeafNode {
    const node: LeafNode = {
      kind: 'leaf',
      pageNo: this.allocate(),
      entries: [],
      bytes: 3,
      dirty: true,
      referenced: true,
      epoch: this.epoch,
    };
    this.adopt(node);
    return node;
  }
}

export function freeListPagesFor(count: number): number {
  return Math.ceil(count / FREE_LIST_ENTRIES_MAX);
}
