/**
 * Shared pieces of the projection store tests: the real crypto backends, a store opener, a
 * naive MVCC model to compare the store with, and a page file that forgets (or tears) every
 * write not followed by a sync, as a crash would.
 */
import { randomFillSync } from 'node:crypto';
import { type AesGcmKey, loadCrypto } from '../../ts/crypto/index.js';
import {
  type KeyRange,
  type MemoryPageFile,
  memoryPageFile,
  openProjectionStore,
  type PageFile,
  type ProjectionStore,
  type StoreOp,
} from '../../ts/store/index.js';
import type { Prng } from '../crypto/random.js';

export const crypto = await loadCrypto({ choice: 'auto' });
export const PAGE_BYTES = 4096;

export function nonces(out: Uint8Array): void {
  randomFillSync(out);
}

export function keyOf(byte: number): AesGcmKey {
  return crypto.aesGcm.importKey(new Uint8Array(32).fill(byte));
}

export function openStore(
  file: PageFile,
  options: { key?: AesGcmKey | null; cachePagesMax?: number } = {},
): ProjectionStore {
  return openProjectionStore({
    file,
    key: options.key ?? null,
    crc32c: crypto.crc32c,
    sha256: crypto.sha256,
    nonces,
    ...(options.cachePagesMax === undefined ? {} : { cachePagesMax: options.cachePagesMax }),
  });
}

export const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
export const text = (value: string): Uint8Array => new TextEncoder().encode(value);

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

interface ModelKey {
  readonly space: number;
  readonly key: Uint8Array;
  /** Ascending positions; `value` undefined for a delete. */
  readonly versions: { position: bigint; value: Uint8Array | undefined }[];
}

/** The obvious MVCC map: every version of every key in a list. */
export class Model {
  readonly keys = new Map<string, ModelKey>();

  apply(position: bigint, ops: readonly StoreOp[]): void {
    for (const op of ops) {
      const id = `${op.space}:${Buffer.from(op.key).toString('hex')}`;
      let entry = this.keys.get(id);
      if (entry === undefined) {
        entry = { space: op.space, key: op.key.slice(), versions: [] };
        this.keys.set(id, entry);
      }
      const value = op.kind === 'put' ? op.value.slice() : undefined;
      const last = entry.versions.at(-1);
      if (last !== undefined && last.position === position) last.value = value;
      else entry.versions.push({ position, value });
    }
  }

  get(space: number, key: Uint8Array, at: bigint): Uint8Array | undefined {
    const entry = this.keys.get(`${space}:${Buffer.from(key).toString('hex')}`);
    if (entry === undefined) return undefined;
    let value: Uint8Array | undefined;
    for (const version of entry.versions) if (version.position <= at) value = version.value;
    return value;
  }

  scan(space: number, range: KeyRange, at: bigint): { key: Uint8Array; value: Uint8Array }[] {
    const rows: { key: Uint8Array; value: Uint8Array }[] = [];
    for (const entry of this.keys.values()) {
      if (entry.space !== space) continue;
      if (range.lower !== undefined) {
        const order = compareBytes(entry.key, range.lower);
        if (order < 0 || (order === 0 && range.lowerInclusive === false)) continue;
      }
      if (range.upper !== undefined) {
        const order = compareBytes(entry.key, range.upper);
        if (order > 0 || (order === 0 && range.upperInclusive === false)) continue;
      }
      const value = this.get(space, entry.key, at);
      if (value !== undefined) rows.push({ key: entry.key, value });
    }
    rows.sort((a, b) => compareBytes(a.key, b.key));
    if (range.reverse === true) rows.reverse();
    return rows;
  }

  keyList(): ModelKey[] {
    return [...this.keys.values()];
  }
}

export interface CrashFile extends MemoryPageFile {
  /** The file as a crash now would leave it: synced writes, plus torn bits of later ones. */
  crash(prng: Prng | null): MemoryPageFile;
}

/** A page file whose unsynced writes a `crash` drops, or (given a generator) tears. */
export function crashPageFile(): CrashFile {
  const live = memoryPageFile();
  let durable: Uint8Array[] = [];
  let unsynced: { pageNo: number; data: Uint8Array }[] = [];
  return {
    get pages() {
      return live.pages;
    },
    get pageCount() {
      return live.pageCount;
    },
    get syncs() {
      return live.syncs;
    },
    read: (pageNo, out) => live.read(pageNo, out),
    write(pageNo, data) {
      live.write(pageNo, data);
      unsynced.push({ pageNo, data: data.slice() });
    },
    sync() {
      live.sync();
      durable = live.pages.map((page) => page.slice());
      unsynced = [];
    },
    close() {},
    crash(prng) {
      const file = memoryPageFile(durable);
      if (prng === null) return file;
      for (const { pageNo, data } of unsynced) {
        const choice = prng.int(3);
        if (choice === 0) continue;
        const page = data.slice(0, PAGE_BYTES);
        if (choice === 1) {
          // Torn: only a prefix of the page reached the disk.
          const old = file.pages[pageNo] ?? new Uint8Array(PAGE_BYTES);
          const cut = 512 * (1 + prng.int(7));
          page.set(old.subarray(cut), cut);
        }
        file.write(pageNo, page);
      }
      return file;
    },
  };
}

/** Everything a store holds, as plain data (for comparing two stores). */
export function dump(store: ProjectionStore, spaces: readonly number[]): unknown[] {
  const rows: unknown[] = [];
  for (const space of spaces) {
    for (const row of store.scan(space, {})) {
      rows.push([space, Buffer.from(row.key).toString('hex'), Buffer.from(row.value).length]);
    }
  }
  return rows;
}
