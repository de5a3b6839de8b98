/**
 * The projection store's durability, integrity and limits: reopen at the last checkpoint,
 * crash consistency at every write of a checkpoint, corruption of any page, encryption at
 * rest, the content hash, the cache bound, large values and oversize keys.
 */
import { describe, expect, it } from 'vitest';
import {
  type MemoryPageFile,
  memoryPageFile,
  type PageFile,
  type ProjectionStore,
  type StoreOp,
} from '../../ts/store/index.js';
import { ErrorCode, KimberliteError } from '../../ts/types/index.js';
import { prngFor, SEED_NOTE } from '../crypto/random.js';
import { bytes, crashPageFile, keyOf, openStore, PAGE_BYTES, text } from './store_fixture.js';

const KEY = keyOf(1);

function put(space: number, key: Uint8Array, value: Uint8Array): StoreOp {
  return { kind: 'put', space, key, value };
}

function keyAt(i: number): Uint8Array {
  return bytes(i >>> 16, (i >>> 8) & 255, i & 255);
}

/** Writes `count` rows (one per position from `from`), some with overflow values. */
function fill(store: ProjectionStore, from: number, count: number, tag = 0): void {
  for (let i = from; i < from + count; i++) {
    const value = i % 97 === 0 ? new Uint8Array(5000).fill(i & 255) : bytes(tag, i & 255, 7);
    store.write(BigInt(i), [put(1, keyAt(i % 3000), value)]);
  }
}

function expectCorruption(action: () => unknown, pattern: RegExp): void {
  try {
    action();
  } catch (error) {
    expect(error, SEED_NOTE).toBeInstanceOf(KimberliteError);
    expect((error as KimberliteError).code).toBe(ErrorCode.Corruption);
    expect((error as KimberliteError).message).toMatch(pattern);
    return;
  }
  expect.fail(`expected CORRUPTION matching ${pattern}`);
}

/** Flips bits `mask` of byte `index` of a stored page. */
function flip(page: Uint8Array | undefined, index: number, mask: number): void {
  if (page === undefined) throw new Error('no such page');
  page[index] = (page[index] as number) ^ mask;
}

function copyFile(file: MemoryPageFile): MemoryPageFile {
  return memoryPageFile(file.pages);
}

/** A page file that keeps only its first `writesMax` writes, as if it lost power then. */
function powerCut(inner: PageFile, writesMax: number): PageFile {
  let writes = 0;
  return {
    get pageCount() {
      return inner.pageCount;
    },
    read: (pageNo, out) => inner.read(pageNo, out),
    write(pageNo, data) {
      if (writes++ < writesMax) inner.write(pageNo, data);
    },
    sync() {
      if (writes <= writesMax) inner.sync();
    },
    close: () => inner.close(),
  };
}

