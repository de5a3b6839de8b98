/**
 * Crash test of the SegmentLog with real processes (storage issue, "Tests that must exist"):
 * a child appends batches with `sync: true` and reports each acknowledged one; the parent
 * SIGKILLs it after a seeded 20-300 ms, reopens the log, and checks that every acknowledged
 * record is there with its payload, tenant and stream, that nothing was added past them but a
 * prefix of the batch in flight at the kill (after the checkpoint record the log may put
 * first), that `verify()` passes, and that the next child opens at the same next offset and
 * goes on appending to the same directory. 256 KiB segments: every child rolls one or two.
 *
 * Run with `npm run test:crash` (not part of `npm test`). Replay a run with its seed, and
 * change the number of kills (default 50):
 *
 *   KIMBERLITE_TEST_SEED=1234 KIMBERLITE_CRASH_KILLS=10 npm run test:crash
 */
import { readdirSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBackendChoice } from '../../ts/crypto/index.js';
import { loadBackends, openSegmentLog, RecordKind } from '../../ts/storage/index.js';
import type { LogRecord, SegmentLog } from '../../ts/storage/types.js';
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
  CRASH_LOG_NAME,
  CRASH_SEGMENT_BYTES,
  type CrashRecord,
} from './workload.js';

/** The issue asks for at least 50 kills across the run; this test alone makes them. */
const KILLS = killsFromEnvironment('KIMBERLITE_CRASH_KILLS', 50);

const backends = await loadBackends({ choice: parseBackendChoice(process.env.KIMBERLITE_BACKEND) });

/** Where each known record came from: its batch seed and index in the batch. */
type Origin = { readonly seed: number; readonly index: number } | 'checkpoint';

/** The parent's model of the log: every record it knows is there, by offset. */
class Expected {
  /**
   * Invariant: dense; `origins[o]` is where the record at offset `o` came from, or
   * `checkpoint` for the checkpoint records the log writes between batches.
   */
  readonly origins: Origin[] = [];
  private readonly batches = new Map<number, CrashRecord[]>();

  get end(): number {
    return this.origins.length;
  }

  batch(seed: number): CrashRecord[] {
    let batch = this.batches.get(seed);
    if (batch === undefined) {
      batch = batchFromSeed(seed);
      // Regenerating is cheap; keeping every batch would hold the whole log in memory.
      if (this.batches.size > 256) this.batches.clear();
      this.batches.set(seed, batch);
    }
    return batch;
  }

  /**
   * Checks a record read back at `offset` against what is known to be there. Plain compares
   * first: `expect` per field of hundreds of thousands of records would dominate the run.
   */
  check(found: LogRecord, offset: number, where: string): void {
    const origin = this.origins[offset];
    const message = `${where}: record at offset ${offset}`;
    if (origin === undefined) throw new Error(`${message}: nothing known there`);
    const got = found.header;
    if (origin === 'checkpoint') {
      if (got.offset !== BigInt(offset) || got.kind !== RecordKind.Checkpoint) {
        expect(got, `${message}: a checkpoint record`).toMatchObject({
          offset: BigInt(offset),
          kind: RecordKind.Checkpoint,
        });
      }
      return;
    }
    const wanted = this.batch(origin.seed)[origin.index];
    if (wanted === undefined) throw new Error(`${message}: no record ${origin.index} in batch`);
    const same =
      got.offset === BigInt(offset) &&
      got.kind === RecordKind.Event &&
      got.tenant === wanted.tenant &&
      got.stream === wanted.stream &&
      Buffer.from(found.payload).equals(wanted.payload);
    if (!same) {
      expect(
        { ...got, payload: Buffer.from(found.payload).toString('hex') },
        `${message} (batch seed ${origin.seed}, record ${origin.index})`,
      ).toMatchObject({
        offset: BigInt(offset),
        kind: RecordKind.Event,
        tenant: wanted.tenant,
        stream: wanted.stream,
        payload: Buffer.from(wanted.payload).toString('hex'),
      });
    }
  }
}

function readAll(log: SegmentLog, fromOffset: bigint, where: string): LogRecord[] {
  const records: LogRecord[] = [];
  let next = fromOffset;
  while (next < log.nextOffset) {
    const chunk = log.read(next, {
      maxRecords: READ_BOUNDS.maxRecords,
      maxBytes: READ_BOUNDS.maxBytes,
      verified: true,
    });
    const last = chunk.at(-1);
    if (last === undefined) throw new Error(`${where}: read(${next}) returned nothing`);
    records.push(...chunk);
    next = last.header.offset + 1n;
  }
  return records;
}

interface Pending {
  readonly nextOffset: bigint;
  readonly seed: number;
}

