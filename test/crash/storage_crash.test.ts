/**
 * Crash test of Storage with real processes: a child commits batches across four tenants with
 * one to four commits in flight (group commit) and reports each resolved commit, which is
 * durable by contract; the parent SIGKILLs it after a seeded 20-300 ms, reopens the data
 * directory (taking over the dead child's LOCK, replaying the journal), and checks that every
 * acknowledged record reads back from its tenant's partition at the offset it was given, that
 * `verify()` passes (journal, header chain, partitions, Merkle roots), and that the next child
 * goes on committing.
 *
 * Commits that were durable but not yet acknowledged at the kill may survive; their records
 * sit at offsets no acknowledgement names, and only their presence is allowed, not checked.
 *
 *   KIMBERLITE_TEST_SEED=1234 KIMBERLITE_CRASH_STORAGE_KILLS=10 npm run test:crash
 */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBackendChoice } from '../../ts/crypto/index.js';
import { loadBackends, openStorage } from '../../ts/storage/index.js';
import type { LogRecord, Storage } from '../../ts/storage/types.js';
import { prngFor, SEED_NOTE } from '../crypto/random.js';
import {
  crashDirectory,
  FULL_READ_EVERY_ROUNDS,
  killLoop,
  killsFromEnvironment,
  READ_BOUNDS,
  type Round,
} from './harness.js';
import {
  batchFromSeed,
  CRASH_CHECKPOINT_EVERY_RECORDS,
  CRASH_SEGMENT_BYTES,
  type CrashRecord,
} from './workload.js';

const KILLS = killsFromEnvironment('KIMBERLITE_CRASH_STORAGE_KILLS', 25);

const backends = await loadBackends({ choice: parseBackendChoice(process.env.KIMBERLITE_BACKEND) });

/** Every acknowledged record, per tenant, by partition offset. */
class Expected {
  /** tenant -> offset -> the record committed there. */
  readonly tenants = new Map<number, Map<bigint, CrashRecord>>();
  /** tenant -> the lowest offset acknowledged since the last check. */
  readonly fresh = new Map<number, bigint>();
  readonly positions = new Set<bigint>();
  commits = 0;
  /** Journal entries the parent's reopen replayed, and torn tails it truncated, in total. */
  replayed = 0;
  truncated = 0;

  absorb(round: Round, where: string): void {
    for (const line of round.lines) {
      if (line.kind !== 'commit') continue;
      this.commits += 1;
      const batch = batchFromSeed(line.seed);
      expect(line.offsets.length, `${where}: offsets of commit ${line.seed}`).toBe(batch.length);
      this.positions.add(line.logPosition);
      batch.forEach((record, index) => {
        const offset = line.offsets[index];
        if (offset === undefined) throw new Error(`${where}: no offset for record ${index}`);
        let offsets = this.tenants.get(record.tenant);
        if (offsets === undefined) {
          offsets = new Map();
          this.tenants.set(record.tenant, offsets);
        }
        expect(
          offsets.has(offset),
          `${where}: tenant ${record.tenant} offset ${offset} twice`,
        ).toBe(false);
        offsets.set(offset, record);
        const lowest = this.fresh.get(record.tenant);
        if (lowest === undefined || offset < lowest) this.fresh.set(record.tenant, offset);
      });
    }
  }
}

function readTenant(storage: Storage, tenant: number, fromOffset: bigint): LogRecord[] {
  const records: LogRecord[] = [];
  let next = fromOffset;
  for (;;) {
    const chunk = storage.read(tenant, next, {
      maxRecords: READ_BOUNDS.maxRecords,
      maxBytes: READ_BOUNDS.maxBytes,
      verified: true,
    });
    const last = chunk.at(-1);
    if (last === undefined) return records;
    records.push(...chunk);
    next = last.header.offset + 1n;
  }
}