describe('projection store durability', () => {
  it('a new store opens empty with a zero meta', () => {
    const store = openStore(memoryPageFile());
    expect(store.meta.appliedPosition).toBe(0n);
    expect(store.meta.appliedOffset).toBe(-1n);
    expect(store.meta.state.length).toBe(0);
    expect(store.get(1, bytes(1))).toBeUndefined();
    expect([...store.scan(1, {})]).toEqual([]);
    expect(store.stats().height).toBe(0);
    store.invariants();
  });

  it('reopen after a checkpoint sees exactly the checkpointed rows and meta', () => {
    const file = memoryPageFile();
    const store = openStore(file, { key: KEY, cachePagesMax: 16 });
    fill(store, 1, 4000);
    const state = prngFor('state blob').bytes(3 * 1024 * 1024 + 5);
    store.checkpoint({ appliedOffset: 41n, state });
    const hash = store.contentHash();
    fill(store, 4001, 500, 9);
    store.close();
    const again = openStore(file, { key: KEY, cachePagesMax: 16 });
    expect(again.meta.appliedPosition).toBe(4000n);
    expect(again.appliedPosition).toBe(4000n);
    expect(again.meta.appliedOffset).toBe(41n);
    expect(Buffer.from(again.meta.state).equals(Buffer.from(state))).toBe(true);
    expect(again.contentHash()).toEqual(hash);
    expect(again.get(1, keyAt(1001))).toEqual(bytes(0, 1001 & 255, 7));
    again.invariants();
    // The state blob is rewritten only when it changes, and the old one's pages are reused.
    fill(again, 4001, 100);
    again.checkpoint({ appliedOffset: 42n, state: bytes(1, 2, 3) });
    again.checkpoint({ appliedOffset: 43n, state: bytes(1, 2, 3) });
    again.invariants();
    expect(again.stats().freePages).toBeGreaterThan(700);
    again.close();
    const third = openStore(file, { key: KEY });
    expect(third.meta).toEqual({
      appliedPosition: 4100n,
      appliedOffset: 43n,
      state: bytes(1, 2, 3),
    });
    third.invariants();
  });

  it('a crash at any write of a checkpoint opens at the old or the new checkpoint', () => {
    const base = memoryPageFile();
    const store = openStore(base, { key: KEY, cachePagesMax: 8 });
    fill(store, 1, 600);
    store.checkpoint({ appliedOffset: 1n, state: bytes(1) });
    const oldHash = store.contentHash();
    store.close();
    const probe = crashPageFile();
    for (const [pageNo, page] of base.pages.entries()) probe.write(pageNo, page);
    probe.sync();
    const counting = openStore(probe, { key: KEY, cachePagesMax: 8 });
    fill(counting, 601, 300, 5);
    const newHash = counting.contentHash();
    counting.checkpoint({ appliedOffset: 2n, state: bytes(2) });
    const prng = prngFor('checkpoint power cut');
    // Every prefix of the writes a continuing store makes, each ending in a torn crash.
    for (let writesMax = 0; writesMax < 400; writesMax += 1 + prng.int(9)) {
      const disk = crashPageFile();
      for (const [pageNo, page] of base.pages.entries()) disk.write(pageNo, page);
      disk.sync();
      const cut = powerCut(disk, writesMax);
      const victim = openStore(cut, { key: KEY, cachePagesMax: 8 });
      fill(victim, 601, 300, 5);
      victim.checkpoint({ appliedOffset: 2n, state: bytes(2) });
      const reopened = openStore(disk.crash(prng), { key: KEY, cachePagesMax: 8 });
      reopened.invariants();
      const hash = reopened.contentHash();
      if (reopened.meta.appliedPosition === 600n) {
        expect(hash, `${SEED_NOTE} cut at ${writesMax}`).toEqual(oldHash);
        expect(reopened.meta.state).toEqual(bytes(1));
      } else {
        expect(reopened.meta.appliedPosition, SEED_NOTE).toBe(900n);
        expect(hash, `${SEED_NOTE} cut at ${writesMax}`).toEqual(newHash);
        expect(reopened.meta.state).toEqual(bytes(2));
      }
    }
  });

  it('writes after the last checkpoint are gone after a crash, torn or not', () => {
    const file = crashPageFile();
    const store = openStore(file, { key: KEY, cachePagesMax: 4 });
    fill(store, 1, 300);
    store.checkpoint({ appliedOffset: 0n, state: bytes() });
    const hash = store.contentHash();
    fill(store, 301, 2000, 3);
    for (const prng of [null, prngFor('torn tail')]) {
      const reopened = openStore(file.crash(prng), { key: KEY, cachePagesMax: 4 });
      expect(reopened.appliedPosition).toBe(300n);
      expect(reopened.contentHash()).toEqual(hash);
      reopened.invariants();
    }
  });

  it('a crash before the first checkpoint opens as a new empty store', () => {
    const file = crashPageFile();
    const store = openStore(file, { key: KEY, cachePagesMax: 2 });
    fill(store, 1, 500);
    const reopened = openStore(file.crash(null), { key: KEY });
    expect(reopened.meta.appliedPosition).toBe(0n);
    const blank = memoryPageFile([new Uint8Array(PAGE_BYTES), new Uint8Array(PAGE_BYTES)]);
    expect(openStore(blank, { key: KEY }).appliedPosition).toBe(0n);
  });
});

