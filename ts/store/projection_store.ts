/**
 * The projection store: an MVCC key-value map in a copy-on-write B+tree (see types.ts for the
 * contract, node.ts for the entry order, pager.ts for the copy-on-write and cache rules).
 *
 * A write descends to the leaf, gives every node on the path that still sits on a durable page
 * a fresh page (updating its parent's pointer), then changes the nodes in memory; pages are
 * encoded and sealed only when evicted or at a checkpoint. A checkpoint writes the dirty nodes,
 * the state blob and the free list, syncs, writes the other meta page and syncs again.
 *
 * Invariants: see `invariants()`; `appliedPosition` never decreases; the last published meta's
 * pages are never written.
 */
import type { HashFunction } from '../crypto/index.js';
import { assert, ErrorCode, KimberliteError, LIMITS } from '../types/index.js';
import { Cursor } from './cursor.js';
import { decodeMeta, encodeMeta, type MetaRecord } from './meta_page.js';
import {
  type BranchNode,
  compareBytes,
  compareEntry,
  type EntryKey,
  entryBytes,
  entryKey,
  INLINE_VALUE_BYTES_MAX,
  type LeafEntry,
  type LeafNode,
  leafBytes,
  leafEntry,
  NODE_BYTES_MAX,
  POSITION_ABOVE_ALL,
  POSITION_BELOW_ALL,
  separatorBytes,
  type TreeNode,
  VALUE_INLINE,
  VALUE_OVERFLOW,
  VALUE_TOMBSTONE,
} from './node.js';
import { BODY_BYTES, PAGE_BYTES, PageCodec } from './page_codec.js';
import { freeListPagesFor, Pager } from './pager.js';
import type {
  KeyRange,
  ProjectionStore,
  StoreMeta,
  StoreOp,
  StoreOptions,
  StoreStats,
  Version,
} from './types.js';

const EMPTY = new Uint8Array(0);
const SPACE_MAX = 0xffff_ffff;
const POSITION_MAX = (1n << 64n) - 1n;

/**
 * Opens the store in `options.file`: a new empty store when the file is empty, else the state
 * of its last completed checkpoint. Throws CORRUPTION when neither meta page is valid (or
 * opening with the wrong key).
 *
 * @example
 * const store = openProjectionStore({ file: memoryPageFile(), key: null, crc32c, sha256,
 *   nonces: (out) => randomFillSync(out) });
 * store.write(1n, [{ kind: 'put', space: 1, key, value }]);
 * store.checkpoint({ appliedOffset: 0n, state: new Uint8Array() });
 */
export function openProjectionStore(options: StoreOptions): ProjectionStore {
  const codec = new PageCodec(options);
  const cachePagesMax = options.cachePagesMax ?? LIMITS.storeCachePagesDefault;
  const pager = new Pager(options.file, codec, cachePagesMax);
  return new Store(pager, codec, options.sha256);
}

class Store implements ProjectionStore {
  readonly pager: Pager;
  private readonly codec: PageCodec;
  private readonly sha256: HashFunction;
  /** Root page of the current tree (0: empty). */
  rootPage = 0;
  /** Levels of the tree. Invariant: 0 exactly when rootPage is 0. */
  height = 0;
  meta: StoreMeta = { appliedPosition: 0n, appliedOffset: -1n, state: EMPTY };
  /** Invariant: >= meta.appliedPosition, never decreases. */
  appliedPosition = 0n;
  /** Generation of the last published meta (0: none yet). */
  private generation = 0;
  /** Pages of the durable free list and of the durable state blob. */
  private listPages: number[] = [];
  private statePages: number[] = [];
  /** Bumped by every write, so lazy scans know to re-seek. */
  private mutations = 0;
  private closed = false;
  /** The write path's and `get`'s cursor (reused: no allocation per operation). */
  private readonly cursor: Cursor;

  constructor(pager: Pager, codec: PageCodec, sha256: HashFunction) {
    this.pager = pager;
    this.codec = codec;
    this.sha256 = sha256;
    this.cursor = new Cursor(this);
    const meta = this.readBestMeta();
    if (meta !== null) this.adoptMeta(meta);
  }

