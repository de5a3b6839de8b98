/**
 * What an open reads and checks is bounded (segment_tail.ts, storage.ts): storage checkpoints
 * by journal bytes as well as batches; the last segment is recovered in windows, not whole;
 * every CRC is checked at open, the chain only after the prefix the last checkpoint synced.
 * A bad CRC inside that prefix refuses the open with its location (never truncated as a torn
 * tail); damage after it still fails the open, and a torn tail after it is still truncated.
 *
 * A crash is simulated in-process as in storage.test.ts: the storage is abandoned, its LOCK
 * removed.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseBackendChoice } from '../../ts/crypto/index.js';
import {
  loadBackends,
  openSegmentLog,
  openStorage,
  RECORD_HEADER_BYTES,
  RecordKind,
  type ScannedRecord,
  scanRecords,
} from '../../ts/storage/index.js';
import type {
  CommitRecord,
  Storage,
  StorageBackends,
  StorageOptions,
} from '../../ts/storage/types.js';
import { ErrorCode } from '../../ts/types/index.js';

let backends: StorageBackends;
beforeAll(async () => {
  backends = await loadBackends({ choice: parseBackendChoice(process.env.KIMBERLITE_BACKEND) });
});

let root: string;
let directory: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kimberlite-bounded-'));
  directory = join(root, 'data');
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const T0 = 1_763_000_000_000_000_000n;
const PAGE = 4096;

function options(extra: Partial<StorageOptions> = {}): StorageOptions {
  return {
    directory,
    create: true,
    segmentSizeBytes: 1024 * 1024,
    checkpointEveryBatches: 1000,
    ...extra,
  };
}

function record(tenant: number, text: string): CommitRecord {
  return { tenant, stream: 1, flags: 0, payload: new TextEncoder().encode(text) };
}

async function fill(storage: Storage, from: number, to: number): Promise<void> {
  for (let b = from; b < to; b++) {
    const pad = 'x'.repeat(400);
    await storage.commit([record(1, `b${b} one ${pad}`), record(2, `b${b} two ${pad}`)], {
      timestampNs: T0 + BigInt(b),
    });
  }
}

function snapshot(storage: Storage): Record<number, string[]> {
  const out: Record<number, string[]> = {};
  for (const tenant of storage.tenants()) {
    const records = storage.read(tenant, 0n, { maxRecords: 100_000, maxBytes: 1 << 26 });
    out[tenant] = records
      .filter((r) => r.header.kind === RecordKind.Event)
      .map((r) => `${r.header.offset}/${r.header.logPosition}/${r.payload.length}`);
  }
  return out;
}

function crash(): void {
  rmSync(join(directory, 'LOCK'));
}

function segmentFile(log: string): string {
  const name = readdirSync(log).find((n) => n.endsWith('.segment'));
  if (name === undefined) throw new Error(`no segment in ${log}`);
  return join(log, name);
}

/** Every record of a segment file; records after a sync start on the next page. */
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

/** Flips a payload byte of the record at `offset` of a segment file; returns its start. */
function damageRecord(file: string, offset: bigint): number {
  const bytes = new Uint8Array(readFileSync(file));
  const target = recordsOf(bytes).find((r) => r.offset === offset);
  if (target === undefined) throw new Error(`no record at offset ${offset}`);
  const at = target.start + RECORD_HEADER_BYTES + 3;
  bytes[at] = (bytes[at] ?? 0) ^ 0x40;
  writeFileSync(file, bytes);
  return target.start;
}

/** Flips a payload byte of the record at `offset` of a tenant's partition; returns its start. */
function damageTenantRecord(tenant: number, offset: bigint): number {
  return damageRecord(segmentFile(join(directory, 'tenants', String(tenant))), offset);
}

/** The open's rejection: a CORRUPTION error whose message names all of `parts`. */
async function corruptionOf(open: Promise<unknown>): Promise<string> {
  const error = await open.then(
    () => {
      throw new Error('the open succeeded over damage');
    },
    (caught: unknown) => caught as { code?: unknown; message: string },
  );
  expect(error.code).toBe(ErrorCode.Corruption);
  return error.message;
}