describe('projection store integrity', () => {
  it('a flipped byte in any page in use fails with CORRUPTION naming that page', () => {
    const file = memoryPageFile();
    const store = openStore(file, { key: KEY, cachePagesMax: 8 });
    fill(store, 1, 1000);
    store.checkpoint({ appliedOffset: 0n, state: new Uint8Array(9000).fill(3) });
    const previousHash = store.contentHash();
    fill(store, 1001, 1000, 4);
    store.checkpoint({ appliedOffset: 1n, state: new Uint8Array(9000).fill(4) });
    const hash = store.contentHash();
    store.close();
    const prng = prngFor('flip a byte');
    let detected = 0;
    for (let pageNo = 0; pageNo < file.pageCount; pageNo++) {
      const copy = copyFile(file);
      flip(copy.pages[pageNo], prng.int(PAGE_BYTES), 1 << prng.int(8));
      let result: Uint8Array;
      try {
        const opened = openStore(copy, { key: KEY, cachePagesMax: 8 });
        result = opened.contentHash();
        opened.invariants();
      } catch (error) {
        expect(error, SEED_NOTE).toBeInstanceOf(KimberliteError);
        expect((error as KimberliteError).code).toBe(ErrorCode.Corruption);
        expect((error as KimberliteError).message).toContain(`page ${pageNo}:`);
        detected++;
        continue;
      }
      // Only a free page, or a meta page (open falls back to the other one), goes unnoticed.
      if (pageNo < 2) expect([previousHash, hash]).toContainEqual(result);
      else expect(result, `${SEED_NOTE} page ${pageNo}`).toEqual(hash);
    }
    expect(detected).toBeGreaterThan(file.pageCount / 2);
  });

  it('a damaged newest meta falls back to the previous checkpoint, intact despite reuse', () => {
    const file = memoryPageFile();
    const store = openStore(file, { key: KEY, cachePagesMax: 4 });
    fill(store, 1, 1500);
    store.checkpoint({ appliedOffset: 1n, state: new Uint8Array(20_000).fill(1) });
    const previousHash = store.contentHash();
    fill(store, 1501, 1500, 2);
    store.checkpoint({ appliedOffset: 2n, state: new Uint8Array(20_000).fill(2) });
    // Writes after the newest checkpoint reuse free pages (the cache evicts them to the file).
    fill(store, 3001, 3000, 3);
    store.close();
    const generationTwo = 0; // checkpoint 2 wrote meta page 2 % 2
    flip(file.pages[generationTwo], 40, 0x10);
    const reopened = openStore(file, { key: KEY, cachePagesMax: 4 });
    expect(reopened.meta.appliedPosition).toBe(1500n);
    expect(reopened.meta.state).toEqual(new Uint8Array(20_000).fill(1));
    expect(reopened.contentHash()).toEqual(previousHash);
    reopened.invariants();
  });

  it('both meta pages bad fails with CORRUPTION', () => {
    const file = memoryPageFile();
    const store = openStore(file, { key: KEY });
    fill(store, 1, 10);
    store.checkpoint({ appliedOffset: 0n, state: bytes() });
    store.checkpoint({ appliedOffset: 0n, state: bytes() });
    flip(file.pages[0], 100, 1);
    flip(file.pages[1], 200, 1);
    expectCorruption(() => openStore(file, { key: KEY }), /page 0: CRC mismatch.*page 1/);
  });

  it('pages swapped with each other do not authenticate', () => {
    const file = memoryPageFile();
    const store = openStore(file, { key: KEY, cachePagesMax: 4 });
    fill(store, 1, 2000);
    store.checkpoint({ appliedOffset: 0n, state: bytes() });
    store.close();
    const copy = copyFile(file);
    const [a, b] = [copy.pages[5] as Uint8Array, copy.pages[6] as Uint8Array];
    copy.pages[5] = b;
    copy.pages[6] = a;
    expectCorruption(() => {
      const opened = openStore(copy, { key: KEY });
      opened.contentHash();
    }, /page [56]: does not authenticate/);
  });

  it('distinctive values never appear in the file; the wrong key fails with CORRUPTION', () => {
    const marker = 'PATIENT-SECRET-7f3a';
    for (const key of [KEY, null]) {
      const file = memoryPageFile();
      const store = openStore(file, { key, cachePagesMax: 4 });
      for (let i = 0; i < 300; i++) {
        const value = text(`${marker}-${i}`.repeat(i % 50 === 0 ? 200 : 1));
        store.write(BigInt(i + 1), [put(2, text(`${marker}-key-${i}`), value)]);
      }
      store.checkpoint({ appliedOffset: 0n, state: text(`${marker}-state`) });
      const image = Buffer.concat(file.pages);
      expect(image.includes(marker), `key ${key === null ? 'null' : 'set'}`).toBe(key === null);
      if (key !== null) {
        expectCorruption(() => openStore(file, { key: keyOf(2) }), /does not authenticate/);
      }
    }
  });
});

