/**
 * The storage engine (ts/storage/storage.ts): commits across tenants read back per tenant,
 * group commit coalescing into fewer journal entries, reopen after close replaying nothing,
 * recovery after a simulated crash (the storage abandoned without close, partitions damaged
 * or deleted) giving identical state, and verify passing, then naming what was tampered.
 *
 * A crash is simulated in-process: the open storage is abandoned (never closed, so no
 * checkpoint) and its LOCK removed, as a SIGKILL would leave it; unsynced partition writes
 * are in the page cache, so tests damage partitions by hand to force replay. Real-process
 * crashes are in test/crash/.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseBackendChoice } from '../../ts/crypto/index.js';
import {
  decodeBatchHeader,
  encodeCheckpoint,
  loadBackends,
  openSegmentLog,
  openStorage,
  RECORD_HEADER_BYTES,
  RecordKind,
  readCheckpoint,
  type ScannedRecord,
  scanRecords,
} from '../../ts/storage/index.js';
import type { SegmentFile, SegmentIo } from '../../ts/storage/segment_io/index.js';
import type {
  CommitRecord,
  Storage,
  StorageBackends,
  StorageOptions,
} from '../../ts/storage/types.js';
import { ErrorCode, KimberliteError } from '../../ts/types/index.js';

let backends: StorageBackends;
beforeAll(async () => {
  backends = await loadBackends({ choice: parseBackendChoice(process.env.KIMBERLITE_BACKEND) });
});

let root: string;
let directory: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kimberlite-storage-'));
  directory = join(root, 'data');
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const T0 = 1_763_000_000_000_000_000n;
const PAGE = 4096;

function options(extra: Partial<StorageOptions> = {}): StorageOptions {
  // Small segments, and log checkpoint records every few records, so both show up in tests.
  return {
    directory,
    create: true,
    segmentSizeBytes: 256 * 1024,
    checkpointEveryRecords: 5,
    checkpointEveryBatches: 1000,
    ...extra,
  };
}

function record(tenant: number, text: string, stream = 1): CommitRecord {
  return { tenant, stream, flags: 0, payload: new TextEncoder().encode(text) };
}

/** Every tenant's events as plain values, for comparing states. */
function snapshot(storage: Storage): Record<number, string[]> {
  const out: Record<number, string[]> = {};
  for (const tenant of storage.tenants()) {
    const records = storage.read(tenant, 0n, { maxRecords: 100_000, maxBytes: 1 << 26 });
    out[tenant] = records
      .filter((r) => r.header.kind === RecordKind.Event)
      .map(
        (r) =>
          `${r.header.offset}/${r.header.stream}/${r.header.logPosition}/` +
          `${r.header.timestampNs}/${new TextDecoder().decode(r.payload)}`,
      );
  }
  return out;
}

/** Commits `batches` sequential batches over tenants 1..3 (and 5 every other batch). */
async function fill(storage: Storage, batches: number): Promise<void> {
  for (let b = 0; b < batches; b++) {
    const records = [record(2, `b${b} two`), record(1, `b${b} one`), record(3, `b${b} three`)];
    if (b % 2 === 0) records.push(record(5, `b${b} five`, 9), record(1, `b${b} one again`));
    await storage.commit(records, { timestampNs: T0 + BigInt(b) });
  }
}

/** Leaves the storage as a crash would: not closed, no checkpoint, LOCK still there. */
function crash(_storage: Storage): void {
  rmSync(join(directory, 'LOCK'));
}

/** The segment file of a log directory (tests use one segment per log). */
function segmentFile(log: string): string {
  const name = readdirSync(log).find((n) => n.endsWith('.segment'));
  if (name === undefined) throw new Error(`no segment in ${log}`);
  return join(log, name);
}

/** Every record in a segment file's bytes; records after a sync start on the next page. */
function recordsOf(bytes: Uint8Array): ScannedRecord[] {
  const out: ScannedRecord[] = [];
  let at = 0;
  while (at < bytes.length) {
    const scan = scanRecords(bytes, { fromBytes: at, maxRecords: 1_000_000 });
    out.push(...scan.records);
    const next = Math.ceil(Math.max(scan.endBytes, at + 1) / PAGE) * PAGE;
    if (next >= bytes.length || bytes.subarray(next, next + 4).every((b) => b === 0)) break;
    at = next;
  }
  return out;
}

