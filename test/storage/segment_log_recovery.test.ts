/**
 * Recovery at open (docs/storage-format.md, "Segment log", "Recovery"): a torn tail of the
 * last segment is zeroed and reported, at every byte position inside the last record; damage
 * that a torn write cannot explain is CORRUPTION naming the log, segment, byte and offset, and
 * nothing is changed on disk.
 */
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECORD_HEADER_BYTES } from '../../ts/storage/index.js';
import { ErrorCode } from '../../ts/types/index.js';
import { prngFor, SEED_NOTE } from '../crypto/random.js';
import {
  event,
  freshDirectory,
  openLog,
  patchFile,
  segmentFiles,
  snapshot,
} from './segment_log_fixture.js';

const SEGMENT_BYTES = 8192;
const ALL = { maxRecords: 1_000_000, maxBytes: Number.MAX_SAFE_INTEGER };

/** A log over a few segments; the last record lies at `lastStart..lastEnd` of the last one. */
function buildLog(name: string) {
  const prng = prngFor(name);
  const directory = freshDirectory();
  const log = openLog(directory, { segmentSizeBytes: SEGMENT_BYTES });
  const payloads: Uint8Array[] = [];
  for (let i = 0; i < 12; i++) {
    const batch = Array.from({ length: 1 + prng.int(3) }, () => event(200 + prng.int(600), prng));
    log.append(batch, { sync: prng.int(2) === 0 });
    payloads.push(...batch.map((r) => r.payload));
  }
  // The last record: not synced on its own page, so the torn write lands inside a page.
  const last = event(150, prng);
  log.append([last], { sync: false });
  payloads.push(last.payload);
  log.close();
  const segment = segmentFiles(directory, '.segment').at(-1) ?? '';
  const bytes = new Uint8Array(readFileSync(segment));
  const lastLength = RECORD_HEADER_BYTES + 150;
  let lastEnd = bytes.length;
  while (lastEnd > 0 && bytes[lastEnd - 1] === 0) lastEnd -= 1;
  // The payload's last byte may be zero: find the record by its length instead.
  const lastStart = findRecordStart(bytes, lastLength);
  return { directory, segment, bytes, payloads, lastStart, lastEnd: lastStart + lastLength };
}

function findRecordStart(bytes: Uint8Array, length: number): number {
  const view = new DataView(bytes.buffer);
  for (let at = bytes.length - length; at >= 0; at--) {
    if (view.getUint32(at, true) === 0x4c424d4b && view.getUint32(at + 40, true) === length - 80) {
      return at;
    }
  }
  throw new Error('last record not found');
}

function lastNonZeroBefore(bytes: Uint8Array, from: number, to: number): number {
  for (let i = to - 1; i >= from; i--) if (bytes[i] !== 0) return i;
  return -1;
}