function checkTenant(
  storage: Storage,
  tenant: number,
  wanted: Map<bigint, CrashRecord>,
  fromOffset: bigint,
  where: string,
): void {
  const found = new Map<bigint, LogRecord>();
  for (const record of readTenant(storage, tenant, fromOffset)) {
    found.set(record.header.offset, record);
  }
  for (const [offset, record] of wanted) {
    if (offset < fromOffset) continue;
    const got = found.get(offset);
    const message = `${where}: tenant ${tenant}, acknowledged offset ${offset}`;
    expect(got, `${message} is missing`).toBeDefined();
    if (got === undefined) continue;
    // Plain compares first: an `expect` per field of every record would dominate the run.
    const same =
      got.header.tenant === tenant &&
      got.header.stream === record.stream &&
      Buffer.from(got.payload).equals(record.payload);
    if (!same) {
      expect(
        { ...got.header, payload: Buffer.from(got.payload).toString('hex') },
        message,
      ).toMatchObject({
        tenant,
        stream: record.stream,
        payload: Buffer.from(record.payload).toString('hex'),
      });
    }
  }
}

/** Checks one crash; returns the next position the reopened storage reports. */
async function checkRound(
  expected: Expected,
  round: Round,
  directory: string,
  where: string,
): Promise<bigint> {
  expected.absorb(round, where);
  const storage = await openStorage(backends, {
    directory,
    create: false,
    segmentSizeBytes: CRASH_SEGMENT_BYTES,
    checkpointEveryRecords: CRASH_CHECKPOINT_EVERY_RECORDS,
  });
  try {
    expected.replayed += storage.recovery.replayed;
    expected.truncated += storage.recovery.truncated.length;
    const report = storage.verify();
    expect(report.ok, `${where}: verify: ${report.ok ? '' : report.message}`).toBe(true);
    const tenants = new Set(storage.tenants());
    const fullRead = round.last || (round.index + 1) % FULL_READ_EVERY_ROUNDS === 0;
    for (const [tenant, wanted] of expected.tenants) {
      expect(tenants.has(tenant), `${where}: tenant ${tenant} has no partition`).toBe(true);
      const fromOffset = fullRead ? 0n : (expected.fresh.get(tenant) ?? -1n);
      if (fromOffset >= 0n) checkTenant(storage, tenant, wanted, fromOffset, where);
    }
    expected.fresh.clear();
    for (const position of expected.positions) {
      expect(position < storage.nextPosition, `${where}: position ${position} lost`).toBe(true);
    }
    return storage.nextPosition;
  } finally {
    await storage.close();
  }
}

describe('Storage under SIGKILL', () => {
  const title = `each acknowledged commit survives ${KILLS} kills, storage verifies, commits go on`;
  it(title, async () => {
    const prng = prngFor('storage crash');
    const directory = crashDirectory('storage');
    const expected = new Expected();
    let reopenedAt: bigint | undefined;
    await killLoop({
      mode: 'storage',
      directory,
      kills: KILLS,
      prng,
      check: async (round) => {
        const where =
          `${SEED_NOTE}, kill ${round.index + 1} of ${KILLS} after ${round.delayMs} ms ` +
          `(child seed ${round.childSeed}, directory ${directory})`;
        if (round.open.kind === 'open' && reopenedAt !== undefined) {
          // The child's recovery must land where the parent's did.
          expect(round.open.nextOffset, `${where}: the child opened elsewhere`).toBe(reopenedAt);
        }
        reopenedAt = await checkRound(expected, round, directory, where);
      },
    });
    console.log(
      `storage crash: ${KILLS} kills, ${expected.commits} acknowledged commits, ` +
        `${expected.replayed} journal entries replayed, ${expected.truncated} torn tails ` +
        `(${SEED_NOTE})`,
    );
    expect(expected.commits, `${SEED_NOTE}: no child committed anything`).toBeGreaterThan(0);
    rmSync(directory, { recursive: true, force: true });
  }, 240_000);
});
