/**
 * B+tree nodes: their decoded (in-memory) shapes, the entry order, and their page bodies.
 *
 * Entry order: space ascending, key bytewise unsigned ascending (a prefix sorts first),
 * position DESCENDING, so the first entry at or after (space, key, p) is the newest version
 * of the key created at or before p.
 *
 * Body layouts (inside the sealed page body, BODY_BYTES; integers big-endian):
 *   leaf:   kind=1 u8, count u16, then per entry: space u32, key length u16, key,
 *           position u64, value kind u8 (0 tombstone, 1 inline, 2 overflow), then for inline
 *           length u16 + bytes, for overflow length u32 + first page u32
 *   branch: kind=2 u8, child count u16, children u32 x count, then count - 1 separators:
 *           space u32, key length u16, key, position u64 (separator i = first entry of child
 *           i + 1, so child i holds entries in [separator i - 1, separator i))
 *
 * Invariant: a node whose `bytes` is at most NODE_BYTES_MAX encodes into one body. Values up
 * to INLINE_VALUE_BYTES_MAX are inline, longer ones in overflow pages; with keys up to 1 KiB an
 * entry is at most ENTRY_BYTES_MAX (< NODE_BYTES_MAX / 2 + header), so halving any overfull
 * node by bytes always gives two nodes that fit.
 */
import { LIMITS } from '../types/index.js';
import { BODY_BYTES, corruption } from './page_codec.js';

export const KIND_LEAF = 1;
export const KIND_BRANCH = 2;
export const KIND_OVERFLOW = 3;
export const KIND_FREE_LIST = 4;
export const KIND_META = 5;

export const VALUE_TOMBSTONE = 0;
export const VALUE_INLINE = 1;
export const VALUE_OVERFLOW = 2;

/**
 * Values longer than this go to overflow pages. 960 bytes keeps a worst-case entry (1 KiB key)
 * under half a page, so a split always fits (see the invariant above).
 */
export const INLINE_VALUE_BYTES_MAX = 960;
const NODE_HEADER_BYTES = 3;
export const NODE_BYTES_MAX = BODY_BYTES;
/** Fixed bytes of a leaf entry besides key and value: space, key length, position, kind. */
const ENTRY_FIXED_BYTES = 4 + 2 + 8 + 1;
export const ENTRY_BYTES_MAX = ENTRY_FIXED_BYTES + LIMITS.keySizeBytesMax + 2 + 960;
/** A separator: space, key length, key, position; plus its child pointer. */
const SEPARATOR_FIXED_BYTES = 4 + 2 + 8 + 4;

/** Positions above and below every real one, for seeking to a key's first / past its last. */
export const POSITION_ABOVE_ALL = 1n << 64n;
export const POSITION_BELOW_ALL = -1n;

/**
 * A point in entry order. `h0`..`h3` are the key's bytes [0, 12) as four 24-bit big-endian
 * numbers, zero-padded: most comparisons end on them without touching the key's bytes, which
 * live behind two more pointers (a B+tree search is bound by memory latency, not arithmetic).
 */
export interface EntryKey {
  readonly space: number;
  readonly key: Uint8Array;
  readonly position: bigint;
  readonly h0: number;
  readonly h1: number;
  readonly h2: number;
  readonly h3: number;
}

/** Bytes [3 i, 3 i + 3) of `key` as a big-endian number, missing bytes as zeros. */
export function keyHead(key: Uint8Array, i: number): number {
  const at = 3 * i;
  return ((key[at] ?? 0) << 16) | ((key[at + 1] ?? 0) << 8) | (key[at + 2] ?? 0);
}

const HEAD_BYTES = 12;

export function entryKey(space: number, key: Uint8Array, position: bigint): EntryKey {
  const h0 = keyHead(key, 0);
  const h1 = keyHead(key, 1);
  const h2 = keyHead(key, 2);
  const h3 = keyHead(key, 3);
  return { space, key, position, h0, h1, h2, h3 };
}

/** One version. Never mutated once in a node (a replacement is a new object). */
export interface LeafEntry extends EntryKey {
  readonly valueKind: number;
  /** Inline bytes (VALUE_INLINE), else null. */
  readonly value: Uint8Array | null;
  /** Value length in bytes (0 for a tombstone). */
  readonly valueLength: number;
  /** First overflow page (VALUE_OVERFLOW), else 0. */
  readonly overflowPage: number;
}