describe('storage checkpoints by bytes', () => {
  it('bounds the journal a crash replays however few the batches are', async () => {
    const storage = await openStorage(backends, options({ checkpointEveryBytes: 4000 }));
    await fill(storage, 0, 20);
    const before = snapshot(storage);
    crash();
    const again = await openStorage(backends, options());
    // Each batch journals about 900 bytes: a checkpoint every 5 batches, 1000 allowed.
    expect(again.recovery.replayed).toBeLessThan(5);
    expect(snapshot(again)).toEqual(before);
    expect(again.verify().ok).toBe(true);
    await again.close();
  });

  it('rejects a checkpointEveryBytes that is not a positive integer', async () => {
    await expect(openStorage(backends, options({ checkpointEveryBytes: 0 }))).rejects.toThrow(
      /checkpointEveryBytes/,
    );
  });
});

describe('open checks only after the checkpointed prefix', () => {
  it('refuses to open over a bad CRC in the checkpointed prefix, naming where', async () => {
    const storage = await openStorage(backends, options());
    await fill(storage, 0, 10);
    await storage.close();
    const file = segmentFile(join(directory, 'tenants', '2'));
    const start = damageTenantRecord(2, 4n);
    const damaged = readFileSync(file);
    const message = await corruptionOf(openStorage(backends, options()));
    expect(message).toContain(`log tenant 2: segment ${file}, byte ${start}, offset 4:`);
    expect(message).toMatch(/CRC-32C mismatch/);
    // Nothing was changed: the damage is left for verify and a restore.
    expect(readFileSync(file).equals(damaged)).toBe(true);
  });

  it('refuses, not truncates, a bad CRC in the last checkpointed record', async () => {
    const storage = await openStorage(backends, options());
    await fill(storage, 0, 6);
    await storage.close();
    const file = segmentFile(join(directory, 'tenants', '1'));
    const last = recordsOf(new Uint8Array(readFileSync(file))).at(-1);
    if (last === undefined) throw new Error('no record');
    // With nothing after it, the full path alone would take this for a torn tail.
    const start = damageRecord(file, last.offset);
    const damaged = readFileSync(file);
    const message = await corruptionOf(openStorage(backends, options()));
    const where = `log tenant 1: segment ${file}, byte ${start}, offset ${last.offset}:`;
    expect(message).toContain(where);
    expect(readFileSync(file).equals(damaged)).toBe(true);
  });

  it('refuses to open over damage after the checkpointed prefix', async () => {
    const storage = await openStorage(backends, options());
    await fill(storage, 0, 5);
    await storage.close();
    const next = await openStorage(backends, options());
    await fill(next, 5, 12);
    crash();
    // Tenant 2's records 5.. are past the checkpoint; damage one with good records after it.
    damageTenantRecord(2, 8n);
    await expect(openStorage(backends, options())).rejects.toMatchObject({
      code: ErrorCode.Corruption,
    });
  });

  it('still truncates a torn tail after the checkpointed prefix', async () => {
    const storage = await openStorage(backends, options());
    await fill(storage, 0, 5);
    await storage.close();
    const next = await openStorage(backends, options());
    await fill(next, 5, 9);
    const before = snapshot(next);
    crash();
    const file = segmentFile(join(directory, 'tenants', '1'));
    const bytes = new Uint8Array(readFileSync(file));
    const last = recordsOf(bytes).at(-1);
    if (last === undefined) throw new Error('no record');
    // Half a record after the last one: what a write cut by a crash leaves.
    bytes.set(bytes.subarray(last.start, last.start + 100), last.end);
    writeFileSync(file, bytes);
    const again = await openStorage(backends, options());
    expect(again.recovery.truncated.map((t) => t.log)).toContain('tenant 1');
    expect(snapshot(again)).toEqual(before);
    expect(again.verify().ok).toBe(true);
    await again.close();
  });
});

