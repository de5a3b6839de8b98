/**
 * Crash test of the embedded database with real processes: a child writes through the
 * embedded API (`Kimberlite.open`, tenants 1 and 2, table `items` with an index) with 1 to 64
 * concurrent writers and reports each write before issuing it and once its promise resolves
 * (durable, by contract); the parent SIGKILLs it after a seeded 20-300 ms, then:
 *
 * 1. replays the child's lines against a model of every key, which must predict each
 *    write's rows affected and each refused insert exactly;
 * 2. reopens the directory and reads every acknowledged write back at its own position
 *    (`get(items, key, { at: position })` is exactly the row the write left: writers own
 *    disjoint keys, so no other write to that key shares its batch), and again just before
 *    the key's next acknowledged write (one writer's writes to a key are sequential);
 * 3. reads every key at the newest position: it is the model's row, or, for a key whose
 *    write was in flight at the kill (issued, not acknowledged), the row that write would
 *    leave, since a durable write may survive unacknowledged; what is found becomes the model;
 * 4. compares full scans by primary key and by the owner index with the model;
 * 5. checks `verify()`, takes `stateHash()`, reopens with `rebuild: true` (the projection
 *    stores deleted, the log replayed from scratch) and requires the same hash and rows;
 *    every tenth kill and after the last, it reads every write any child was acknowledged
 *    back from the rebuilt history at its position, as in 2.
 *
 *   KIMBERLITE_TEST_SEED=1234 KIMBERLITE_CRASH_EMBEDDED_KILLS=30 npm run test:crash
 */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Kimberlite, type Row } from '../../ts/runtime/index.js';
import { prngFor, SEED_NOTE } from '../crypto/random.js';
import {
  crashDirectory,
  FULL_READ_EVERY_ROUNDS,
  killLoop,
  killsFromEnvironment,
  type Round,
} from './harness.js';
import {
  CRASH_SEGMENT_BYTES,
  EMBEDDED_INDEX,
  EMBEDDED_KEYS,
  EMBEDDED_TABLE,
  EMBEDDED_TENANTS,
  type RowOp,
} from './workload.js';

const KILLS = killsFromEnvironment('KIMBERLITE_CRASH_EMBEDDED_KILLS', 15);

/** A row of `items` without its key; `undefined` for no row. */
interface Item {
  readonly owner: string;
  readonly qty: bigint | null;
}

/** What `op` does to the row `before`: the row after, rows affected, or a refusal. */
function effectOf(
  op: RowOp,
  before: Item | undefined,
): { after: Item | undefined; rowsAffected: number; refused: boolean } {
  switch (op.kind) {
    case 'insert':
      if (before !== undefined) return { after: before, rowsAffected: 0, refused: true };
      return { after: { owner: op.owner, qty: op.qty }, rowsAffected: 1, refused: false };
    case 'upsert':
      return { after: { owner: op.owner, qty: op.qty }, rowsAffected: 1, refused: false };
    case 'update':
      if (before === undefined) return { after: undefined, rowsAffected: 0, refused: false };
      return { after: { owner: op.owner, qty: op.qty }, rowsAffected: 1, refused: false };
    case 'bump':
      if (before === undefined) return { after: undefined, rowsAffected: 0, refused: false };
      return { after: { owner: before.owner, qty: op.qty }, rowsAffected: 1, refused: false };
    case 'delete':
      return { after: undefined, rowsAffected: before === undefined ? 0 : 1, refused: false };
  }
}

/** JSON with bigints as strings, for failure messages. */
function show(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? 'none';
}

/** A plain check for hot loops: the message is only built on failure. */
function ensure(condition: boolean, message: () => string): void {
  if (!condition) expect.fail(message());
}

function keyOf(tenant: number, id: bigint): string {
  return `${tenant}:${id}`;
}

function rowOf(id: bigint, item: Item | undefined): Row | undefined {
  return item === undefined ? undefined : { id, owner: item.owner, qty: item.qty };
}

function itemOf(row: Row | undefined): Item | undefined {
  if (row === undefined) return undefined;
  return { owner: row.owner as string, qty: row.qty as bigint | null };
}

function sameItem(a: Item | undefined, b: Item | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.owner === b.owner && a.qty === b.qty;
}

/** An acknowledged write and the row it left at its position. */
interface Ack {
  readonly op: RowOp;
  readonly position: bigint;
  readonly after: Item | undefined;
}

class Model {
  /** tenant:id -> the row as of the last check plus every acknowledged write since. */
  readonly rows = new Map<string, Item>();
  /** tenant:id -> the position of the key's newest acknowledged write. */
  readonly positions = new Map<string, bigint>();
  /** Every child's acknowledged writes, one list per child. */
  readonly rounds: Ack[][] = [];
  /** Tenants that have had an acknowledged write (so their table and index exist). */
  readonly written = new Set<number>();
  acks = 0;
  refusals = 0;
  survivors = 0;
  lastPosition = -1n;
  /** Journal entries the parent's reopens replayed, and torn tails they truncated, in total. */
  replayed = 0;
  truncated = 0;

