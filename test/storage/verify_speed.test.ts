/**
 * Verify reads segments in bounded chunks (the written prefix, then the zero tail through a
 * second handle) instead of whole pre-allocated segments, and can run in steps that give the
 * event loop turns. These tests pin the guarantees that must survive that: every byte of every
 * segment is read and checked (a non-zero byte anywhere after the data is reported, with the
 * same reason a whole-segment scan gives), no read is larger than one chunk when the data is
 * small, the extra handles are closed, and writes issued during a database verify wait for it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Kimberlite } from '../../ts/runtime/index.js';
import type { SegmentFile, SegmentIo } from '../../ts/storage/segment_io/index.js';
import { scanSegment } from '../../ts/storage/segment_scan.js';
import { finishStepsAsync, TAIL_CHUNK_BYTES } from '../../ts/storage/segment_verify.js';
import type { AppendRecord, SegmentLog } from '../../ts/storage/types.js';
import {
  backends,
  event,
  freshDirectory,
  openLog,
  patchFile,
  segmentFiles,
} from './segment_log_fixture.js';

const MIB = 1024 * 1024;
const SEGMENT_BYTES = 3 * MIB;
const PAGE_BYTES = 4096;

interface Counted {
  readonly io: SegmentIo;
  /** Every readPages call: file, position, length. */
  readonly reads: { path: string; from: number; length: number }[];
  opens: number;
  closes: number;
}

/** The fixture's segment IO, recording every read and counting opens and closes. */
function countingIo(): Counted {
  const real = backends.segmentIo;
  const counted: Counted = {
    io: undefined as unknown as SegmentIo,
    reads: [],
    opens: 0,
    closes: 0,
  };
  const wrap = (file: SegmentFile): SegmentFile => ({
    path: file.path,
    sizeBytes: file.sizeBytes,
    writePages: (buffer, options) => file.writePages(buffer, options),
    readPages(buffer, options) {
      counted.reads.push({ path: file.path, from: options.positionBytes, length: buffer.length });
      return file.readPages(buffer, options);
    },
    sync: () => file.sync(),
    close() {
      counted.closes += 1;
      file.close();
    },
  });
  return Object.assign(counted, {
    io: {
      info: real.info,
      allocAligned: (sizeBytes: number) => real.allocAligned(sizeBytes),
      open(path: string, options: { sizeBytes: number; create: boolean }) {
        counted.opens += 1;
        return wrap(real.open(path, options));
      },
    },
  });
}

/** A log of a few small records in one 3 MiB segment, opened through a counting IO. */
function smallLog(): { log: SegmentLog; counted: Counted; segment: string; dataEnd: number } {
  const counted = countingIo();
  const directory = freshDirectory();
  const log = openLog(directory, { segmentSizeBytes: SEGMENT_BYTES, io: counted.io });
  for (let i = 0; i < 5; i++) log.append([event(300 + i * 50)], { sync: i % 2 === 0 });
  log.sync();
  const [segment] = segmentFiles(directory, '.segment');
  if (segment === undefined) throw new Error('the log has a segment');
  const scan = scanSegment(new Uint8Array(readFileSync(segment)), {
    fromBytes: 0,
    maxRecords: 1e9,
    wholeSegment: true,
  });
  expect(scan.problem).toBeUndefined();
  return { log, counted, segment, dataEnd: scan.dataEndBytes };
}

/** Whether the reads cover `[0, size)` of `path`. */
function covered(reads: Counted['reads'], path: string, size: number): boolean {
  const spans = reads
    .filter((read) => read.path === path)
    .map((read) => [read.from, read.from + read.length] as const)
    .sort((a, b) => a[0] - b[0]);
  let end = 0;
  for (const [from, to] of spans) {
    if (from > end) return false;
    end = Math.max(end, to);
  }
  return end >= size;
}

function setByte(path: string, at: number, value: number): void {
  patchFile(path, (bytes) => {
    bytes[at] = value;
  });
}

/** The reason a scan of the whole segment file gives for it, as verify reported it before. */
function wholeScanReason(path: string): string | undefined {
  const bytes = new Uint8Array(readFileSync(path));
  return scanSegment(bytes, { fromBytes: 0, maxRecords: 1e9, wholeSegment: true }).problem?.reason;
}

describe('verify reads', () => {
  it('every byte of every segment, in chunks, and closes what it opens', () => {
    const { log, counted, segment } = smallLog();
    counted.reads.length = 0;
    const opens = counted.opens;
    const closes = counted.closes;
    const report = log.verify();
    expect(report).toMatchObject({ ok: true, records: 5n });
    expect(covered(counted.reads, segment, SEGMENT_BYTES)).toBe(true);
    expect(Math.max(...counted.reads.map((read) => read.length))).toBeLessThanOrEqual(
      TAIL_CHUNK_BYTES,
    );
    expect(counted.opens - opens).toBe(counted.closes - closes);
    log.close();
  });

  it('every segment of a log that rolled, checking the chain across them', () => {
    const counted = countingIo();
    const directory = freshDirectory();
    const log = openLog(directory, { segmentSizeBytes: SEGMENT_BYTES, io: counted.io });
    const big: AppendRecord = event(512 * 1024);
    for (let i = 0; i < 8; i++) log.append([big], { sync: true });
    const segments = segmentFiles(directory, '.segment');
    expect(segments.length).toBeGreaterThan(1);
    counted.reads.length = 0;
    expect(log.verify()).toMatchObject({ ok: true, records: log.nextOffset });
    for (const segment of segments) {
      expect(covered(counted.reads, segment, SEGMENT_BYTES)).toBe(true);
    }
    log.close();
  });
});

