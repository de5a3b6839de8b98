/**
 * The rows written by commands that are sequenced but not yet durable (ARCHITECTURE.md 5,
 * pipelining rule): a command is resolved against everything sequenced before it, so the
 * kernel reads through this overlay first and the projection store second.
 *
 * Invariant: an entry's `position` is the batch that last wrote the key; `release(p)` drops
 * the entries of batch `p` once its writes are in the store, and keeps keys a later batch
 * wrote again.
 */
import type { RowSource } from '../kernel/index.js';

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