describe('segment log recovery', () => {
  it('recovers to the previous record when the last is torn at any byte', () => {
    const { directory, segment, bytes, payloads, lastStart, lastEnd } = buildLog('torn tail');
    const lastOffset = BigInt(payloads.length - 1);
    const pristine = snapshot(directory);
    for (let cut = lastStart; cut < lastEnd; cut++) {
      // Back to the built log: an append after recovery may have rolled to a new segment.
      for (const name of readdirSync(directory)) {
        if (!pristine.has(name)) unlinkSync(join(directory, name));
      }
      for (const [name, content] of pristine) writeFileSync(join(directory, name), content);
      const torn = bytes.slice();
      torn.fill(0, cut, lastEnd);
      writeFileSync(segment, torn);
      const log = openLog(directory, { segmentSizeBytes: SEGMENT_BYTES });
      const note = `cut at byte ${cut} (record at ${lastStart}); ${SEED_NOTE}`;
      const last = lastNonZeroBefore(bytes, lastStart, cut);
      if (last < 0) {
        expect(log.recovery, note).toBeUndefined();
      } else {
        expect(log.recovery, note).toMatchObject({
          log: 'test',
          segment,
          positionBytes: lastStart,
          offset: lastOffset,
          truncatedBytes: last + 1 - lastStart,
        });
      }
      expect(log.nextOffset, note).toBe(lastOffset);
      const after = new Uint8Array(readFileSync(segment));
      expect(
        after.subarray(lastStart).every((b) => b === 0),
        note,
      ).toBe(true);
      // Appending after recovery (slower: syncs) on a sample of the cuts.
      if ((cut - lastStart) % 16 !== 0 && cut !== lastEnd - 1) {
        log.close();
        continue;
      }
      log.append([event(30)], { sync: true });
      const read = log.read(0n, ALL).map((r) => r.payload);
      expect(read, note).toEqual([...payloads.slice(0, -1), event(30).payload]);
      expect(log.verify().ok, note).toBe(true);
      log.close();
    }
  });

  it('truncates junk after the last record as a torn multi-page write', () => {
    const { directory, segment, bytes, payloads, lastEnd } = buildLog('junk tail');
    const prng = prngFor('junk tail bytes');
    const torn = bytes.slice();
    const junkBytes = Math.min(300, SEGMENT_BYTES - lastEnd - 1);
    const at = lastEnd + 1 + prng.int(SEGMENT_BYTES - lastEnd - junkBytes);
    torn.set(prng.bytes(junkBytes), at);
    torn[at] = 0xee;
    writeFileSync(segment, torn);
    const log = openLog(directory, { segmentSizeBytes: SEGMENT_BYTES });
    // The unparseable bytes begin after the last record or on the next page (padding skipped).
    const page = Math.ceil(lastEnd / 4096) * 4096;
    expect([lastEnd, page], `junk at ${at}; ${SEED_NOTE}`).toContain(log.recovery?.positionBytes);
    expect(log.recovery?.reason, SEED_NOTE).toMatch(/junk|non-zero|malformed/);
    expect(log.read(0n, ALL).map((r) => r.payload)).toEqual(payloads);
    log.close();
  });

  it('refuses a bad CRC followed by valid records: corruption, not a torn tail', () => {
    const directory = freshDirectory();
    const log = openLog(directory, { segmentSizeBytes: SEGMENT_BYTES });
    log.append(
      Array.from({ length: 5 }, () => event(100)),
      { sync: false },
    );
    log.close();
    const [segment] = segmentFiles(directory, '.segment');
    const recordBytes = RECORD_HEADER_BYTES + 100;
    patchFile(segment ?? '', (bytes) => {
      const at = 2 * recordBytes + RECORD_HEADER_BYTES + 50;
      bytes[at] = (bytes[at] ?? 0) ^ 0x40;
    });
    const before = snapshot(directory);
    expect(() => openLog(directory, { segmentSizeBytes: SEGMENT_BYTES })).toThrow(
      expect.objectContaining({
        code: ErrorCode.Corruption,
        message: expect.stringMatching(
          new RegExp(`log test: segment .*\\.segment, byte ${2 * recordBytes}, offset 2:`),
        ),
      }),
    );
    expect(snapshot(directory)).toEqual(before);
  });

  it('refuses damage in a sealed segment even when its index must be rebuilt', () => {
    const { directory } = buildLog('sealed damage');
    const [first] = segmentFiles(directory, '.segment');
    const [index] = segmentFiles(directory, '.index');
    unlinkSync(index ?? '');
    patchFile(first ?? '', (bytes) => {
      bytes[1] = (bytes[1] ?? 0) ^ 0x01;
    });
    expect(() => openLog(directory, { segmentSizeBytes: SEGMENT_BYTES })).toThrow(
      expect.objectContaining({
        code: ErrorCode.Corruption,
        message: expect.stringMatching(/00000000000000000000\.segment, byte 0, offset 0/),
      }),
    );
  });

  it('refuses a broken link between the previous segment and the last one', () => {
    const { directory } = buildLog('link damage');
    const segments = segmentFiles(directory, '.segment');
    const previous = segments.at(-2) ?? '';
    // Flip a payload byte of the previous segment's last record: its CRC fails at open.
    patchFile(previous, (bytes) => {
      let end = bytes.length;
      while (end > 0 && bytes[end - 1] === 0) end -= 1;
      bytes[end - 1] = (bytes[end - 1] ?? 0) ^ 0x02;
    });
    expect(() => openLog(directory, { segmentSizeBytes: SEGMENT_BYTES })).toThrow(
      expect.objectContaining({ code: ErrorCode.Corruption }),
    );
  });

  it('rebuilds a missing or damaged index from its segment', () => {
    const { directory, payloads } = buildLog('index rebuild');
    const indexes = segmentFiles(directory, '.index');
    const written = indexes.map((path) => readFileSync(path));
    unlinkSync(indexes[0] ?? '');
    patchFile(indexes[1] ?? '', (bytes) => {
      bytes[40] = (bytes[40] ?? 0) ^ 0xff;
    });
    const log = openLog(directory, { segmentSizeBytes: SEGMENT_BYTES });
    expect(indexes.map((path) => readFileSync(path))).toEqual(written);
    expect(log.read(0n, ALL).map((r) => r.payload)).toEqual(payloads);
    log.close();
  });
});
