/**
 * Tamper detection: a bit flipped anywhere in any segment's records makes `verify()` name
 * exactly that record (segment, byte position, offset); a payload changed with its CRC fixed
 * up is still caught by the chain; bits flipped in the zeros around the records are reported
 * too. Seeded: a failure prints KIMBERLITE_TEST_SEED to replay it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RECORD_HEADER_BYTES } from '../../ts/storage/index.js';
import { scanSegment } from '../../ts/storage/segment_scan.js';
import { prngFor, SEED_NOTE } from '../crypto/random.js';
import {
  backends,
  event,
  freshDirectory,
  openLog,
  patchFile,
  segmentFiles,
} from './segment_log_fixture.js';

const SEGMENT_BYTES = 8192;
const FLIPS = 150;

interface Located {
  readonly segment: string;
  readonly start: number;
  readonly end: number;
  readonly offset: bigint;
}

/** A synced log over several segments, and where each of its records lies. */
function buildLog(name: string) {
  const prng = prngFor(name);
  const directory = freshDirectory();
  const log = openLog(directory, { segmentSizeBytes: SEGMENT_BYTES, checkpointEveryRecords: 7 });
  for (let i = 0; i < 14; i++) {
    const batch = Array.from({ length: 1 + prng.int(4) }, () => event(prng.int(900), prng));
    log.append(batch, { sync: prng.int(3) === 0 });
  }
  log.sync();
  const records: Located[] = [];
  const ends = new Map<string, number>();
  for (const segment of segmentFiles(directory, '.segment')) {
    const bytes = new Uint8Array(readFileSync(segment));
    const scan = scanSegment(bytes, { fromBytes: 0, maxRecords: 1e9, wholeSegment: true });
    expect(scan.problem).toBeUndefined();
    for (const record of scan.runs.flat()) {
      records.push({ segment, start: record.start, end: record.end, offset: record.offset });
    }
    ends.set(segment, scan.dataEndBytes);
  }
  expect(records.map((r) => r.offset)).toEqual(records.map((_, i) => BigInt(i)));
  expect(log.verify().ok).toBe(true);
  return { log, records, ends, prng };
}

function flip(path: string, at: number, bit: number): void {
  patchFile(path, (bytes) => {
    bytes[at] = (bytes[at] ?? 0) ^ (1 << bit);
  });
}

describe('segment log tamper detection', () => {
  it('verify names exactly the record holding a flipped bit', () => {
    const { log, records, prng } = buildLog('tamper flips');
    for (let i = 0; i < FLIPS; i++) {
      const record = records[prng.int(records.length)];
      if (record === undefined) throw new Error('no records');
      const at = record.start + prng.int(record.end - record.start);
      const bit = prng.int(8);
      flip(record.segment, at, bit);
      const report = log.verify();
      const note = `flip bit ${bit} of byte ${at} in ${record.segment}; ${SEED_NOTE}`;
      expect(report.ok, note).toBe(false);
      if (!report.ok) {
        expect(report.location, note).toEqual({
          log: 'test',
          segment: record.segment,
          positionBytes: record.start,
          offset: record.offset,
        });
        expect(['crc', 'malformed'], note).toContain(report.failure);
        expect(report.message, note).toContain(`offset ${record.offset}`);
      }
      flip(record.segment, at, bit);
    }
    expect(log.verify().ok).toBe(true);
    log.close();
  });

  it('verify reports bits flipped in the zeros around the records', () => {
    const { log, records, ends, prng } = buildLog('tamper zeros');
    let tried = 0;
    for (let i = 0; i < 400 && tried < 40; i++) {
      const segments = [...ends.keys()];
      const segment = segments[prng.int(segments.length)] ?? '';
      const at = prng.int(SEGMENT_BYTES);
      if (records.some((r) => r.segment === segment && r.start <= at && at < r.end)) continue;
      tried += 1;
      const bit = prng.int(8);
      flip(segment, at, bit);
      const report = log.verify();
      const before = records.filter((r) => r.segment === segment && r.end <= at);
      const next =
        (before.at(-1)?.offset ?? records.find((r) => r.segment === segment)?.offset ?? 0n) +
        (before.length > 0 ? 1n : 0n);
      const note = `flip bit ${bit} of byte ${at} in ${segment}; ${SEED_NOTE}`;
      expect(report.ok, note).toBe(false);
      if (!report.ok) {
        expect(report.failure, note).toBe('malformed');
        expect(report.location.segment, note).toBe(segment);
        expect(report.location.offset, note).toBe(next);
        expect(report.location.positionBytes, note).toBeLessThanOrEqual(at);
      }
      flip(segment, at, bit);
    }
    expect(tried).toBe(40);
    expect(log.verify().ok).toBe(true);
    log.close();
  });

  it('the chain catches a payload changed with its CRC fixed up', () => {
    const { log, records, prng } = buildLog('tamper crc fixed');
    for (let i = 0; i < 40; i++) {
      const record = records[prng.int(records.length)];
      if (record === undefined) throw new Error('no records');
      const length = record.end - record.start - RECORD_HEADER_BYTES;
      if (length === 0) continue;
      const original = new Uint8Array(readFileSync(record.segment));
      patchFile(record.segment, (bytes) => {
        const at = record.start + RECORD_HEADER_BYTES + prng.int(length);
        bytes[at] = (bytes[at] ?? 0) ^ (1 + prng.int(255));
        const copy = bytes.slice(record.start, record.end);
        copy.fill(0, 44, 48);
        new DataView(bytes.buffer).setUint32(
          record.start + 44,
          backends.crc32c.compute(copy),
          true,
        );
      });
      const report = log.verify();
      const note = `record at offset ${record.offset}; ${SEED_NOTE}`;
      expect(report.ok, note).toBe(false);
      if (!report.ok) {
        expect(report.failure, note).toBe('chain');
        expect(report.location, note).toEqual({
          log: 'test',
          segment: record.segment,
          positionBytes: record.start,
          offset: record.offset,
        });
      }
      patchFile(record.segment, (bytes) => bytes.set(original));
    }
    expect(log.verify().ok).toBe(true);
    log.close();
  });
});
