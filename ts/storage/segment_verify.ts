/**
 * `SegmentLog.verify`: walks every segment in order, checking each record's shape, offset, CRC
 * and chain link (continuous across segments, from 32 zero bytes at genesis), that each
 * segment holds the records its index says, that nothing but zeros follows the data, and that
 * the last record's hash is the log's head. Reports the first broken record with its exact
 * location (docs/storage-format.md, "Segment log", "Verify").
 *
 * Invariant: reads only; progress is reported at least every `PROGRESS_EVERY_RECORDS` records.
 */
import { CRYPTO } from '../types/index.js';
import { type ScannedRecord, verifyRecords } from './record.js';
import { readSpan } from './segment_files.js';
import type { SegmentFile } from './segment_io/index.js';
import type { OpenedSegment } from './segment_recovery.js';
import { scanSegment } from './segment_scan.js';
import type { RecordLocation, StorageBackends, VerifyProgress, VerifyReport } from './types.js';

const GENESIS = new Uint8Array(CRYPTO.sha256DigestBytes);
const PROGRESS_EVERY_RECORDS = 4096;

export interface VerifiedLog {
  readonly name: string;
  readonly segments: readonly OpenedSegment[];
  readonly head: Uint8Array;
  readonly file: (segment: number) => SegmentFile;
  readonly onProgress: VerifyProgress | undefined;
}

type Failure = Extract<VerifyReport, { ok: false }>['failure'];

function broken(location: RecordLocation, failure: Failure, message: string): VerifyReport {
  const at = `log ${location.log}: segment ${location.segment}, byte ${location.positionBytes}`;
  const offset = location.offset === undefined ? '' : `, offset ${location.offset}`;
  return { ok: false, location, failure, message: `${at}${offset}: ${message}` };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

export function verifyLog(backends: StorageBackends, log: VerifiedLog): VerifyReport {
  const firstOffset = log.segments[0]?.index.firstOffset ?? 0n;
  const total = (log.segments.at(-1)?.index.endOffset ?? 0n) - firstOffset;
  let done = 0n;
  let seed: Uint8Array | undefined = firstOffset === 0n ? GENESIS : undefined;
  let previous: RecordLocation | undefined;
  for (let s = 0; s < log.segments.length; s++) {
    const segment = log.segments[s];
    if (segment === undefined) break;
    const file = log.file(s);
    const { bytes } = readSpan(backends.segmentIo, file, {
      fromBytes: 0,
      toBytes: file.sizeBytes,
      transient: true,
    });
    const scan = scanSegment(bytes, {
      fromBytes: 0,
      maxRecords: Number.MAX_SAFE_INTEGER,
      wholeSegment: true,
    });
    let expected = segment.index.firstOffset;
    const locate = (record: ScannedRecord, offset: bigint): RecordLocation => ({
      log: log.name,
      segment: segment.path,
      positionBytes: record.start,
      offset,
    });
    for (const run of scan.runs) {
      for (let from = 0; from < run.length; from += PROGRESS_EVERY_RECORDS) {
        const piece = run.slice(from, from + PROGRESS_EVERY_RECORDS);
        const check = verifyRecords(backends, bytes, {
          records: piece,
          seed: seed ?? piece[0]?.previousHash ?? GENESIS,
        });
        const valid = check.ok ? piece.length : check.index;
        // Offsets of the records whose CRC held: a wrong one is a malformed log.
        for (let i = 0; i < valid; i++) {
          const record = piece[i];
          const offset = expected + BigInt(i);
          if (record !== undefined && record.offset !== offset) {
            const message = `the record says offset ${record.offset}`;
            return broken(locate(record, offset), 'malformed', message);
          }
        }
        if (!check.ok) {
          const record = piece[check.index];
          const offset = expected + BigInt(check.index);
          if (record === undefined) throw new Error('unreachable: verify names a record');
          if (check.failure === 'crc') {
            return broken(locate(record, offset), 'crc', 'CRC-32C mismatch');
          }
          if (check.failure === 'seed' && previous !== undefined) {
            return broken(previous, 'chain', "its hash is not the next record's previous hash");
          }
          const message =
            check.failure === 'seed'
              ? 'its previous hash is not the genesis hash'
              : "its hash is not the next record's previous hash";
          return broken(locate(record, offset), 'chain', message);
        }
        seed = check.head;
        const last = piece[piece.length - 1];
        expected += BigInt(piece.length);
        done += BigInt(piece.length);
        if (last !== undefined) previous = locate(last, expected - 1n);
        log.onProgress?.(done, total);
      }
    }
    if (scan.problem !== undefined) {
      const location = {
        log: log.name,
        segment: segment.path,
        positionBytes: scan.problem.positionBytes,
        offset: expected,
      };
      return broken(location, 'malformed', scan.problem.reason);
    }
    if (expected !== segment.index.endOffset) {
      const location = {
        log: log.name,
        segment: segment.path,
        positionBytes: scan.dataEndBytes,
        offset: expected,
      };
      const message = `the segment ends at offset ${expected}; the log holds records to ${
        segment.index.endOffset - 1n
      }`;
      return broken(location, 'missing', message);
    }
  }
  const head = seed ?? GENESIS;
  if (previous !== undefined && !equalBytes(head, log.head)) {
    return broken(previous, 'chain', "its hash is not the log's head");
  }
  log.onProgress?.(done, total);
  return { ok: true, records: done, head: head.slice() };
}
