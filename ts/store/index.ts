/**
 * Projection store: the B+tree over 4 KiB pages, MVCC versions and the page cache (issue 4).
 * So far it holds the order-preserving key codec the tree compares keys with.
 */
export { compareKeys, decodeKey, encodeKey } from './key_codec.js';