  write(position: bigint, ops: readonly StoreOp[]): void {
    this.assertOpen();
    assert(position >= this.appliedPosition, 'write positions never decrease');
    assert(position >= 0n && position <= POSITION_MAX, 'position is a u64');
    for (const op of ops) validateOp(op);
    this.mutations++;
    for (const op of ops) {
      const entry = this.entryFor(position, op);
      this.pager.pinned = true;
      try {
        this.insert(entry);
      } finally {
        this.pager.pinned = false;
      }
      this.pager.shrink();
    }
    this.appliedPosition = position;
  }

  get(space: number, key: Uint8Array, at?: bigint): Uint8Array | undefined {
    this.assertOpen();
    const cursor = this.cursor;
    if (!cursor.seek(space, key, at ?? POSITION_ABOVE_ALL)) return undefined;
    const entry = cursor.entry();
    if (entry.space !== space || compareBytes(entry.key, key) !== 0) return undefined;
    return this.valueOf(entry);
  }

  versions(space: number, key: Uint8Array): Version[] {
    this.assertOpen();
    const cursor = new Cursor(this);
    const versions: Version[] = [];
    let endedAt: bigint | undefined;
    for (let ok = cursor.seek(space, key, POSITION_ABOVE_ALL); ok; ok = cursor.next()) {
      const entry = cursor.entry();
      if (entry.space !== space || compareBytes(entry.key, key) !== 0) break;
      const value = this.valueOf(entry);
      versions.push({ key: entry.key.slice(), value, createdAt: entry.position, endedAt });
      endedAt = entry.position;
    }
    return versions;
  }

  scan(
    space: number,
    range: KeyRange,
    at?: bigint,
  ): IterableIterator<{ readonly key: Uint8Array; readonly value: Uint8Array }> {
    this.assertOpen();
    const asOf = at ?? POSITION_MAX;
    return range.reverse === true
      ? this.scanBackward(space, range, asOf)
      : this.scanForward(space, range, asOf);
  }

  private *scanForward(
    space: number,
    range: KeyRange,
    at: bigint,
  ): Generator<{ readonly key: Uint8Array; readonly value: Uint8Array }> {
    const { lower, upper } = range;
    const upperInclusive = range.upperInclusive ?? true;
    const cursor = new Cursor(this);
    let ok =
      lower === undefined
        ? cursor.seek(space, EMPTY, POSITION_ABOVE_ALL)
        : cursor.seek(
            space,
            lower,
            range.lowerInclusive === false ? POSITION_BELOW_ALL : POSITION_ABOVE_ALL,
          );
    let seen = this.mutations;
    let doneKey: Uint8Array | null = null;
    while (ok) {
      const entry = cursor.entry();
      if (entry.space !== space) return;
      if (upper !== undefined) {
        const order = compareBytes(entry.key, upper);
        if (order > 0 || (order === 0 && !upperInclusive)) return;
      }
      if (entry.position > at || (doneKey !== null && compareBytes(entry.key, doneKey) === 0)) {
        ok = cursor.next();
        continue;
      }
      doneKey = entry.key;
      if (entry.valueKind !== VALUE_TOMBSTONE) {
        yield { key: entry.key.slice(), value: this.readValue(entry) };
        this.assertOpen();
        if (this.mutations !== seen) {
          seen = this.mutations;
          ok = cursor.seek(space, doneKey, POSITION_BELOW_ALL);
          continue;
        }
      }
      ok = cursor.next();
    }
  }

  private *scanBackward(
    space: number,
    range: KeyRange,
    at: bigint,
  ): Generator<{ readonly key: Uint8Array; readonly value: Uint8Array }> {
    const { lower, upper } = range;
    const lowerInclusive = range.lowerInclusive ?? true;
    const cursor = new Cursor(this);
    // Start at the last entry before the first one past the range's upper end.
    const past =
      upper === undefined
        ? space === SPACE_MAX
          ? false
          : cursor.seek(space + 1, EMPTY, POSITION_ABOVE_ALL)
        : cursor.seek(
            space,
            upper,
            range.upperInclusive === false ? POSITION_ABOVE_ALL : POSITION_BELOW_ALL,
          );
    let ok = past ? cursor.prev() : cursor.last();
    let seen = this.mutations;
    // The versions of one key come oldest first here: the visible one is the last <= at.
    let groupKey: Uint8Array | null = null;
    let visible: LeafEntry | null = null;
    while (ok) {
      const entry = cursor.entry();
      const outside = entry.space !== space || belowLower(entry.key, lower, lowerInclusive);
      if (outside || groupKey === null || compareBytes(entry.key, groupKey) !== 0) {
        if (visible !== null) {
          const emitted = visible.key;
          yield { key: emitted.slice(), value: this.readValue(visible) };
          this.assertOpen();
          visible = null;
          if (this.mutations !== seen) {
            seen = this.mutations;
            groupKey = null;
            ok = cursor.seek(space, emitted, POSITION_ABOVE_ALL) ? cursor.prev() : cursor.last();
            continue;
          }
        }
        if (outside) return;
        groupKey = entry.key;
      }
      if (entry.position <= at) visible = entry.valueKind === VALUE_TOMBSTONE ? null : entry;
      ok = cursor.prev();
    }
    if (visible !== null) yield { key: visible.key.slice(), value: this.readValue(visible) };
  }

