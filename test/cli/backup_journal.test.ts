/**
 * The consistent cut of a journal copied during writes (ts/cli/backup_journal.ts): an intact
 * journal keeps every batch across segments; a torn last append or a damaged record in the
 * last segment cuts after the last complete batch before it; a damaged sealed segment is
 * refused as corruption.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertSealedIntact,
  cutJournalSegment,
  type JournalWalk,
  startWalk,
} from '../../ts/cli/backup_journal.js';
import { Kimberlite } from '../../ts/runtime/index.js';
import { type Backends, loadBackends } from '../../ts/storage/index.js';
import { cleanup, tempDir } from './cli_harness.js';

let backends: Backends;
let segments: Uint8Array[];
let lastPosition: bigint;

beforeAll(async () => {
  backends = await loadBackends({ choice: 'ts' });
  const dir = tempDir('journal');
  const db = await Kimberlite.open(dir, { backend: 'ts', segmentSizeBytes: 64 * 1024 });
  const tenant = await db.createTenant(1, { name: 'cut' });
  await tenant.execute('CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT)');
  for (let i = 0; i < 120; i++) {
    await tenant.execute('INSERT INTO t VALUES ($1, $2)', [i, 'x'.repeat(500)]);
  }
  lastPosition = db.position;
  await db.close();
  const journal = join(dir, 'journal');
  segments = readdirSync(journal)
    .filter((name) => name.endsWith('.segment'))
    .sort()
    .map((name) => new Uint8Array(readFileSync(join(journal, name))));
});

afterAll(cleanup);

/** Walks every segment but the last in full; returns the walk and the last segment's cut. */
function cutAll(last: Uint8Array) {
  let walk: JournalWalk = startWalk(new Uint8Array(32));
  for (const bytes of segments.slice(0, -1)) {
    const cut = cutJournalSegment(backends, bytes, walk);
    assertSealedIntact('sealed', cut.stoppedBecause);
    walk = cut.walk;
  }
  return cutJournalSegment(backends, last, walk);
}

describe('journal cut', () => {
  it('keeps every batch of an intact journal across its segments', () => {
    expect(segments.length).toBeGreaterThan(2);
    const cut = cutAll(segments.at(-1) as Uint8Array);
    expect(cut.stoppedBecause).toBeUndefined();
    expect(cut.lastPosition).toBe(lastPosition);
    expect(cut.entries).toBe(Number(lastPosition) + 1);
    expect(cut.dataBytes).toBe(cut.dataEndBytes);
  });

  it('cuts a torn last append after the last complete batch', () => {
    const last = (segments.at(-1) as Uint8Array).slice();
    const full = cutAll(last);
    // Damage the last record's payload, as a read racing the write would.
    last[full.dataBytes - 3] = (last[full.dataBytes - 3] ?? 0) ^ 0xff;
    const cut = cutAll(last);
    expect(cut.stoppedBecause).toContain('CRC');
    expect(cut.lastPosition).toBe(lastPosition - 1n);
    expect(cut.dataBytes).toBeLessThan(full.dataBytes);
  });

  it('cuts before a damaged record followed by valid ones', () => {
    const last = (segments.at(-1) as Uint8Array).slice();
    const full = cutAll(last);
    const middle = Math.floor(full.dataBytes / 2);
    last[middle] = (last[middle] ?? 0) ^ 0xff;
    const cut = cutAll(last);
    expect(cut.stoppedBecause).toBeDefined();
    expect(cut.lastPosition).toBeLessThan(lastPosition);
    expect(cut.dataBytes).toBeLessThanOrEqual(middle);
  });

  it('refuses a damaged sealed segment', () => {
    const first = (segments[0] as Uint8Array).slice();
    first[200] = (first[200] ?? 0) ^ 0xff;
    const cut = cutJournalSegment(backends, first, startWalk(new Uint8Array(32)));
    expect(() => assertSealedIntact('journal/0.segment', cut.stoppedBecause)).toThrow(
      /journal\/0.segment is sealed but does not verify/,
    );
  });
});
