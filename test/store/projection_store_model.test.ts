/**
 * The projection store against a naive MVCC model: seeded random puts and deletes at
 * increasing positions (several per position, same-position overwrites, prefix keys, overflow
 * values), with a tiny cache, checkpoints, reopens and crashes at random points; after every
 * step `invariants()` holds, and `get` / `scan` at every past position answer as the model.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KeyRange, ProjectionStore, StoreOp } from '../../ts/store/index.js';
import { type Prng, prngFor, SEED_NOTE } from '../crypto/random.js';
import { crashPageFile, keyOf, Model, openStore } from './store_fixture.js';

const SPACES = [0, 1, 7, 0xffff_ffff];
const KEY = keyOf(7);

function randomKey(prng: Prng): Uint8Array {
  // Few distinct bytes and short lengths: many keys are prefixes of others.
  if (prng.int(40) === 0) return prng.bytes(200 + prng.int(825));
  const alphabet = [0x00, 0x01, 0x7f, 0xff];
  const tail = Uint8Array.from({ length: prng.int(4) }, () => alphabet[prng.int(4)] as number);
  if (prng.int(3) > 0) return tail;
  // Keys around 12 bytes sharing a prefix: the tree compares the first 12 bytes as numbers.
  const prefix = new Uint8Array(10 + prng.int(3)).fill(alphabet[prng.int(2)] as number);
  return Uint8Array.from([...prefix, ...tail]);
}

function randomValue(prng: Prng): Uint8Array {
  const roll = prng.int(30);
  if (roll === 0) return prng.bytes(961 + prng.int(9000));
  if (roll === 1) return prng.bytes(955 + prng.int(10));
  return prng.bytes(prng.int(40));
}

function randomOps(prng: Prng, model: Model): StoreOp[] {
  const known = model.keyList();
  return Array.from({ length: 1 + prng.int(4) }, (): StoreOp => {
    const reuse = known.length > 0 && prng.int(3) > 0;
    const old = reuse ? known[prng.int(known.length)] : undefined;
    const space = old?.space ?? (SPACES[prng.int(SPACES.length)] as number);
    const key = old?.key ?? randomKey(prng);
    return prng.int(4) === 0
      ? { kind: 'delete', space, key }
      : { kind: 'put', space, key, value: randomValue(prng) };
  });
}

function ranges(prng: Prng, model: Model): KeyRange[] {
  const keys = model.keyList().map((k) => k.key);
  const pick = (): Uint8Array =>
    prng.int(3) === 0 || keys.length === 0
      ? randomKey(prng)
      : (keys[prng.int(keys.length)] as Uint8Array);
  const out: KeyRange[] = [{}, { reverse: true }];
  for (let i = 0; i < 3; i++) {
    out.push({
      lower: pick(),
      lowerInclusive: prng.int(2) === 0,
      upper: pick(),
      upperInclusive: prng.int(2) === 0,
      reverse: prng.int(2) === 0,
    });
    out.push({ lower: pick(), reverse: i % 2 === 0 });
    out.push({ upper: pick(), upperInclusive: false, reverse: i % 2 === 1 });
  }
  return out;
}

/** Bytes as hex, so mismatches print readably and comparisons stay fast. */
function hex(data: Uint8Array | undefined): string | undefined {
  return data === undefined ? undefined : Buffer.from(data).toString('hex');
}

function rows(list: readonly { key: Uint8Array; value: Uint8Array }[]): string[] {
  return list.map((row) => `${hex(row.key)}=${hex(row.value)}`);
}

function checkAgainstModel(store: ProjectionStore, model: Model, prng: Prng, last: bigint): void {
  const keys = model.keyList();
  for (let at = 0n; at <= last + 1n; at++) {
    for (const k of keys) {
      expect(hex(store.get(k.space, k.key, at)), `${SEED_NOTE} get at ${at}`).toBe(
        hex(model.get(k.space, k.key, at)),
      );
    }
    for (const space of SPACES) {
      for (const range of ranges(prng, model)) {
        const got = [...store.scan(space, range, at)];
        expect(rows(got), `${SEED_NOTE} scan ${space} at ${at}`).toEqual(
          rows(model.scan(space, range, at)),
        );
      }
    }
  }
  for (const k of keys) {
    expect(hex(store.get(k.space, k.key)), SEED_NOTE).toBe(
      hex(model.get(k.space, k.key, last + 1n)),
    );
    const versions = store.versions(k.space, k.key);
    expect(
      versions.map((v) => v.createdAt),
      SEED_NOTE,
    ).toEqual(k.versions.map((v) => v.position).reverse());
    expect(versions[0]?.endedAt, SEED_NOTE).toBeUndefined();
    for (let i = 1; i < versions.length; i++) {
      expect(versions[i]?.endedAt).toBe(versions[i - 1]?.createdAt);
    }
  }
}

