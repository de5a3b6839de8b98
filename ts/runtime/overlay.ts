/**
 * The rows written by commands that are sequenced but not yet durable (ARCHITECTURE.md 5,
 * pipelining rule): a command is resolved against everything sequenced before it, so the
 * kernel reads through this overlay first and the projection store second.
 *
 * Invariant: an entry's `position` is the batch that last wrote the key; `release(p)` drops
 * the entries of batch `p` once its writes are in the store, and keeps keys a later batch
 * wrote again.
 */
import { compareKeys, type RowSource } from '../kernel/index.js';
import type { KeyRange } from '../store/index.js';

interface Entry {
  /** `undefined`: deleted. */
  readonly value: Uint8Array | undefined;
  readonly position: bigint;
}

function keyOf(tenant: number, space: number, key: Uint8Array): string {
  let text = `${tenant}:${space}:`;
  for (let i = 0; i < key.length; i++) text += String.fromCharCode(key[i] as number);
  return text;
}

/** One key the overlay holds; `value` undefined: deleted. */
interface OverlayEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array | undefined;
}

export class Overlay {
  readonly #entries = new Map<string, Entry>();

  get size(): number {
    return this.#entries.size;
  }

  put(tenant: number, space: number, key: Uint8Array, value: Uint8Array, position: bigint): void {
    this.#entries.set(keyOf(tenant, space, key), { value, position });
  }

  delete(tenant: number, space: number, key: Uint8Array, position: bigint): void {
    this.#entries.set(keyOf(tenant, space, key), { value: undefined, position });
  }

  /** The overlay's answer: an entry (its value may be `undefined`: deleted), or none. */
  lookup(tenant: number, space: number, key: Uint8Array): Entry | undefined {
    return this.#entries.get(keyOf(tenant, space, key));
  }

  /**
   * The entries of one space whose keys lie in `[lower, upper]` (bounds optional, inclusive
   * unless said otherwise), sorted by key: a scan of the sequenced state merges them over the
   * store's. The overlay holds only in-flight batches, so a pass over it all is cheap.
   */
  range(tenant: number, space: number, range: KeyRange): OverlayEntry[] {
    const prefix = `${tenant}:${space}:`;
    const found: OverlayEntry[] = [];
    for (const [text, entry] of this.#entries) {
      if (!text.startsWith(prefix)) continue;
      const key = new Uint8Array(text.length - prefix.length);
      for (let i = 0; i < key.length; i++) key[i] = text.charCodeAt(prefix.length + i);
      if (!inRange(key, range)) continue;
      found.push({ key, value: entry.value });
    }
    return found.sort((a, b) => compareKeys(a.key, b.key));
  }

  /**
   * A scan of the sequenced state: the overlay's entries in `range` merged over `below` (the
   * store's scan of the same range, in the same direction); keys the overlay deleted are left
   * out, keys it wrote replace the store's.
   */
  *mergeScan(
    tenant: number,
    space: number,
    range: KeyRange,
    below: Iterable<{ readonly key: Uint8Array; readonly value: Uint8Array }>,
  ): Generator<{ readonly key: Uint8Array; readonly value: Uint8Array }> {
    const reverse = range.reverse === true;
    const mine = this.range(tenant, space, range);
    if (reverse) mine.reverse();
    const before = (a: Uint8Array, b: Uint8Array) =>
      reverse ? compareKeys(a, b) > 0 : compareKeys(a, b) < 0;
    let next = 0;
    for (const entry of below) {
      while (next < mine.length && before((mine[next] as OverlayEntry).key, entry.key)) {
        const own = mine[next++] as OverlayEntry;
        if (own.value !== undefined) yield { key: own.key, value: own.value };
      }
      const own = mine[next];
      if (own !== undefined && compareKeys(own.key, entry.key) === 0) {
        next++;
        if (own.value !== undefined) yield { key: own.key, value: own.value };
      } else {
        yield entry;
      }
    }
    for (; next < mine.length; next++) {
      const own = mine[next] as OverlayEntry;
      if (own.value !== undefined) yield { key: own.key, value: own.value };
    }
  }

  /** Forgets what batch `position` wrote, now that the store holds it. */
  release(position: bigint): void {
    for (const [key, entry] of this.#entries) {
      if (entry.position <= position) this.#entries.delete(key);
    }
  }

  clear(): void {
    this.#entries.clear();
  }

  /** A row source reading this overlay, then `fallback`. */
  over(fallback: RowSource): RowSource {
    return {
      get: (tenant, space, key) => {
        const entry = this.lookup(tenant, space, key);
        return entry !== undefined ? entry.value : fallback.get(tenant, space, key);
      },
    };
  }
}

function inRange(key: Uint8Array, range: KeyRange): boolean {
  if (range.lower !== undefined) {
    const order = compareKeys(key, range.lower);
    if (order < 0 || (order === 0 && range.lowerInclusive === false)) return false;
  }
  if (range.upper !== undefined) {
    const order = compareKeys(key, range.upper);
    if (order > 0 || (order === 0 && range.upperInclusive === false)) return false;
  }
  return true;
}