  /** Replays one child's lines; returns its acknowledged writes and the writes in flight. */
  absorb(round: Round, where: string): { acks: Ack[]; inFlight: Map<string, RowOp> } {
    const acks: Ack[] = [];
    const inFlight = new Map<string, RowOp>();
    for (const line of round.lines) {
      if (line.kind !== 'write' && line.kind !== 'wrote' && line.kind !== 'refused') continue;
      const key = keyOf(line.op.tenant, line.op.id);
      const text = (): string => `${where}: ${line.kind} ${show(line.op)}`;
      if (line.kind === 'write') {
        ensure(!inFlight.has(key), () => `${text()}: a second write in flight on the key`);
        inFlight.set(key, line.op);
        continue;
      }
      const issued = inFlight.get(key);
      ensure(show(issued) === show(line.op), () => `${text()}: issued was ${show(issued)}`);
      inFlight.delete(key);
      const before = this.rows.get(key);
      const effect = effectOf(line.op, before);
      if (line.kind === 'refused') {
        ensure(effect.refused, () => `${text()}: refused, but the row was ${show(before)}`);
        this.refusals += 1;
        continue;
      }
      ensure(!effect.refused, () => `${text()}: acknowledged over the row ${show(before)}`);
      ensure(
        line.rowsAffected === effect.rowsAffected,
        () => `${text()}: ${line.rowsAffected} rows affected, expected ${effect.rowsAffected}`,
      );
      const previous = this.positions.get(key) ?? -1n;
      ensure(
        line.position > previous,
        () => `${text()}: position ${line.position} not after ${previous}`,
      );
      this.positions.set(key, line.position);
      if (effect.after === undefined) this.rows.delete(key);
      else this.rows.set(key, effect.after);
      this.written.add(line.op.tenant);
      if (line.position > this.lastPosition) this.lastPosition = line.position;
      acks.push({ op: line.op, position: line.position, after: effect.after });
      this.acks += 1;
    }
    this.rounds.push(acks);
    return { acks, inFlight };
  }

  /** The model's rows of a tenant, in primary key order. */
  tenantRows(tenant: number): Row[] {
    const rows: Row[] = [];
    for (let id = 0n; id < BigInt(EMBEDDED_KEYS); id++) {
      const row = rowOf(id, this.rows.get(keyOf(tenant, id)));
      if (row !== undefined) rows.push(row);
    }
    return rows;
  }
}

function open(directory: string, rebuild: boolean): Promise<Kimberlite> {
  return Kimberlite.open(directory, { segmentSizeBytes: CRASH_SEGMENT_BYTES, rebuild });
}

/** Full scans by key and by index must hold exactly the model's rows. */
async function checkScans(db: Kimberlite, model: Model, where: string): Promise<void> {
  const live = new Set(db.tenants().map((tenant) => tenant.id));
  for (const id of EMBEDDED_TENANTS) {
    if (!model.written.has(id)) continue;
    expect(live.has(id), `${where}: tenant ${id} is gone`).toBe(true);
    const tenant = db.tenant(id);
    const wanted = model.tenantRows(id);
    expect(await tenant.scan(EMBEDDED_TABLE), `${where}: tenant ${id}, scan by key`).toEqual(
      wanted,
    );
    // The index orders by owner, then by primary key (wanted is in key order already).
    const byOwner = [...wanted].sort((a, b) => {
      const [x, y] = [String(a.owner), String(b.owner)];
      return x === y ? 0 : x < y ? -1 : 1;
    });
    const scanned = await tenant.scan(EMBEDDED_TABLE, { index: EMBEDDED_INDEX });
    expect(scanned, `${where}: tenant ${id}, scan by ${EMBEDDED_INDEX}`).toEqual(byOwner);
  }
}

/**
 * Every acknowledged write of one child, as of its own position, and still as of the position
 * just before the key's next acknowledged write of the same child (the key's writer issued
 * nothing in between; across children an unacknowledged write may sit there).
 */
async function checkAcks(db: Kimberlite, acks: readonly Ack[], where: string): Promise<void> {
  const previous = new Map<string, Ack>();
  const expectAt = async (ack: Ack, at: bigint): Promise<void> => {
    const { tenant, id } = ack.op;
    const got = await db.tenant(tenant).get(EMBEDDED_TABLE, id, { at });
    if (!sameItem(itemOf(got), ack.after)) {
      expect(
        got,
        `${where}: tenant ${tenant} key ${id} at position ${at} (${ack.op.kind} acknowledged ` +
          `at ${ack.position})`,
      ).toEqual(rowOf(id, ack.after));
    }
  };
  for (const ack of acks) {
    await expectAt(ack, ack.position);
    const key = keyOf(ack.op.tenant, ack.op.id);
    const before = previous.get(key);
    if (before !== undefined) await expectAt(before, ack.position - 1n);
    previous.set(key, ack);
  }
}