  checkpoint(meta: Omit<StoreMeta, 'appliedPosition'>): void {
    this.assertOpen();
    assert(meta.state.length <= 0x7fff_ffff, 'state blob too large');
    const pager = this.pager;
    pager.flush();
    let statePages = this.statePages;
    const stateChanged = compareBytes(meta.state, this.meta.state) !== 0;
    if (stateChanged) {
      for (const pageNo of statePages) pager.release(pageNo);
      statePages = pager.writeChain(meta.state);
    }
    for (const pageNo of this.listPages) pager.release(pageNo);
    // List pages come from `free` only: `held` and `pendingFree` pages are still referenced.
    const listPages: number[] = [];
    const listed = (): number => pager.free.length + pager.held.length + pager.pendingFree.length;
    while (listPages.length < freeListPagesFor(listed())) listPages.push(pager.allocate());
    const free = [...pager.free, ...pager.held].sort((a, b) => b - a);
    const held = pager.pendingFree.slice();
    pager.writeFreeList([...free, ...held], listPages);
    pager.file.sync();
    const record: MetaRecord = {
      generation: this.generation + 1,
      rootPage: this.rootPage,
      height: this.height,
      pageCount: pager.nextPage,
      freeListPage: listPages[0] ?? 0,
      freeCount: free.length,
      heldCount: held.length,
      appliedPosition: this.appliedPosition,
      appliedOffset: meta.appliedOffset,
      stateLength: meta.state.length,
      statePage: statePages[0] ?? 0,
    };
    const body = new Uint8Array(BODY_BYTES);
    encodeMeta(record, body);
    pager.writeBody(record.generation % 2, body);
    pager.file.sync();
    // Published: pages only the overwritten meta used are free, those only the previous uses held.
    this.generation = record.generation;
    pager.free = free;
    pager.held = held;
    pager.pendingFree = [];
    pager.freshPages.clear();
    pager.epoch++;
    this.listPages = listPages;
    this.statePages = statePages;
    this.meta = {
      appliedPosition: this.appliedPosition,
      appliedOffset: meta.appliedOffset,
      state: stateChanged ? meta.state.slice() : this.meta.state,
    };
  }

  contentHash(): Uint8Array {
    this.assertOpen();
    const hasher = this.sha256.createHasher();
    const header = new Uint8Array(4 + 4);
    const headerView = new DataView(header.buffer);
    const middle = new Uint8Array(8 + 1 + 4);
    const middleView = new DataView(middle.buffer);
    const cursor = new Cursor(this);
    for (let ok = cursor.first(); ok; ok = cursor.next()) {
      const entry = cursor.entry();
      headerView.setUint32(0, entry.space);
      headerView.setUint32(4, entry.key.length);
      hasher.update(header);
      hasher.update(entry.key);
      middleView.setBigUint64(0, entry.position);
      middle[8] = entry.valueKind === VALUE_TOMBSTONE ? 0 : 1;
      middleView.setUint32(9, entry.valueLength);
      hasher.update(middle);
      if (entry.valueKind !== VALUE_TOMBSTONE) hasher.update(this.readValue(entry));
    }
    return hasher.digest();
  }

  stats(): StoreStats {
    return {
      pages: this.pager.nextPage,
      freePages: this.pager.free.length,
      cachedPages: this.pager.cache.size,
      dirtyPages: this.pager.freshPages.size,
      height: this.height,
    };
  }