function journalBatches(): number {
  const journal = openSegmentLog(backends, {
    directory: join(directory, 'journal'),
    name: 'journal',
    create: false,
    segmentSizeBytes: 256 * 1024,
  });
  try {
    const records = journal.read(0n, { maxRecords: 100_000, maxBytes: 1 << 26 });
    return records.filter((r) => r.header.kind === RecordKind.BatchHeader).length;
  } finally {
    journal.close();
  }
}

describe('openStorage', () => {
  it('commits records of several tenants and reads them back per tenant', async () => {
    const storage = await openStorage(backends, options());
    expect(storage.nextPosition).toBe(0n);
    const first = await storage.commit([record(2, 'a'), record(1, 'b'), record(2, 'c')], {
      timestampNs: T0,
    });
    expect(first).toEqual({ logPosition: 0n, offsets: [0n, 0n, 1n] });
    const second = await storage.commit([record(1, 'd')], { timestampNs: T0 + 5n });
    expect(second.logPosition).toBe(1n);
    expect(storage.tenants()).toEqual([1, 2]);
    const two = storage.read(2, 0n, { maxRecords: 10, maxBytes: 1 << 20 });
    expect(two.map((r) => new TextDecoder().decode(r.payload))).toEqual(['a', 'c']);
    expect(two.map((r) => [r.header.tenant, r.header.logPosition, r.header.timestampNs])).toEqual([
      [2, 0n, T0],
      [2, 0n, T0],
    ]);
    const one = storage.read(1, second.offsets[0] ?? 0n, { maxRecords: 10, maxBytes: 1 << 20 });
    expect(one.map((r) => new TextDecoder().decode(r.payload))).toEqual(['d']);
    expect(storage.read(99, 0n, { maxRecords: 10, maxBytes: 1 << 20 })).toEqual([]);
    expect(storage.verify().ok).toBe(true);
    await storage.close();
  });

  it('lets one tenant partition be copied, opened and verified on its own', async () => {
    const storage = await openStorage(backends, options());
    for (let i = 0; i < 12; i++) {
      await storage.commit([record(1, `one ${i}`), record(2, `two ${i}`)], { timestampNs: T0 });
    }
    const expected = storage.read(2, 0n, { maxRecords: 100, maxBytes: 1 << 20 });
    await storage.close();
    // A tenant's partition is a self-contained segment log: copy it anywhere and open it
    // without the journal, the system partition or any other tenant.
    const copy = join(root, 'tenant-2-copy');
    cpSync(join(directory, 'tenants', '2'), copy, { recursive: true });
    const alone = openSegmentLog(backends, {
      directory: copy,
      name: 'tenant 2 copy',
      create: false,
    });
    expect(alone.verify()).toMatchObject({ ok: true });
    const read = alone.read(0n, { maxRecords: 100, maxBytes: 1 << 20, verified: true });
    expect(read.map((r) => r.payload)).toEqual(expected.map((r) => r.payload));
    alone.close();
  });

  it('never lets a batch timestamp go back', async () => {
    const storage = await openStorage(backends, options());
    await storage.commit([record(1, 'late')], { timestampNs: T0 + 100n });
    await storage.commit([record(1, 'early')], { timestampNs: T0 });
    const times = storage
      .read(1, 0n, { maxRecords: 10, maxBytes: 1 << 20, verified: true })
      .filter((r) => r.header.kind === RecordKind.Event)
      .map((r) => r.header.timestampNs);
    expect(times).toEqual([T0 + 100n, T0 + 100n]);
    await storage.close();
  });

  it('coalesces concurrent commits into fewer journal entries, results to callers', async () => {
    const storage = await openStorage(backends, options());
    // Ten callers, each committing five times in a row (waiting for each result).
    const results: { i: number; logPosition: bigint; offsets: readonly bigint[] }[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async (_, caller) => {
        for (let k = 0; k < 5; k++) {
          const i = caller * 5 + k;
          const result = await storage.commit([record((i % 4) + 1, `c${i}`)], {
            timestampNs: T0 + BigInt(i),
          });
          results.push({ i, ...result });
        }
      }),
    );
    expect(results.length).toBe(50);
    const positions = new Set(results.map((r) => r.logPosition));
    expect(storage.nextPosition).toBe(BigInt(positions.size));
    // Each caller's offset holds its own record.
    results.forEach(({ i, offsets }) => {
      const [stored] = storage.read((i % 4) + 1, offsets[0] ?? -1n, {
        maxRecords: 1,
        maxBytes: 1 << 20,
      });
      expect(new TextDecoder().decode(stored?.payload)).toBe(`c${i}`);
    });
    await storage.close();
    expect(journalBatches()).toBe(positions.size);
    expect(positions.size).toBeLessThanOrEqual(10);
  });

  it('rejects bad commits before writing anything', async () => {
    const storage = await openStorage(backends, options());
    await expect(storage.commit([], { timestampNs: T0 })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
    await expect(storage.commit([record(0, 'x')], { timestampNs: T0 })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
    const big = { tenant: 1, stream: 1, flags: 0, payload: new Uint8Array(8 * 1024 * 1024 + 1) };
    await expect(storage.commit([big], { timestampNs: T0 })).rejects.toMatchObject({
      code: ErrorCode.LimitExceeded,
    });
    expect(storage.nextPosition).toBe(0n);
    await storage.close();
  });

  it('refuses a second open of the same directory', async () => {
    const storage = await openStorage(backends, options());
    await expect(openStorage(backends, options())).rejects.toMatchObject({
      code: ErrorCode.DirectoryLocked,
    });
    await storage.close();
  });

  it('reopens after close replaying nothing, with the same state', async () => {
    const storage = await openStorage(backends, options());
    await fill(storage, 12);
    const before = snapshot(storage);
    await storage.close();
    const again = await openStorage(backends, options({ create: false }));
    expect(again.recovery).toEqual({ truncated: [], replayed: 0 });
    expect(again.nextPosition).toBe(12n);
    expect(snapshot(again)).toEqual(before);
    await again.commit([record(1, 'after')], { timestampNs: T0 + 99n });
    expect(again.verify().ok).toBe(true);
    await again.close();
  });

  it('takes periodic checkpoints, so a crash replays only the batches after the last', async () => {
    const storage = await openStorage(backends, options({ checkpointEveryBatches: 4 }));
    await fill(storage, 10);
    const before = snapshot(storage);
    crash(storage);
    const again = await openStorage(backends, options());
    expect(again.recovery.replayed).toBe(2);
    expect(snapshot(again)).toEqual(before);
    expect(again.verify().ok).toBe(true);
    await again.close();
  });
});

/** Segment IO whose writes to files under `journal/` fail while `failing.on` is set. */
function journalFailing(real: SegmentIo): { io: SegmentIo; failing: { on: boolean } } {
  const failing = { on: false };
  const wrap = (file: SegmentFile): SegmentFile => ({
    path: file.path,
    sizeBytes: file.sizeBytes,
    writePages(buffer, where) {
      if (failing.on && file.path.includes('/journal/')) {
        throw new KimberliteError(ErrorCode.IoError, `write ${file.path} failed: injected EIO`);
      }
      file.writePages(buffer, where);
    },
    readPages: (buffer, where) => file.readPages(buffer, where),
    sync: () => file.sync(),
    close: () => file.close(),
  });
  const io: SegmentIo = {
    info: real.info,
    allocAligned: (sizeBytes) => real.allocAligned(sizeBytes),
    open: (path, how) => wrap(real.open(path, how)),
  };
  return { io, failing };
}

describe('IO errors', () => {
  it('fail the batch and all after it; reopening recovers every acknowledged commit', async () => {
    const { io, failing } = journalFailing(backends.segmentIo);
    const storage = await openStorage({ ...backends, segmentIo: io }, options());
    await fill(storage, 5);
    const before = snapshot(storage);
    failing.on = true;
    const doomed = storage.commit([record(1, 'lost')], { timestampNs: T0 + 50n });
    await expect(doomed).rejects.toMatchObject({ code: ErrorCode.IoError });
    failing.on = false;
    await expect(storage.commit([record(2, 'after')], { timestampNs: T0 + 51n })).rejects.toThrow(
      /an earlier batch failed to become durable/,
    );
    await storage.close();
    const again = await openStorage(backends, options());
    expect(snapshot(again)).toEqual(before);
    expect(again.nextPosition).toBe(5n);
    await again.commit([record(1, 'goes on')], { timestampNs: T0 + 52n });
    expect(again.verify().ok).toBe(true);
    await again.close();
  });
});

describe('recovery after a crash', () => {
  it('replays every batch into partitions that already hold them, changing nothing', async () => {
    const storage = await openStorage(backends, options());
    await fill(storage, 9);
    const before = snapshot(storage);
    crash(storage);
    const again = await openStorage(backends, options());
    expect(again.recovery.replayed).toBe(9);
    expect(snapshot(again)).toEqual(before);
    expect(again.nextPosition).toBe(9n);
    expect(again.verify().ok).toBe(true);
    await again.close();
  });

  it('rebuilds a deleted partition from the journal, byte for byte', async () => {
    const storage = await openStorage(backends, options());
    await fill(storage, 9);
    const before = snapshot(storage);
    const file = segmentFile(join(directory, 'tenants', '1'));
    const original = readFileSync(file);
    crash(storage);
    rmSync(join(directory, 'tenants', '1'), { recursive: true });
    const again = await openStorage(backends, options());
    expect(again.recovery.replayed).toBe(9);
    expect(snapshot(again)).toEqual(before);
    expect(again.verify().ok).toBe(true);
    await again.close();
    const rebuilt = readFileSync(segmentFile(join(directory, 'tenants', '1')));
    const end = recordsOf(original).at(-1)?.end ?? 0;
    expect(rebuilt.subarray(0, end)).toEqual(original.subarray(0, end));
  });

  it('appends what a partition lost at its tail, after a checkpoint', async () => {
    const storage = await openStorage(backends, options({ checkpointEveryBatches: 3 }));
    await fill(storage, 8);
    const before = snapshot(storage);
    crash(storage);
    // Zero the records written after the last checkpoint (position 6 on): lost page cache.
    const file = segmentFile(join(directory, 'tenants', '1'));
    const bytes = new Uint8Array(readFileSync(file));
    const lost = recordsOf(bytes).filter((r) => r.logPosition >= 6n);
    expect(lost.length).toBeGreaterThan(0);
    bytes.fill(0, lost[0]?.start ?? 0);
    writeFileSync(file, bytes);
    const again = await openStorage(backends, options());
    expect(again.recovery.replayed).toBe(2);
    expect(snapshot(again)).toEqual(before);
    expect(again.verify().ok).toBe(true);
    await again.close();
  });

  it('skips a torn journal entry and reuses its log position', async () => {
    const storage = await openStorage(backends, options());
    await fill(storage, 3);
    const before = snapshot(storage);
    // Closed cleanly: the checkpoint lies before the torn entry, so both opens below meet it.
    await storage.close();
    // Append a batch header whose records never made it, as a torn journal write leaves.
    const journal = openSegmentLog(backends, {
      directory: join(directory, 'journal'),
      name: 'journal',
      create: false,
      segmentSizeBytes: 256 * 1024,
    });
    const records = journal.read(0n, { maxRecords: 1000, maxBytes: 1 << 26 });
    const lastHeader = records.filter((r) => r.header.kind === RecordKind.BatchHeader).at(-1);
    const decoded = lastHeader === undefined ? undefined : decodeBatchHeader(lastHeader.payload);
    if (decoded === undefined || !decoded.ok) throw new Error('no journal header');
    const torn = new Uint8Array(lastHeader?.payload ?? []);
    new DataView(torn.buffer).setBigUint64(8, 3n, true);
    journal.append(
      [
        {
          kind: RecordKind.BatchHeader,
          flags: 0,
          tenant: 0,
          stream: 0,
          logPosition: 3n,
          timestampNs: T0 + 3n,
          payload: torn,
        },
      ],
      { sync: true },
    );
    journal.close();
    const again = await openStorage(backends, options());
    expect(again.nextPosition).toBe(3n);
    expect(snapshot(again)).toEqual(before);
    const next = await again.commit([record(1, 'reuses 3')], { timestampNs: T0 + 3n });
    expect(next.logPosition).toBe(3n);
    const after = snapshot(again);
    // Crash again, so the next open replays the torn entry and the one that reused its position.
    crash(again);
    const reopened = await openStorage(backends, options());
    expect(reopened.recovery.replayed).toBe(1);
    expect(reopened.nextPosition).toBe(4n);
    expect(snapshot(reopened)).toEqual(after);
    expect(reopened.verify().ok).toBe(true);
    await reopened.close();
  });

  it('refuses to open when a partition lost records a checkpoint says were synced', async () => {
    const storage = await openStorage(backends, options());
    await fill(storage, 4);
    await storage.close();
    const file = segmentFile(join(directory, 'tenants', '3'));
    const bytes = new Uint8Array(readFileSync(file));
    const last = recordsOf(bytes).at(-1);
    bytes.fill(0, last?.start ?? 0);
    writeFileSync(file, bytes);
    const error = await openStorage(backends, options()).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(KimberliteError);
    expect((error as KimberliteError).code).toBe(ErrorCode.Corruption);
    expect((error as KimberliteError).message).toContain('tenant 3');
    // The failed open released the lock.
    expect(readdirSync(directory)).not.toContain('LOCK');
  });
});

describe('verify', () => {
  it('passes on a healthy directory and reports progress up to the total', async () => {
    const storage = await openStorage(backends, options());
    await fill(storage, 10);
    const progress: [bigint, bigint][] = [];
    const report = storage.verify({ onProgress: (done, total) => progress.push([done, total]) });
    expect(report.ok).toBe(true);
    const last = progress.at(-1);
    expect(last?.[0]).toBe(last?.[1]);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]?.[0]).toBeGreaterThanOrEqual(progress[i - 1]?.[0] ?? 0n);
    }
    await storage.close();
  });

  it('names the tenant and offset of a tampered partition record', async () => {
    const storage = await openStorage(backends, options());
    await fill(storage, 6);
    await storage.close();
    const again = await openStorage(backends, options());
    const file = segmentFile(join(directory, 'tenants', '2'));
    const bytes = new Uint8Array(readFileSync(file));
    const target = recordsOf(bytes).filter((r) => r.kind === RecordKind.Event)[2];
    if (target === undefined) throw new Error('no record to tamper');
    bytes[target.start + RECORD_HEADER_BYTES] =
      (bytes[target.start + RECORD_HEADER_BYTES] ?? 0) ^ 1;
    writeFileSync(file, bytes);
    const report = again.verify();
    expect(report.ok).toBe(false);
    if (!report.ok) {
      expect(report.location.log).toBe('tenant 2');
      expect(report.location.offset).toBe(target.offset);
      expect(report.failure).toBe('crc');
    }
    await again.close();
  });

  it('catches a record rewritten with a valid CRC and chain by the Merkle root', async () => {
    const storage = await openStorage(backends, options());
    await fill(storage, 3);
    await storage.close();
    // Rewrite the last record of tenant 3's partition consistently (it has no successor to
    // link to it) and fix the checkpoint's head to match: only the batch's Merkle root knows.
    const file = segmentFile(join(directory, 'tenants', '3'));
    const bytes = new Uint8Array(readFileSync(file));
    const last = recordsOf(bytes).at(-1);
    if (last === undefined) throw new Error('no record');
    const at = last.start + RECORD_HEADER_BYTES;
    bytes[at] = (bytes[at] ?? 0) ^ 1;
    const view = new DataView(bytes.buffer);
    const zeroed = bytes.slice(last.start, last.end);
    zeroed.fill(0, 44, 48);
    view.setUint32(last.start + 44, backends.crc32c.compute(zeroed), true);
    writeFileSync(file, bytes);
    const hashed = bytes.slice(last.start, last.end);
    hashed.fill(0, 44, 80);
    const head = new Uint8Array(
      createHash('sha256').update(last.previousHash).update(hashed).digest(),
    );
    const { checkpoint } = readCheckpoint(directory, { crc32c: backends.crc32c });
    if (checkpoint === undefined) throw new Error('no checkpoint');
    const tenants = checkpoint.tenants.map((t) => (t.tenant === 3 ? { ...t, head } : t));
    const forged = encodeCheckpoint(backends.crc32c, { ...checkpoint, tenants });
    writeFileSync(join(directory, 'CHECKPOINT'), forged);

    const again = await openStorage(backends, options());
    const report = again.verify();
    expect(report.ok).toBe(false);
    if (!report.ok) {
      expect(report.failure).toBe('merkle');
      expect(report.location.log).toBe('system');
      expect(report.message).toContain('log position 2');
      expect(report.message).toContain('tenants 1, 2, 3');
    }
    await again.close();
  });
});