describe('projection store content hash, cache and limits', () => {
  it('contentHash is equal for equal content whatever the cache or checkpoints', () => {
    const hashes: string[] = [];
    for (const [cachePagesMax, every] of [
      [2, 0],
      [8, 97],
      [4096, 1000],
      [3, 13],
    ] as const) {
      const file = memoryPageFile();
      let store = openStore(file, { key: every === 0 ? null : KEY, cachePagesMax });
      for (let i = 1; i <= 2000; i++) {
        fill(store, i, 1);
        if (i % 7 === 0) store.write(BigInt(i), [{ kind: 'delete', space: 1, key: keyAt(i - 1) }]);
        if (every !== 0 && i % every === 0) {
          store.checkpoint({ appliedOffset: 0n, state: bytes() });
          store.close();
          store = openStore(file, { key: KEY, cachePagesMax });
        }
      }
      hashes.push(Buffer.from(store.contentHash()).toString('hex'));
    }
    expect(new Set(hashes).size).toBe(1);
  });

  it('contentHash differs for a different value, position, tombstone or space', () => {
    const hashOf = (ops: readonly [bigint, StoreOp][]): string => {
      const store = openStore(memoryPageFile());
      for (const [position, op] of ops) store.write(position, [op]);
      return Buffer.from(store.contentHash()).toString('hex');
    };
    const variants = [
      hashOf([]),
      hashOf([[1n, put(1, bytes(1), bytes(1))]]),
      hashOf([[1n, put(1, bytes(1), bytes(2))]]),
      hashOf([[2n, put(1, bytes(1), bytes(1))]]),
      hashOf([[1n, put(2, bytes(1), bytes(1))]]),
      hashOf([[1n, put(1, bytes(1, 0), bytes(1))]]),
      hashOf([[1n, { kind: 'delete', space: 1, key: bytes(1) }]]),
      hashOf([[1n, put(1, bytes(1), bytes())]]),
    ];
    expect(new Set(variants).size).toBe(variants.length);
  });

  it('the cache never holds more than cachePagesMax pages, during scans too', () => {
    const store = openStore(memoryPageFile(), { key: KEY, cachePagesMax: 16 });
    for (let i = 1; i <= 20_000; i++) {
      store.write(BigInt(i), [put(1, keyAt(i), bytes(i & 255, 1, 2, 3, 4, 5, 6, 7))]);
      expect(store.stats().cachedPages).toBeLessThanOrEqual(16);
    }
    expect(store.stats().height).toBeGreaterThanOrEqual(2);
    let rows = 0;
    for (const _row of store.scan(1, { reverse: rows % 2 === 0 })) {
      rows++;
      expect(store.stats().cachedPages).toBeLessThanOrEqual(16);
    }
    expect(rows).toBe(20_000);
    store.checkpoint({ appliedOffset: 0n, state: bytes() });
    expect(store.stats().dirtyPages).toBe(0);
    store.invariants();
  });

  it('scan is lazy: the first row of a large space costs a root-to-leaf path of reads', () => {
    const file = memoryPageFile();
    const store = openStore(file, { key: KEY, cachePagesMax: 8 });
    fill(store, 1, 20_000);
    store.checkpoint({ appliedOffset: 0n, state: bytes() });
    store.close();
    let reads = 0;
    const counting: PageFile = {
      get pageCount() {
        return file.pageCount;
      },
      read(pageNo, out) {
        reads++;
        file.read(pageNo, out);
      },
      write: (pageNo, data) => file.write(pageNo, data),
      sync: () => file.sync(),
      close: () => file.close(),
    };
    const reopened = openStore(counting, { key: KEY, cachePagesMax: 8 });
    const before = reads;
    for (const reverse of [false, true]) {
      const rows = reopened.scan(1, { reverse });
      expect(rows.next().done).toBe(false);
    }
    expect(reads - before).toBeLessThanOrEqual(2 * reopened.stats().height);
  });

  it('a scan interleaved with writes still answers as of its position', () => {
    const store = openStore(memoryPageFile(), { cachePagesMax: 4 });
    for (let i = 1; i <= 3000; i++) store.write(1n, [put(1, keyAt(i), bytes(1))]);
    const seen: number[] = [];
    let position = 2n;
    for (const reverse of [false, true]) {
      seen.length = 0;
      for (const row of store.scan(1, { reverse }, 1n)) {
        seen.push(((row.key[1] as number) << 8) | (row.key[2] as number));
        // Each step rewrites and deletes rows on both sides, splitting leaves under the scan.
        store.write(position++, [
          put(1, keyAt(seen.length * 7), new Uint8Array(300)),
          { kind: 'delete', space: 1, key: keyAt(3001 - seen.length) },
          put(1, keyAt(100_000 + seen.length), bytes(2)),
        ]);
      }
      const expected = Array.from({ length: 3000 }, (_, i) => i + 1);
      expect(seen).toEqual(reverse ? expected.reverse() : expected);
    }
    store.invariants();
  });

  it('values up to 8 MiB round-trip through overflow pages, with and without a key', () => {
    const prng = prngFor('large values');
    for (const key of [KEY, null]) {
      const file = memoryPageFile();
      const store = openStore(file, { key, cachePagesMax: 8 });
      const big = prng.bytes(3 * 1024 * 1024);
      const max = prng.bytes(8 * 1024 * 1024);
      store.write(1n, [put(1, bytes(1), big), put(1, bytes(2), max), put(1, bytes(3), bytes(5))]);
      store.write(2n, [put(1, bytes(1), bytes(6))]);
      store.checkpoint({ appliedOffset: 0n, state: bytes() });
      store.close();
      const again = openStore(file, { key, cachePagesMax: 8 });
      expect(Buffer.from(again.get(1, bytes(1), 1n) as Uint8Array).equals(Buffer.from(big))).toBe(
        true,
      );
      expect(Buffer.from(again.get(1, bytes(2)) as Uint8Array).equals(Buffer.from(max))).toBe(true);
      expect(again.get(1, bytes(1))).toEqual(bytes(6));
      again.invariants();
    }
  });

  it('an oversize key or value is rejected with LIMIT_EXCEEDED and nothing is written', () => {
    const store = openStore(memoryPageFile());
    const rejects = (op: StoreOp): void => {
      expect(() => store.write(1n, [put(1, bytes(1), bytes(1)), op])).toThrow(
        expect.objectContaining({ code: ErrorCode.LimitExceeded }),
      );
    };
    rejects(put(1, new Uint8Array(1025), bytes(1)));
    rejects({ kind: 'delete', space: 1, key: new Uint8Array(1025) });
    rejects(put(1, bytes(2), new Uint8Array(8 * 1024 * 1024 + 1)));
    expect(store.get(1, bytes(1))).toBeUndefined();
    expect(store.appliedPosition).toBe(0n);
    store.write(1n, [put(1, new Uint8Array(1024).fill(0xff), new Uint8Array(960).fill(1))]);
    expect(store.get(1, new Uint8Array(1024).fill(0xff))?.length).toBe(960);
    store.invariants();
  });

  it('write positions never decrease (assertion)', () => {
    const store = openStore(memoryPageFile());
    store.write(5n, []);
    expect(() => store.write(4n, [])).toThrow(/never decrease/);
  });
});