/** Folds the killed child's acknowledged batches into `expected`; returns the batch in flight. */
function absorb(expected: Expected, round: Round, where: string): Pending | undefined {
  let pending: Pending | undefined;
  for (const line of round.lines) {
    if (line.kind === 'try') {
      expect(line.nextOffset, `${where}: a batch started away from the known end`).toBe(
        BigInt(expected.end),
      );
      pending = { nextOffset: line.nextOffset, seed: line.seed };
    } else if (line.kind === 'ack') {
      expect(pending?.seed, `${where}: ack without its try`).toBe(line.seed);
      // The log may put one checkpoint record before the batch.
      const gap = Number(line.firstOffset) - expected.end;
      expect(gap === 0 || gap === 1, `${where}: acknowledged at ${line.firstOffset}`).toBe(true);
      if (gap === 1) expected.origins.push('checkpoint');
      const count = expected.batch(line.seed).length;
      expect(line.count, `${where}: acknowledged count`).toBe(count);
      for (let index = 0; index < count; index++) expected.origins.push({ seed: line.seed, index });
      pending = undefined;
    }
  }
  return pending;
}

/** Records past the acknowledged end: at most a checkpoint and a prefix of the batch in flight. */
function absorbSurvivors(
  log: SegmentLog,
  expected: Expected,
  pending: Pending | undefined,
  where: string,
): number {
  const survivors = readAll(log, BigInt(expected.end), where);
  if (survivors.length === 0) return 0;
  expect(pending, `${where}: records past the acknowledged end, no batch in flight`).toBeDefined();
  if (pending === undefined) return 0;
  const batch = expected.batch(pending.seed);
  let index = 0;
  for (const found of survivors) {
    if (
      expected.end === Number(pending.nextOffset) &&
      found.header.kind === RecordKind.Checkpoint
    ) {
      expected.origins.push('checkpoint');
    } else {
      expect(index < batch.length, `${where}: more survivors than the batch in flight had`).toBe(
        true,
      );
      expected.origins.push({ seed: pending.seed, index });
      index += 1;
    }
    expected.check(found, expected.end - 1, `${where} (unacknowledged survivor)`);
  }
  return survivors.length;
}

/** Checks one crash; returns how many unacknowledged records survived it. */
function checkRound(log: SegmentLog, expected: Expected, round: Round, where: string): number {
  const checkFrom = expected.end;
  const pending = absorb(expected, round, where);
  expect(log.nextOffset >= BigInt(expected.end), `${where}: acknowledged records lost`).toBe(true);
  const survivors = absorbSurvivors(log, expected, pending, where);
  const fullRead = round.last || (round.index + 1) % FULL_READ_EVERY_ROUNDS === 0;
  const from = fullRead ? 0 : Math.max(0, checkFrom - 1);
  const records = readAll(log, BigInt(from), where);
  expect(records.length, `${where}: records read from ${from}`).toBe(expected.end - from);
  records.forEach((found, index) => {
    expected.check(found, from + index, where);
  });
  const report = log.verify();
  expect(report.ok, `${where}: verify: ${report.ok ? '' : report.message}`).toBe(true);
  if (report.ok) expect(Buffer.from(report.head).equals(log.head), `${where}: head`).toBe(true);
  return survivors;
}

describe('SegmentLog under SIGKILL', () => {
  const title = `each acknowledged record survives ${KILLS} kills, the log verifies, appends go on`;
  it(title, async () => {
    const prng = prngFor('log crash');
    const directory = crashDirectory('log');
    const expected = new Expected();
    let reopenedAt: bigint | undefined;
    const counts = { acknowledged: 0, survivors: 0, tornTails: 0 };
    await killLoop({
      mode: 'log',
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
        counts.acknowledged += round.lines.filter((line) => line.kind === 'ack').length;
        const log = openSegmentLog(backends, {
          directory,
          name: CRASH_LOG_NAME,
          segmentSizeBytes: CRASH_SEGMENT_BYTES,
          checkpointEveryRecords: CRASH_CHECKPOINT_EVERY_RECORDS,
          create: false,
        });
        try {
          if (log.recovery !== undefined) counts.tornTails += 1;
          counts.survivors += checkRound(log, expected, round, where);
          reopenedAt = log.nextOffset;
        } finally {
          log.close();
        }
      },
    });
    console.log(
      `log crash: ${KILLS} kills, ${counts.acknowledged} acknowledged batches, ` +
        `${expected.end} records, ${counts.survivors} unacknowledged survivors, ` +
        `${counts.tornTails} torn tails recovered, ` +
        `${readdirSync(directory).filter((name) => name.endsWith('.segment')).length} segments ` +
        `(${SEED_NOTE})`,
    );
    expect(counts.acknowledged, `${SEED_NOTE}: nothing acknowledged`).toBeGreaterThan(0);
    rmSync(directory, { recursive: true, force: true });
  }, 240_000);
});