describe('the last segment in windows', () => {
  it('recovers a segment larger than a window to the same records and head', () => {
    const log = join(root, 'log');
    const open = () =>
      openSegmentLog(backends, {
        directory: log,
        name: 'big',
        create: true,
        segmentSizeBytes: 64 * 1024 * 1024,
      });
    const writer = open();
    // 20 MiB in records of 300,001 bytes (they straddle the 16 MiB window), some synced apart.
    for (let i = 0; i < 70; i++) {
      const payload = new Uint8Array(300_001).fill(i);
      writer.append(
        [
          {
            kind: RecordKind.Event,
            flags: 0,
            tenant: 1,
            stream: 1,
            logPosition: BigInt(i),
            timestampNs: T0,
            payload,
          },
        ],
        { sync: i % 3 === 0 },
      );
    }
    const head = writer.head;
    const count = writer.nextOffset;
    writer.close();
    const reader = open();
    expect(reader.recovery).toBeUndefined();
    expect(reader.nextOffset).toBe(count);
    expect(reader.head).toEqual(head);
    const read = reader.read(65n, { maxRecords: 100, maxBytes: 1 << 26 });
    const events = read.filter((r) => r.header.kind === RecordKind.Event);
    expect(events.map((r) => r.payload[0])).toEqual([65, 66, 67, 68, 69].slice(0, events.length));
    expect(reader.verify().ok).toBe(true);
    reader.close();
  });

  it('finds junk after the data when the window reaches the end of the file', () => {
    const log = join(root, 'log');
    const open = () =>
      openSegmentLog(backends, {
        directory: log,
        name: 'small',
        create: true,
        segmentSizeBytes: 8192,
      });
    const writer = open();
    const event = { kind: RecordKind.Event, flags: 0, tenant: 1, stream: 1 } as const;
    const payload = new Uint8Array(500).fill(7);
    writer.append([{ ...event, logPosition: 0n, timestampNs: T0, payload }], { sync: true });
    const count = writer.nextOffset;
    writer.close();
    const file = segmentFile(log);
    const bytes = new Uint8Array(readFileSync(file));
    // Past the first page (the data's): a torn multi-page write's remains, not a record.
    bytes.fill(0xee, PAGE + 100, PAGE + 400);
    writeFileSync(file, bytes);
    const reader = open();
    expect(reader.recovery?.reason).toMatch(/junk|non-zero/);
    expect(reader.nextOffset).toBe(count);
    expect(new Uint8Array(readFileSync(file)).subarray(PAGE).every((b) => b === 0)).toBe(true);
    reader.close();
  });

  it('CRC-checks a checkpointed prefix across windows, naming the damaged record', () => {
    const log = join(root, 'log');
    const open = (trusted?: { offset: bigint; head: Uint8Array }) =>
      openSegmentLog(backends, {
        directory: log,
        name: 'big',
        create: true,
        segmentSizeBytes: 64 * 1024 * 1024,
        ...(trusted === undefined ? {} : { trusted }),
      });
    const writer = open();
    // 20 MiB in records of 300,001 bytes: record 60 lies in the second 16 MiB window.
    for (let i = 0; i < 70; i++) {
      const payload = new Uint8Array(300_001).fill(i);
      const event = { kind: RecordKind.Event, flags: 0, tenant: 1, stream: 1 } as const;
      writer.append([{ ...event, logPosition: BigInt(i), timestampNs: T0, payload }], {
        sync: i % 3 === 0,
      });
    }
    const trusted = { offset: writer.nextOffset, head: writer.head };
    writer.close();
    // The fast path over a clean prefix: same records and head.
    const clean = open(trusted);
    expect(clean.recovery).toBeUndefined();
    expect(clean.nextOffset).toBe(trusted.offset);
    expect(clean.head).toEqual(trusted.head);
    clean.close();
    const file = segmentFile(log);
    const start = damageRecord(file, 60n);
    expect(start).toBeGreaterThan(16 * 1024 * 1024);
    const damaged = readFileSync(file);
    expect(() => open(trusted)).toThrow(
      expect.objectContaining({
        code: ErrorCode.Corruption,
        message: expect.stringContaining(`log big: segment ${file}, byte ${start}, offset 60:`),
      }),
    );
    expect(readFileSync(file).equals(damaged)).toBe(true);
  });
});