/** The one place leaf entries are made, so they all share one shape (monomorphic access). */
export function leafEntry(
  at: EntryKey,
  valueKind: number,
  value: Uint8Array | null,
  valueLength: number,
  overflowPage: number,
): LeafEntry {
  const { space, key, position, h0, h1, h2, h3 } = at;
  return { space, key, position, h0, h1, h2, h3, valueKind, value, valueLength, overflowPage };
}

interface NodeBase {
  /** Invariant: the page this node is (or will be) stored at; never 0 or 1 (meta pages). */
  pageNo: number;
  /** Encoded size in bytes. Invariant: <= NODE_BYTES_MAX outside a write in progress. */
  bytes: number;
  /** Changed since it was last written to its page. */
  dirty: boolean;
  /** CLOCK reference bit: set on use, cleared by the eviction sweep. */
  referenced: boolean;
  /** The checkpoint epoch its page was allocated in; equal to the store's: the page is fresh. */
  epoch: number;
}

export interface LeafNode extends NodeBase {
  readonly kind: 'leaf';
  /** Invariant: ascending in entry order. */
  entries: LeafEntry[];
}

export interface BranchNode extends NodeBase {
  readonly kind: 'branch';
  /** Invariant: children.length === separators.length + 1 >= 2. */
  children: number[];
  separators: EntryKey[];
}

export type TreeNode = LeafNode | BranchNode;

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Sign of `a` minus `b` in entry order. */
export function compareEntry(a: EntryKey, b: EntryKey): number {
  if (a.space !== b.space) return a.space - b.space;
  if (a.h0 !== b.h0) return a.h0 - b.h0;
  if (a.h1 !== b.h1) return a.h1 - b.h1;
  if (a.h2 !== b.h2) return a.h2 - b.h2;
  if (a.h3 !== b.h3) return a.h3 - b.h3;
  // Equal first 12 bytes (zero-padded): for two short keys the shorter sorts first.
  const ka = a.key;
  const kb = b.key;
  const byKey =
    ka.length <= HEAD_BYTES && kb.length <= HEAD_BYTES
      ? ka.length - kb.length
      : compareBytes(ka, kb);
  if (byKey !== 0) return byKey;
  return a.position === b.position ? 0 : a.position > b.position ? -1 : 1;
}