/** Runs `steps` random writes with checkpoints, reopens and crashes; returns the final store. */
function drive(prng: Prng, steps: number, cachePagesMax: number): void {
  let file = crashPageFile();
  let store = openStore(file, { key: KEY, cachePagesMax });
  type Step = readonly [bigint, readonly StoreOp[]];
  let history: Step[] = [];
  let durable: Step[] = [];
  let model = new Model();
  let position = 1n;
  const rebuild = (steps: readonly Step[]): Model => {
    const m = new Model();
    for (const [p, ops] of steps) m.apply(p, ops);
    return m;
  };
  for (let step = 0; step < steps; step++) {
    position += BigInt(prng.int(3) === 0 ? 0 : 1 + prng.int(2));
    const ops = randomOps(prng, model);
    store.write(position, ops);
    model.apply(position, ops);
    history.push([position, ops]);
    store.invariants();
    expect(store.stats().cachedPages, SEED_NOTE).toBeLessThanOrEqual(cachePagesMax);
    const roll = prng.int(40);
    if (roll < 3) {
      store.checkpoint({ appliedOffset: BigInt(step), state: prng.bytes(prng.int(3) * 5000) });
      durable = [...history];
      store.invariants();
    } else if (roll === 3) {
      // Close without a checkpoint: the writes since the last one are gone.
      store.close();
      store = openStore(file, { key: KEY, cachePagesMax });
      history = [...durable];
      model = rebuild(history);
      position = store.appliedPosition;
      store.invariants();
    } else if (roll === 4) {
      // Crash: unsynced writes are dropped or torn; the store opens at the last checkpoint.
      const crashed = file.crash(prng);
      store.close();
      file = crashPageFile();
      for (const [pageNo, page] of crashed.pages.entries()) file.write(pageNo, page);
      file.sync();
      store = openStore(file, { key: KEY, cachePagesMax });
      history = [...durable];
      model = rebuild(history);
      position = store.appliedPosition;
      expect(store.appliedPosition, SEED_NOTE).toBe(durable.at(-1)?.[0] ?? 0n);
      store.invariants();
    }
    if (step % 100 === 60) checkAgainstModel(store, model, prng, position);
  }
  checkAgainstModel(store, model, prng, position);
  store.close();
}

describe('projection store against an MVCC model', () => {
  it('get, scan and versions at every past position equal the model, with an 8-page cache', () => {
    drive(prngFor('model 8 pages'), 500, 8);
  });

  it('get, scan and versions equal the model with a 1-page cache and with a large one', () => {
    drive(prngFor('model 1 page'), 150, 1);
    drive(prngFor('model big cache'), 300, 4096);
  });

  it('holds for write sequences fast-check generates (shrinkable)', () => {
    const op = fc.record({
      del: fc.boolean(),
      space: fc.constantFrom(0, 1, 0xffff_ffff),
      key: fc.uint8Array({ maxLength: 3, max: 2 }),
      value: fc.oneof(
        fc.uint8Array({ maxLength: 8 }),
        fc.uint8Array({ minLength: 961, maxLength: 1200 }),
      ),
    });
    const batch = fc.record({
      advance: fc.nat(2),
      ops: fc.array(op, { minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(batch, { maxLength: 40 }), fc.nat(40), (batches, checkpointAt) => {
        const file = crashPageFile();
        const store = openStore(file, { key: null, cachePagesMax: 2 });
        const model = new Model();
        let position = 0n;
        for (const [i, b] of batches.entries()) {
          position += BigInt(b.advance);
          const ops: StoreOp[] = b.ops.map((o) =>
            o.del
              ? { kind: 'delete', space: o.space, key: o.key }
              : { kind: 'put', space: o.space, key: o.key, value: o.value },
          );
          store.write(position, ops);
          model.apply(position, ops);
          if (i === checkpointAt) store.checkpoint({ appliedOffset: 0n, state: new Uint8Array() });
          store.invariants();
        }
        for (let at = 0n; at <= position; at++) {
          for (const k of model.keyList()) {
            expect(hex(store.get(k.space, k.key, at))).toBe(hex(model.get(k.space, k.key, at)));
          }
          for (const space of [0, 1, 0xffff_ffff]) {
            expect(rows([...store.scan(space, {}, at)])).toEqual(rows(model.scan(space, {}, at)));
            const reverse = { reverse: true, lower: Uint8Array.of(1), lowerInclusive: false };
            expect(rows([...store.scan(space, reverse, at)])).toEqual(
              rows(model.scan(space, reverse, at)),
            );
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});
