/**
 * Properties of the segment log (fast-check): any sequence of batches (random sizes, random
 * sync flags, segments small enough that they roll) reads back equal, before and after a
 * reopen, and verifies; the offset index rebuilt from the segments equals the one written.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordKind } from '../../ts/storage/index.js';
import type { LogRecord, SegmentLog } from '../../ts/storage/types.js';
import { TEST_SEED } from '../crypto/random.js';
import { freshDirectory, openLog, removeDirectory, segmentFiles } from './segment_log_fixture.js';

const SEGMENT_BYTES = 8192;
const ALL = { maxRecords: 1_000_000, maxBytes: Number.MAX_SAFE_INTEGER };

const batchArbitrary = fc.record({
  payloads: fc.array(fc.uint8Array({ maxLength: 2500 }), { minLength: 1, maxLength: 6 }),
  sync: fc.boolean(),
});

function events(log: SegmentLog): LogRecord[] {
  return log.read(0n, ALL).filter((r) => r.header.kind !== RecordKind.Checkpoint);
}

describe('segment log properties', () => {
  it('random batches read back equal, after a reopen too, and rebuild the same index', () => {
    fc.assert(
      fc.property(
        fc.array(batchArbitrary, { minLength: 1, maxLength: 14 }),
        fc.integer({ min: 1, max: 6 }),
        (batches, checkpointEveryRecords) => {
          const directory = freshDirectory();
          const options = { segmentSizeBytes: SEGMENT_BYTES, checkpointEveryRecords };
          const log = openLog(directory, options);
          const expected: Uint8Array[] = [];
          const offsets: bigint[] = [];
          for (const batch of batches) {
            const records = batch.payloads.map((payload, i) => ({
              kind: RecordKind.Event,
              flags: 0,
              tenant: 1,
              stream: i,
              logPosition: BigInt(expected.length),
              timestampNs: 5n,
              payload,
            }));
            const result = log.append(records, { sync: batch.sync });
            expect(result.count).toBe(records.length);
            expect(result.hashes.subarray(-32)).toEqual(result.head);
            records.forEach((record, i) => {
              expected.push(record.payload);
              offsets.push(result.firstOffset + BigInt(i));
            });
          }
          const check = (opened: SegmentLog) => {
            const read = events(opened);
            expect(read.map((r) => r.payload)).toEqual(expected);
            expect(read.map((r) => r.header.offset)).toEqual(offsets);
            const from = offsets[Math.floor(offsets.length / 2)] ?? 0n;
            const verified = opened.read(from, { maxRecords: 3, maxBytes: 4096, verified: true });
            expect(verified[0]?.header.offset).toBe(from);
            expect(opened.verify()).toMatchObject({ ok: true, records: opened.nextOffset });
          };
          check(log);
          const head = log.head;
          log.close();
          const reopened = openLog(directory, options);
          expect(reopened.recovery).toBeUndefined();
          expect(reopened.head).toEqual(head);
          check(reopened);
          reopened.close();
          const indexes = segmentFiles(directory, '.index');
          const written = indexes.map((path) => readFileSync(path));
          for (const path of indexes) unlinkSync(path);
          const rebuilt = openLog(directory, options);
          expect(indexes.map((path) => readFileSync(path))).toEqual(written);
          check(rebuilt);
          rebuilt.close();
          removeDirectory(directory);
        },
      ),
      { seed: TEST_SEED, numRuns: 25 },
    );
  });
});