  invariants(): void {
    this.assertOpen();
    const pager = this.pager;
    assert(this.appliedPosition >= this.meta.appliedPosition, 'appliedPosition decreased');
    assert(pager.cache.size <= pager.cachePagesMax, 'cache exceeds cachePagesMax');
    assert((this.rootPage === 0) === (this.height === 0), 'root and height disagree');
    const owners = new Map<number, string>();
    const own = (pageNo: number, owner: string): void => {
      assert(pageNo >= 2 && pageNo < pager.nextPage, `${owner} page ${pageNo} out of range`);
      const previous = owners.get(pageNo);
      assert(previous === undefined, `page ${pageNo} is both ${previous} and ${owner}`);
      owners.set(pageNo, owner);
    };
    if (this.rootPage !== 0) this.checkSubtree(this.rootPage, 0, null, null, own);
    for (const pageNo of pager.free) own(pageNo, 'free');
    for (const pageNo of pager.pendingFree) own(pageNo, 'pending free');
    for (const pageNo of pager.held) own(pageNo, 'held');
    for (const pageNo of this.listPages) own(pageNo, 'free list');
    for (const pageNo of this.statePages) own(pageNo, 'state');
    for (let pageNo = 2; pageNo < pager.nextPage; pageNo++) {
      assert(owners.has(pageNo), `page ${pageNo} is neither reachable nor free (leaked)`);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pager.file.close();
  }

  /** Walks the subtree at `pageNo`, checking order, bounds [low, high), depth and sizes. */
  private checkSubtree(
    pageNo: number,
    depth: number,
    low: EntryKey | null,
    high: EntryKey | null,
    own: (pageNo: number, owner: string) => void,
  ): void {
    own(pageNo, 'tree');
    const node = this.pager.load(pageNo);
    assert(node.pageNo === pageNo, `node at page ${pageNo} thinks it is at ${node.pageNo}`);
    assert(node.bytes <= NODE_BYTES_MAX, `node ${pageNo} overfull`);
    const keys: readonly EntryKey[] = node.kind === 'leaf' ? node.entries : node.separators;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as EntryKey;
      const previous = i === 0 ? low : (keys[i - 1] as EntryKey);
      if (previous !== null) {
        assert(
          compareEntry(k, previous) >= (i === 0 ? 0 : 1),
          `keys of page ${pageNo} out of order at ${i}`,
        );
      }
      if (high !== null) {
        assert(compareEntry(k, high) < 0, `page ${pageNo} above bound`);
      }
    }
    if (node.kind === 'leaf') {
      assert(depth === this.height - 1, `leaf ${pageNo} at depth ${depth}`);
      assert(node.entries.length > 0, `leaf ${pageNo} empty`);
      assert(node.bytes === leafBytes(node.entries), `leaf ${pageNo} size drifted`);
      for (const entry of node.entries) {
        if (entry.valueKind !== VALUE_OVERFLOW) continue;
        for (const p of this.pager.chainPages(entry.overflowPage, entry.valueLength)) {
          own(p, 'overflow');
        }
      }
      return;
    }
    assert(depth < this.height - 1, `branch ${pageNo} at leaf depth`);
    assert(node.children.length === node.separators.length + 1, `branch ${pageNo} shape`);
    const { children, separators } = node;
    for (let i = 0; i < children.length; i++) {
      const childLow = i === 0 ? low : (separators[i - 1] as EntryKey);
      const childHigh = i === children.length - 1 ? high : (separators[i] as EntryKey);
      this.checkSubtree(children[i] as number, depth + 1, childLow, childHigh, own);
    }
  }

  /** Inserts `entry`, or replaces the version with the same (space, key, position). */
  private insert(entry: LeafEntry): void {
    const pager = this.pager;
    if (this.rootPage === 0) {
      this.rootPage = pager.newLeaf().pageNo;
      this.height = 1;
    }
    const cursor = this.cursor;
    cursor.descend(entry.space, entry.key, entry.position);
    this.touchPath();
    const leafDepth = this.height - 1;
    const leaf = cursor.nodes[leafDepth] as LeafNode;
    const index = cursor.indexes[leafDepth] as number;
    const existing = leaf.entries[index];
    if (existing !== undefined && compareEntry(entry, existing) === 0) {
      if (existing.valueKind === VALUE_OVERFLOW) {
        for (const p of pager.chainPages(existing.overflowPage, existing.valueLength)) {
          pager.release(p);
        }
      }
      leaf.entries[index] = entry;
      leaf.bytes += entryBytes(entry) - entryBytes(existing);
    } else {
      leaf.entries.splice(index, 0, entry);
      leaf.bytes += entryBytes(entry);
    }
    if (leaf.bytes > NODE_BYTES_MAX) this.splitLeaf(leafDepth, index);
  }