describe('verify reports non-zero bytes after the data', () => {
  it('anywhere in the zero tail, as a whole-segment scan names them', () => {
    const { log, segment, dataEnd } = smallLog();
    const afterData = Math.ceil((dataEnd + 1) / PAGE_BYTES) * PAGE_BYTES;
    const places = [
      dataEnd + 1,
      afterData + 5,
      afterData + 2000,
      TAIL_CHUNK_BYTES - 1,
      TAIL_CHUNK_BYTES + 17,
      2 * TAIL_CHUNK_BYTES + 12_345,
      SEGMENT_BYTES - 1,
    ];
    for (const at of places) {
      setByte(segment, at, 0x41);
      const reason = wholeScanReason(segment);
      expect(reason, `byte ${at}`).toBeDefined();
      if (at >= afterData + 2000) {
        expect(reason, `byte ${at}`).toBe(`non-zero bytes at ${at}, after the end of the data`);
      }
      const report = log.verify();
      expect(report.ok, `byte ${at}`).toBe(false);
      if (report.ok) continue;
      expect(report.failure).toBe('malformed');
      expect(report.message.endsWith(`: ${reason}`), report.message).toBe(true);
      expect(report.location.segment).toBe(segment);
      setByte(segment, at, 0);
      expect(log.verify().ok, `byte ${at} restored`).toBe(true);
    }
    log.close();
  });

  it('after a record that holds a whole chunk of zeros (the prefix stops early)', () => {
    const directory = freshDirectory();
    const log = openLog(directory, { segmentSizeBytes: 4 * MIB });
    const zeros: AppendRecord = { ...event(0), payload: new Uint8Array(2 * TAIL_CHUNK_BYTES + 99) };
    log.append([event(100), zeros, event(200)], { sync: true });
    expect(log.verify()).toMatchObject({ ok: true, records: 3n });
    const [segment] = segmentFiles(directory, '.segment');
    if (segment === undefined) throw new Error('the log has a segment');
    const at = 4 * MIB - 3;
    setByte(segment, at, 7);
    const report = log.verify();
    expect(report.ok).toBe(false);
    if (!report.ok) expect(report.message).toContain(`non-zero bytes at ${at}, after the end`);
    log.close();
  });
});

describe('verify in steps', () => {
  it('gives the event loop turns and reports what the synchronous verify reports', async () => {
    const { log, segment } = smallLog();
    let turns = 0;
    let running = true;
    const spin = (): void => {
      if (!running) return;
      turns += 1;
      setImmediate(spin);
    };
    setImmediate(spin);
    const report = await finishStepsAsync(log.verifySteps(), { sliceMs: 0 });
    running = false;
    expect(report).toEqual(log.verify());
    expect(report.ok).toBe(true);
    expect(turns).toBeGreaterThan(SEGMENT_BYTES / TAIL_CHUNK_BYTES - 1);
    setByte(segment, SEGMENT_BYTES - 10, 1);
    const broken = await finishStepsAsync(log.verifySteps(), { sliceMs: 0 });
    expect(broken).toEqual(log.verify());
    expect(broken.ok).toBe(false);
    log.close();
  });
});

describe('Kimberlite.verify', () => {
  const columns = [
    { name: 'id', type: 'BIGINT' },
    { name: 'name', type: 'TEXT' },
  ] as const;

  it('holds writes issued while it runs, then applies them', async () => {
    const db = await Kimberlite.open(freshDirectory(), { segmentSizeBytes: 2 * MIB });
    const clinic = await db.createTenant(1, { name: 'clinic' });
    await clinic.createTable('patients', columns, { primaryKey: 'id' });
    await clinic.insert('patients', { id: 0n, name: 'first' });
    const verifying = db.verify();
    const writes = Array.from({ length: 20 }, (_, i) =>
      clinic.insert('patients', { id: BigInt(i + 1), name: `p${i}` }),
    );
    const [first] = await Promise.all([verifying, ...writes]);
    expect(first.ok).toBe(true);
    const second = await db.verify();
    expect(second.ok).toBe(true);
    if (first.ok && second.ok) expect(second.records).toBeGreaterThan(first.records);
    const rows = await clinic.query('SELECT COUNT(*) AS n FROM patients');
    expect(rows.rows[0]?.[0]).toBe(21n);
    await db.close();
  });

  it('runs concurrent verifies one after the other, each seeing the writes before it', async () => {
    const db = await Kimberlite.open(freshDirectory(), { segmentSizeBytes: 2 * MIB });
    const clinic = await db.createTenant(1, { name: 'clinic' });
    await clinic.createTable('patients', columns, { primaryKey: 'id' });
    const first = db.verify();
    const write = clinic.insert('patients', { id: 1n, name: 'between' });
    const second = db.verify();
    const [a, , b] = await Promise.all([first, write, second]);
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) expect(b.records).toBeGreaterThan(a.records);
    await db.close();
  });

  it('lets close wait for a running verify', async () => {
    const db = await Kimberlite.open(freshDirectory(), { segmentSizeBytes: 2 * MIB });
    const clinic = await db.createTenant(1, { name: 'clinic' });
    await clinic.createTable('patients', columns, { primaryKey: 'id' });
    const verifying = db.verify();
    const closing = db.close();
    expect((await verifying).ok).toBe(true);
    await closing;
  });
});
