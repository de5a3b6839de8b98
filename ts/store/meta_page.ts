/**
 * The two meta pages (0 and 1) of a store file. Checkpoint `g` writes page `g % 2`, so the
 * previous checkpoint's meta survives a torn meta write; open takes the valid meta with the
 * highest generation.
 *
 * Body layout (integers big-endian): kind=5 u8, magic "KST1" u32, format version u16,
 * generation u64, root page u32 (0: empty tree), height u32, page count u32, free-list head
 * page u32 (0: none), free page count u32, applied position u64, applied offset i64, state
 * length u32, state first page u32 (0: empty state), held page count u32. The free list holds
 * the free pages, then the held ones (see pager.ts).
 *
 * Invariant: a decoded meta has the right kind, magic and version, and page numbers below its
 * page count.
 */
import { corruption } from './page_codec.js';

export const META_MAGIC = 0x4b53_5431; // "KST1"
export const FORMAT_VERSION = 1;
const KIND_META = 5;

export interface MetaRecord {
  readonly generation: number;
  readonly rootPage: number;
  readonly height: number;
  readonly pageCount: number;
  readonly freeListPage: number;
  readonly freeCount: number;
  readonly appliedPosition: bigint;
  readonly appliedOffset: bigint;
  readonly stateLength: number;
  readonly statePage: number;
  readonly heldCount: number;
}

export function encodeMeta(meta: MetaRecord, body: Uint8Array): void {
  body.fill(0);
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  body[0] = KIND_META;
  view.setUint32(1, META_MAGIC);
  view.setUint16(5, FORMAT_VERSION);
  view.setBigUint64(7, BigInt(meta.generation));
  view.setUint32(15, meta.rootPage);
  view.setUint32(19, meta.height);
  view.setUint32(23, meta.pageCount);
  view.setUint32(27, meta.freeListPage);
  view.setUint32(31, meta.freeCount);
  view.setBigUint64(35, meta.appliedPosition);
  view.setBigInt64(43, meta.appliedOffset);
  view.setUint32(51, meta.stateLength);
  view.setUint32(55, meta.statePage);
  view.setUint32(59, meta.heldCount);
}

/** Decodes the body of meta page `pageNo`; throws CORRUPTION when it is not a meta. */
export function decodeMeta(pageNo: number, body: Uint8Array): MetaRecord {
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  if (body[0] !== KIND_META || view.getUint32(1) !== META_MAGIC) {
    throw corruption(pageNo, 'not a meta page (bad magic)');
  }
  const version = view.getUint16(5);
  if (version !== FORMAT_VERSION) {
    throw corruption(pageNo, `unsupported store format version ${version}`);
  }
  const meta: MetaRecord = {
    generation: Number(view.getBigUint64(7)),
    rootPage: view.getUint32(15),
    height: view.getUint32(19),
    pageCount: view.getUint32(23),
    freeListPage: view.getUint32(27),
    freeCount: view.getUint32(31),
    appliedPosition: view.getBigUint64(35),
    appliedOffset: view.getBigInt64(43),
    stateLength: view.getUint32(51),
    statePage: view.getUint32(55),
    heldCount: view.getUint32(59),
  };
  const pages = [meta.rootPage, meta.freeListPage, meta.statePage];
  if (meta.pageCount < 2 || pages.some((p) => p === 1 || p >= meta.pageCount)) {
    throw corruption(pageNo, 'meta page numbers out of range');
  }
  if ((meta.rootPage === 0) !== (meta.height === 0)) {
    throw corruption(pageNo, 'meta root and height disagree');
  }
  return meta;
}