  /** Gives every node on the cursor's path that sits on a durable page a fresh page. */
  private touchPath(): void {
    const { nodes, indexes } = this.cursor;
    const pager = this.pager;
    for (let depth = 0; depth < this.height; depth++) {
      const node = nodes[depth] as TreeNode;
      if (pager.isFresh(node)) continue;
      const durable = node.pageNo;
      pager.rehome(node, pager.allocate());
      pager.release(durable);
      node.dirty = true;
      if (depth === 0) {
        this.rootPage = node.pageNo;
      } else {
        const parent = nodes[depth - 1] as BranchNode;
        parent.children[indexes[depth - 1] as number] = node.pageNo;
        parent.dirty = true;
      }
    }
    (nodes[this.height - 1] as TreeNode).dirty = true;
  }

  private splitLeaf(depth: number, insertedAt: number): void {
    const leaf = this.cursor.nodes[depth] as LeafNode;
    const entries = leaf.entries;
    // Appending at a leaf's end (ascending keys, new versions) fills the left node entirely.
    const at =
      insertedAt === entries.length - 1 ? entries.length - 1 : splitIndex(entries, entryBytes);
    const right = this.pager.newLeaf();
    right.entries = entries.splice(at);
    right.bytes = leafBytes(right.entries);
    leaf.bytes = leafBytes(entries);
    const first = right.entries[0] as LeafEntry;
    const { space, key, position, h0, h1, h2, h3 } = first;
    const separator: EntryKey = { space, key, position, h0, h1, h2, h3 };
    this.insertIntoParent(depth, separator, right.pageNo);
  }

  /** Adds `right` (with its first key `separator`) after the node at `depth` in its parent. */
  private insertIntoParent(depth: number, separator: EntryKey, right: number): void {
    const { nodes, indexes } = this.cursor;
    const left = nodes[depth] as TreeNode;
    if (depth === 0) {
      const root: BranchNode = {
        kind: 'branch',
        pageNo: this.pager.allocate(),
        children: [left.pageNo, right],
        separators: [separator],
        bytes: 0,
        dirty: true,
        referenced: true,
        epoch: this.pager.epoch,
      };
      root.bytes = branchSize(root);
      this.pager.adopt(root);
      this.rootPage = root.pageNo;
      this.height++;
      // Keep the cursor's path a root-to-leaf path for the levels above.
      nodes.unshift(root);
      indexes.unshift(0);
      return;
    }
    const parent = nodes[depth - 1] as BranchNode;
    const index = indexes[depth - 1] as number;
    parent.children.splice(index + 1, 0, right);
    parent.separators.splice(index, 0, separator);
    parent.bytes += separatorBytes(separator);
    parent.dirty = true;
    if (parent.bytes > NODE_BYTES_MAX) this.splitBranch(depth - 1);
  }

  private splitBranch(depth: number): void {
    const node = this.cursor.nodes[depth] as BranchNode;
    const count = node.separators.length;
    const middle = Math.min(Math.max(splitIndex(node.separators, separatorBytes), 1), count - 2);
    const promoted = node.separators[middle] as EntryKey;
    const right: BranchNode = {
      kind: 'branch',
      pageNo: this.pager.allocate(),
      children: node.children.splice(middle + 1),
      separators: node.separators.splice(middle + 1),
      bytes: 0,
      dirty: true,
      referenced: true,
      epoch: this.pager.epoch,
    };
    node.separators.length = middle;
    node.bytes = branchSize(node);
    right.bytes = branchSize(right);
    this.pager.adopt(right);
    this.insertIntoParent(depth, promoted, right.pageNo);
  }

  /** The version `op` writes at `position`; a long value goes to overflow pages now. */
  private entryFor(position: bigint, op: StoreOp): LeafEntry {
    // The store takes ownership of the key and value arrays (StoreOp's contract): no copies.
    const at = entryKey(op.space, op.key, position);
    if (op.kind === 'delete') return leafEntry(at, VALUE_TOMBSTONE, null, 0, 0);
    const valueLength = op.value.length;
    if (valueLength <= INLINE_VALUE_BYTES_MAX) {
      return leafEntry(at, VALUE_INLINE, op.value, valueLength, 0);
    }
    const overflowPage = this.pager.writeChain(op.value)[0] as number;
    return leafEntry(at, VALUE_OVERFLOW, null, valueLength, overflowPage);
  }