/** First index whose entry is >= the target. */
export function lowerBound(entries: readonly EntryKey[], target: EntryKey): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareEntry(target, entries[mid] as EntryKey) > 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The child of `node` whose range holds the target: the count of separators <= target. */
export function childIndex(node: BranchNode, target: EntryKey): number {
  const separators = node.separators;
  let low = 0;
  let high = separators.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareEntry(target, separators[mid] as EntryKey) >= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

export function entryBytes(entry: LeafEntry): number {
  const valueBytes =
    entry.valueKind === VALUE_INLINE ? 2 + entry.valueLength : entry.valueKind === 0 ? 0 : 8;
  return ENTRY_FIXED_BYTES + entry.key.length + valueBytes;
}

export function separatorBytes(separator: EntryKey): number {
  return SEPARATOR_FIXED_BYTES + separator.key.length;
}

export function leafBytes(entries: readonly LeafEntry[]): number {
  let bytes = NODE_HEADER_BYTES;
  for (const entry of entries) bytes += entryBytes(entry);
  return bytes;
}

export function branchBytes(separators: readonly EntryKey[]): number {
  let bytes = NODE_HEADER_BYTES + 4;
  for (const separator of separators) bytes += separatorBytes(separator);
  return bytes;
}

/** Encodes `node` into `body` (BODY_BYTES, zeroed past the node). */
export function encodeNode(node: TreeNode, body: Uint8Array): void {
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  let at = NODE_HEADER_BYTES;
  if (node.kind === 'leaf') {
    body[0] = KIND_LEAF;
    view.setUint16(1, node.entries.length);
    for (const entry of node.entries) {
      at = writeEntryKey(view, body, at, entry);
      body[at++] = entry.valueKind;
      if (entry.valueKind === VALUE_INLINE) {
        view.setUint16(at, entry.valueLength);
        copyBytes(entry.value as Uint8Array, body, at + 2);
        at += 2 + entry.valueLength;
      } else if (entry.valueKind === VALUE_OVERFLOW) {
        view.setUint32(at, entry.valueLength);
        view.setUint32(at + 4, entry.overflowPage);
        at += 8;
      }
    }
  } else {
    body[0] = KIND_BRANCH;
    view.setUint16(1, node.children.length);
    for (const child of node.children) {
      view.setUint32(at, child);
      at += 4;
    }
    for (const separator of node.separators) at = writeEntryKey(view, body, at, separator);
  }
  body.fill(0, at);
}

function writeEntryKey(view: DataView, body: Uint8Array, at: number, entry: EntryKey): number {
  view.setUint32(at, entry.space);
  view.setUint16(at + 4, entry.key.length);
  copyBytes(entry.key, body, at + 6);
  const next = at + 6 + entry.key.length;
  view.setBigUint64(next, entry.position);
  return next + 8;
}

/** `out.set(data, at)`, with a plain loop for short data (cheaper than the call for keys). */
function copyBytes(data: Uint8Array, out: Uint8Array, at: number): void {
  if (data.length > 32) {
    out.set(data, at);
    return;
  }
  for (let i = 0; i < data.length; i++) out[at + i] = data[i] as number;
}

/**
 * Decodes the body of page `pageNo`; keys and inline values are views into `body`, which the
 * node then owns (one buffer per node: measured cheaper than copying every key out). Throws
 * CORRUPTION when the body is not a well-formed node.
 */
export function decodeNode(pageNo: number, body: Uint8Array, epoch: number): TreeNode {
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  const count = view.getUint16(1);
  const reader = { at: NODE_HEADER_BYTES };
  const need = (bytes: number): void => {
    if (reader.at + bytes > body.length) throw corruption(pageNo, 'node overruns its page');
  };
  const readKey = (): EntryKey => {
    need(6);
    const space = view.getUint32(reader.at);
    const length = view.getUint16(reader.at + 4);
    need(6 + length + 8);
    const key = body.subarray(reader.at + 6, reader.at + 6 + length);
    const position = view.getBigUint64(reader.at + 6 + length);
    reader.at += 6 + length + 8;
    return entryKey(space, key, position);
  };
  const base = { pageNo, bytes: 0, dirty: false, referenced: true, epoch };
  if (body[0] === KIND_LEAF) {
    const entries: LeafEntry[] = [];
    for (let i = 0; i < count; i++) {
      const at = readKey();
      need(1);
      const valueKind = body[reader.at++] as number;
      let value: Uint8Array | null = null;
      let valueLength = 0;
      let overflowPage = 0;
      if (valueKind === VALUE_INLINE) {
        need(2);
        valueLength = view.getUint16(reader.at);
        need(2 + valueLength);
        value = body.subarray(reader.at + 2, reader.at + 2 + valueLength);
        reader.at += 2 + valueLength;
      } else if (valueKind === VALUE_OVERFLOW) {
        need(8);
        valueLength = view.getUint32(reader.at);
        overflowPage = view.getUint32(reader.at + 4);
        reader.at += 8;
      } else if (valueKind !== VALUE_TOMBSTONE) {
        throw corruption(pageNo, `unknown value kind ${valueKind}`);
      }
      entries.push(leafEntry(at, valueKind, value, valueLength, overflowPage));
    }
    return { ...base, kind: 'leaf', entries, bytes: reader.at };
  }
  if (body[0] === KIND_BRANCH) {
    if (count < 2) throw corruption(pageNo, `branch with ${count} children`);
    need(4 * count);
    const children: number[] = [];
    for (let i = 0; i < count; i++) children.push(view.getUint32(reader.at + 4 * i));
    reader.at += 4 * count;
    const separators: EntryKey[] = [];
    for (let i = 1; i < count; i++) separators.push(readKey());
    return { ...base, kind: 'branch', children, separators, bytes: reader.at };
  }
  throw corruption(pageNo, `not a tree node (kind ${body[0]})`);
}