/** What the child printed about one key, for failure messages. */
function linesOn(round: Round, tenant: number, id: bigint): string {
  const found = round.lines.filter(
    (line) =>
      (line.kind === 'write' || line.kind === 'wrote' || line.kind === 'refused') &&
      line.op.tenant === tenant &&
      line.op.id === id,
  );
  return found.length === 0 ? 'none' : found.slice(-6).map(show).join('; ');
}

/** Checks one crash; returns the newest durable position of the directory afterwards. */
async function checkRound(
  model: Model,
  round: Round,
  directory: string,
  where: string,
): Promise<bigint> {
  const { acks, inFlight } = model.absorb(round, where);
  let db = await open(directory, false);
  let h1: Uint8Array;
  try {
    model.replayed += db.recovery.replayed;
    model.truncated += db.recovery.truncated.length;
    expect(
      db.position >= model.lastPosition,
      `${where}: newest position ${db.position}, acknowledged ${model.lastPosition}`,
    ).toBe(true);
    await checkAcks(db, acks, where);
    // Every key now: the model's row, or what a write in flight at the kill would leave.
    for (const tenant of EMBEDDED_TENANTS) {
      if (!db.tenants().some((t) => t.id === tenant)) continue;
      const handle = db.tenant(tenant);
      if (!(await handle.tables()).includes(EMBEDDED_TABLE)) continue;
      for (let id = 0n; id < BigInt(EMBEDDED_KEYS); id++) {
        const key = keyOf(tenant, id);
        const got = itemOf(await handle.get(EMBEDDED_TABLE, id));
        const acknowledged = model.rows.get(key);
        if (sameItem(got, acknowledged)) continue;
        const pending = inFlight.get(key);
        const survivor = pending === undefined ? undefined : effectOf(pending, acknowledged);
        if (survivor !== undefined && !survivor.refused && sameItem(got, survivor.after)) {
          model.survivors += 1;
          if (got === undefined) model.rows.delete(key);
          else model.rows.set(key, got);
          model.written.add(tenant);
          continue;
        }
        expect(
          rowOf(id, got),
          `${where}: tenant ${tenant} key ${id} now (in flight: ${pending?.kind ?? 'none'}; ` +
            `newest acknowledged at ${model.positions.get(key) ?? 'none'}; position ` +
            `${db.position}; the child's lines on the key: ${linesOn(round, tenant, id)})`,
        ).toEqual(rowOf(id, acknowledged));
      }
    }
    await checkScans(db, model, where);
    const report = await db.verify();
    expect(report.ok, `${where}: verify: ${report.ok ? '' : report.message}`).toBe(true);
    h1 = await db.stateHash();
  } finally {
    await db.close();
  }
  db = await open(directory, true);
  try {
    const h2 = await db.stateHash();
    expect(
      Buffer.from(h2).toString('hex'),
      `${where}: state hash after rebuilding from the log`,
    ).toBe(Buffer.from(h1).toString('hex'));
    await checkScans(db, model, `${where}, after rebuild`);
    if (round.last || (round.index + 1) % FULL_READ_EVERY_ROUNDS === 0) {
      // The rebuilt history, as of every position any child was given.
      for (const [index, acks] of model.rounds.entries()) {
        await checkAcks(db, acks, `${where}, after rebuild, writes of child ${index + 1}`);
      }
    }
    return db.position;
  } finally {
    await db.close();
  }
}

describe('the embedded database under SIGKILL', () => {
  const title =
    `every acknowledged write is visible at its position after ${KILLS} kills, ` +
    'and a rebuild from the log gives the same state hash';
  it(title, async () => {
    const prng = prngFor('embedded crash');
    const directory = crashDirectory('embedded');
    const model = new Model();
    let reopenedAt: bigint | undefined;
    await killLoop({
      mode: 'embedded',
      directory,
      kills: KILLS,
      prng,
      check: async (round) => {
        const where =
          `${SEED_NOTE}, kill ${round.index + 1} of ${KILLS} after ${round.delayMs} ms ` +
          `(child seed ${round.childSeed}, directory ${directory})`;
        if (round.open.kind === 'open' && reopenedAt !== undefined) {
          expect(round.open.nextOffset, `${where}: the child opened elsewhere`).toBe(reopenedAt);
        }
        reopenedAt = await checkRound(model, round, directory, where);
      },
    });
    console.log(
      `embedded crash: ${KILLS} kills, ${model.acks} acknowledged writes, ${model.refusals} ` +
        `refused inserts, ${model.survivors} unacknowledged writes survived, ` +
        `${model.replayed} journal entries replayed, ${model.truncated} torn tails (${SEED_NOTE})`,
    );
    expect(model.acks, `${SEED_NOTE}: no child wrote anything`).toBeGreaterThan(0);
    rmSync(directory, { recursive: true, force: true });
  }, 240_000);
});