  private valueOf(entry: LeafEntry): Uint8Array | undefined {
    return entry.valueKind === VALUE_TOMBSTONE ? undefined : this.readValue(entry);
  }

  private readValue(entry: LeafEntry): Uint8Array {
    if (entry.valueKind === VALUE_INLINE) return (entry.value as Uint8Array).slice();
    return this.pager.readChain(entry.overflowPage, entry.valueLength);
  }

  private assertOpen(): void {
    assert(!this.closed, 'projection store is closed');
  }

  /** The valid meta with the highest generation; null for a store never checkpointed. */
  private readBestMeta(): MetaRecord | null {
    const file = this.pager.file;
    if (file.pageCount === 0) return null;
    const page = new Uint8Array(PAGE_BYTES);
    const body = new Uint8Array(BODY_BYTES);
    const problems: string[] = [];
    let best: MetaRecord | null = null;
    let written = false;
    for (let pageNo = 0; pageNo < 2; pageNo++) {
      if (pageNo >= file.pageCount) continue;
      file.read(pageNo, page);
      if (page.every((byte) => byte === 0)) continue;
      written = true;
      const problem = this.codec.tryOpen(pageNo, page, body);
      if (problem !== null) {
        problems.push(`page ${pageNo}: ${problem}`);
        continue;
      }
      try {
        const meta = decodeMeta(pageNo, body);
        if (best === null || meta.generation > best.generation) best = meta;
      } catch (error) {
        if (!(error instanceof KimberliteError)) throw error;
        problems.push(error.message);
      }
    }
    // Both meta pages blank: a store that crashed before its first checkpoint, i.e. empty.
    if (best === null && written) {
      throw new KimberliteError(
        ErrorCode.Corruption,
        `no valid meta page (${problems.join('; ')})`,
      );
    }
    return best;
  }

  private adoptMeta(meta: MetaRecord): void {
    const pager = this.pager;
    this.generation = meta.generation;
    this.rootPage = meta.rootPage;
    this.height = meta.height;
    pager.nextPage = meta.pageCount;
    const listed = meta.freeCount + meta.heldCount;
    const { free, listPages } = pager.readFreeList(meta.freeListPage, listed);
    pager.free = free.slice(0, meta.freeCount);
    pager.held = free.slice(meta.freeCount);
    this.listPages = listPages;
    const statePages: number[] = [];
    const state =
      meta.statePage === 0 ? EMPTY : pager.readChain(meta.statePage, meta.stateLength, statePages);
    this.statePages = statePages;
    this.meta = {
      appliedPosition: meta.appliedPosition,
      appliedOffset: meta.appliedOffset,
      state,
    };
    this.appliedPosition = meta.appliedPosition;
    pager.epoch = 1;
  }
}

function validateOp(op: StoreOp): void {
  assert(Number.isInteger(op.space) && op.space >= 0 && op.space <= SPACE_MAX, 'space is a u32');
  if (op.key.length > LIMITS.keySizeBytesMax) {
    throw new KimberliteError(
      ErrorCode.LimitExceeded,
      `key of ${op.key.length} bytes exceeds ${LIMITS.keySizeBytesMax}`,
    );
  }
  if (op.kind === 'put' && op.value.length > LIMITS.recordSizeBytesMax) {
    throw new KimberliteError(
      ErrorCode.LimitExceeded,
      `value of ${op.value.length} bytes exceeds ${LIMITS.recordSizeBytesMax}`,
    );
  }
}

function belowLower(key: Uint8Array, lower: Uint8Array | undefined, inclusive: boolean): boolean {
  if (lower === undefined) return false;
  const order = compareBytes(key, lower);
  return order < 0 || (order === 0 && !inclusive);
}

function branchSize(node: BranchNode): number {
  let bytes = 3 + 4;
  for (const separator of node.separators) bytes += separatorBytes(separator);
  return bytes;
}

/** The index in [1, n) that splits `items` into two halves closest in bytes. */
function splitIndex<T>(items: readonly T[], bytesOf: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += bytesOf(item);
  let left = 0;
  let best = 1;
  let bestCost = Number.POSITIVE_INFINITY;
  for (let i = 1; i < items.length; i++) {
    left += bytesOf(items[i - 1] as T);
    const cost = Math.max(left, total - left);
    if (cost < bestCost) {
      best = i;
      bestCost = cost;
    }
  }
  return best;
}
