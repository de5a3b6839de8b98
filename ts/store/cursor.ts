/**
 * A position in the B+tree: the path from the root to one leaf entry, as node objects and the
 * child / entry index taken at each level. The tree has no sibling links (copy-on-write trees
 * cannot keep them), so stepping past a leaf's end climbs the path and descends again.
 *
 * Invariant: after a successful `seek` / `next` / `prev` / `first` / `last`, `nodes[0..height)`
 * is a root-to-leaf path and `indexes[height - 1]` names an existing entry. A cursor is valid
 * only until the tree changes; readers that outlive a write re-seek (see `mutations`).
 */
import { assert } from '../types/index.js';
import {
  type BranchNode,
  childIndex,
  entryKey,
  type LeafEntry,
  type LeafNode,
  lowerBound,
  type TreeNode,
} from './node.js';
import { corruption } from './page_codec.js';
import type { Pager } from './pager.js';

/** What a cursor needs of the tree. */
export interface TreeRoot {
  readonly pager: Pager;
  readonly rootPage: number;
  readonly height: number;
}

export class Cursor {
  /** Root-to-leaf path. Invariant: length >= the tree's height. */
  readonly nodes: TreeNode[] = [];
  /** Child index per branch level, entry index at the leaf level. */
  readonly indexes: number[] = [];
  private readonly tree: TreeRoot;

  constructor(tree: TreeRoot) {
    this.tree = tree;
  }

  /** Descends towards the target, leaving the leaf index at its lower bound (maybe the end). */
  descend(space: number, key: Uint8Array, position: bigint): void {
    const { pager, height } = this.tree;
    const target = entryKey(space, key, position);
    let pageNo = this.tree.rootPage;
    for (let depth = 0; depth < height; depth++) {
      const node = pager.load(pageNo);
      this.nodes[depth] = node;
      if (depth < height - 1) {
        if (node.kind !== 'branch') throw corruption(pageNo, `leaf above the tree's leaf level`);
        const index = childIndex(node, target);
        this.indexes[depth] = index;
        pageNo = node.children[index] as number;
      } else {
        if (node.kind !== 'leaf') throw corruption(pageNo, `branch at the tree's leaf level`);
        this.indexes[depth] = lowerBound(node.entries, target);
      }
    }
  }

  /** Moves to the first entry >= the target; false when there is none. */
  seek(space: number, key: Uint8Array, position: bigint): boolean {
    if (this.tree.height === 0) return false;
    this.descend(space, key, position);
    const leafDepth = this.tree.height - 1;
    const leaf = this.nodes[leafDepth] as LeafNode;
    if ((this.indexes[leafDepth] as number) < leaf.entries.length) return true;
    return this.nextLeaf();
  }

  first(): boolean {
    if (this.tree.height === 0) return false;
    this.edge(0, this.tree.rootPage, 'first');
    return true;
  }

  last(): boolean {
    if (this.tree.height === 0) return false;
    this.edge(0, this.tree.rootPage, 'last');
    return true;
  }

  entry(): LeafEntry {
    const leafDepth = this.tree.height - 1;
    const leaf = this.nodes[leafDepth] as LeafNode;
    const entry = leaf.entries[this.indexes[leafDepth] as number];
    assert(entry !== undefined, 'cursor is not on an entry');
    return entry;
  }

  next(): boolean {
    const leafDepth = this.tree.height - 1;
    const leaf = this.nodes[leafDepth] as LeafNode;
    const index = (this.indexes[leafDepth] as number) + 1;
    this.indexes[leafDepth] = index;
    return index < leaf.entries.length || this.nextLeaf();
  }

  prev(): boolean {
    const leafDepth = this.tree.height - 1;
    const index = (this.indexes[leafDepth] as number) - 1;
    this.indexes[leafDepth] = index;
    return index >= 0 || this.prevLeaf();
  }

  private nextLeaf(): boolean {
    for (let depth = this.tree.height - 2; depth >= 0; depth--) {
      const branch = this.nodes[depth] as BranchNode;
      const index = (this.indexes[depth] as number) + 1;
      if (index < branch.children.length) {
        this.indexes[depth] = index;
        this.edge(depth + 1, branch.children[index] as number, 'first');
        return true;
      }
    }
    return false;
  }

  private prevLeaf(): boolean {
    for (let depth = this.tree.height - 2; depth >= 0; depth--) {
      const branch = this.nodes[depth] as BranchNode;
      const index = (this.indexes[depth] as number) - 1;
      if (index >= 0) {
        this.indexes[depth] = index;
        this.edge(depth + 1, branch.children[index] as number, 'last');
        return true;
      }
    }
    return false;
  }

  /** Descends from `pageNo` at `depth` along the first or last child down to a leaf entry. */
  private edge(depth: number, pageNo: number, side: 'first' | 'last'): void {
    const { pager, height } = this.tree;
    for (let d = depth; d < height; d++) {
      const node = pager.load(pageNo);
      this.nodes[d] = node;
      if (d < height - 1) {
        if (node.kind !== 'branch') throw corruption(pageNo, `leaf above the tree's leaf level`);
        const index = side === 'first' ? 0 : node.children.length - 1;
        this.indexes[d] = index;
        pageNo = node.children[index] as number;
      } else {
        if (node.kind !== 'leaf') throw corruption(pageNo, `branch at the tree's leaf level`);
        if (node.entries.length === 0) throw corruption(pageNo, 'empty leaf');
        this.indexes[d] = side === 'first' ? 0 : node.entries.length - 1;
      }
    }
  }
}
