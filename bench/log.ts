/**
 * `npm run bench -- log`: the SegmentLog's durable append rate against the physical limit of
 * the same disk, measured in the same run (storage issue, "Benchmark and target").
 *
 * For 128 B and 1 KiB records at batch sizes 1, 64, 1,024 and 8,190, two operations:
 *
 * - **log**: `append(batch, { sync: true })` to a fresh SegmentLog (default segment size);
 * - **limit**: the same bytes the log writes (80-byte header + payload per record), hashed
 *   with one `crypto.hash('sha256')` call per record, then written with one `fs.writeSync`
 *   and one `fs.fdatasyncSync` into a pre-allocated, zeroed file: what any durable log must
 *   at least do, with no framing, chaining, CRC, index or roll work.
 *
 * And one synced 4 KiB write (`writeSync` + `fdatasyncSync` on a pre-zeroed file), the floor
 * for the latency of one durable append. Each cell's operations are measured in turns, one
 * run each per round, so a drifting disk weighs on the log and its limit alike.
 *
 * Targets: at batch 1,024 the log reaches >= 70% of the limit; at batch 1 one append takes
 * <= 1.5x one synced 4 KiB write.
 */
import { hash as nodeHash } from 'node:crypto';
import { closeSync, fdatasyncSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { openSegmentLog, RECORD_HEADER_BYTES, RecordKind } from '../ts/storage/index.js';
import type { AppendRecord, StorageBackends } from '../ts/storage/types.js';
import { filled, type Measurement, type MeasureOptions, measure, median } from './measure.js';
import { formatTable, grouped } from './report.js';

export const LOG_RECORD_BYTES = [128, 1024] as const;
export const LOG_BATCH_RECORDS = [1, 64, 1024, 8190] as const;
const PAGE_BYTES = 4096;
/** The limit's file: large enough that a run wraps around it rarely, small enough to zero fast. */
const LIMIT_FILE_BYTES_MIN = 64 * 1024 * 1024;
const ZERO_CHUNK_BYTES = 1024 * 1024;

/** The targets. */
export const LOG_TARGETS = {
  /** At this batch size the log reaches at least `limitRatioMin` of the limit's records/s. */
  throughputBatchRecords: 1024,
  limitRatioMin: 0.7,
  /** At batch 1, one append takes at most this many synced 4 KiB writes. */
  latencyRatioMax: 1.5,
} as const;

export interface LogRow {
  readonly recordBytes: number;
  readonly batchRecords: number;
  /** One operation appends (or writes) one batch. */
  readonly log: Measurement;
  readonly limit: Measurement;
  /** At batch 1: the synced 4 KiB write, measured in turns with this row's log and limit. */
  readonly syncedWrite4KiB?: Measurement;
}

export interface LogResults {
  readonly rows: LogRow[];
  /** One 4 KiB `writeSync` + `fdatasyncSync` per operation. */
  readonly syncedWrite4KiB: Measurement;
}

function roundUpToPage(bytes: number): number {
  return Math.ceil(bytes / PAGE_BYTES) * PAGE_BYTES;
}

/** Creates `path` as `sizeBytes` of synced zeros, like a pre-allocated segment. */
function zeroedFile(path: string, sizeBytes: number): number {
  rmSync(path, { force: true });
  const fd = openSync(path, 'w+');
  const zeros = new Uint8Array(ZERO_CHUNK_BYTES);
  for (let at = 0; at < sizeBytes; at += ZERO_CHUNK_BYTES) {
    writeSync(fd, zeros, 0, Math.min(ZERO_CHUNK_BYTES, sizeBytes - at), at);
  }
  fdatasyncSync(fd);
  return fd;
}

/** An operation to measure, and how to clean up after it. */
interface Operation {
  readonly label: string;
  readonly run: () => void;
  readonly close: () => void;
}

/** One synced 4 KiB write per operation, wrapping around a pre-zeroed file. */
function syncedWrite4KiB(directory: string): Operation {
  const path = join(directory, 'write-4k.bin');
  const fd = zeroedFile(path, LIMIT_FILE_BYTES_MIN);
  const page = filled(PAGE_BYTES, 4);
  let positionBytes = 0;
  return {
    label: 'synced 4 KiB write',
    run: () => {
      writeSync(fd, page, 0, PAGE_BYTES, positionBytes);
      fdatasyncSync(fd);
      positionBytes = (positionBytes + PAGE_BYTES) % LIMIT_FILE_BYTES_MIN;
    },
    close: () => {
      closeSync(fd);
      rmSync(path, { force: true });
    },
  };
}

/** The physical limit: one SHA-256 call per record, one write and one fdatasync per batch. */
function limitOperation(directory: string, recordBytes: number, batchRecords: number): Operation {
  const frameBytes = RECORD_HEADER_BYTES + recordBytes;
  const batchBytes = frameBytes * batchRecords;
  const stepBytes = roundUpToPage(batchBytes);
  const fileBytes = Math.max(LIMIT_FILE_BYTES_MIN, 4 * stepBytes);
  const path = join(directory, 'limit.bin');
  const fd = zeroedFile(path, fileBytes);
  const batch = filled(batchBytes, recordBytes + batchRecords);
  let positionBytes = 0;
  return {
    label: `limit ${recordBytes} B x ${batchRecords}`,
    run: () => {
      for (let at = 0; at < batchBytes; at += frameBytes) {
        nodeHash('sha256', batch.subarray(at, at + frameBytes), 'buffer');
      }
      if (positionBytes + stepBytes > fileBytes) positionBytes = 0;
      writeSync(fd, batch, 0, batchBytes, positionBytes);
      fdatasyncSync(fd);
      // Like the log, the next batch starts on a fresh page: a synced page is not rewritten.
      positionBytes += stepBytes;
    },
    close: () => {
      closeSync(fd);
      rmSync(path, { force: true });
    },
  };
}

/** The log: one `append(batch, { sync: true })` per operation to a fresh SegmentLog. */
function logOperation(
  backends: StorageBackends,
  directory: string,
  recordBytes: number,
  batchRecords: number,
): Operation {
  const logDirectory = join(directory, `log-${recordBytes}-${batchRecords}`);
  rmSync(logDirectory, { recursive: true, force: true });
  const payload = filled(recordBytes, recordBytes);
  const records: AppendRecord[] = Array.from({ length: batchRecords }, (_, i) => ({
    kind: RecordKind.Event,
    flags: 0,
    tenant: 1,
    stream: 0,
    logPosition: BigInt(i),
    timestampNs: 1_700_000_000_000_000_000n,
    payload,
  }));
  const log = openSegmentLog(backends, { directory: logDirectory, name: 'bench', create: true });
  return {
    label: `log ${recordBytes} B x ${batchRecords}`,
    run: () => {
      log.append(records, { sync: true });
    },
    close: () => {
      log.close();
      rmSync(logDirectory, { recursive: true, force: true });
    },
  };
}

/**
 * Measures the operations in turns, one run each per round, so the disk's slow minutes (a
 * shared virtual disk drifts by 2x) fall on all of them alike; then takes each one's median.
 */
function interleaved(operations: readonly Operation[], options: MeasureOptions): Measurement[] {
  const runs = operations.map((): number[] => []);
  try {
    for (let round = 0; round < options.runs; round++) {
      operations.forEach((operation, i) => {
        const once = measure(operation.label, operation.run, { ...options, runs: 1 });
        runs[i]?.push(...once.runs);
      });
    }
  } finally {
    for (const operation of operations) operation.close();
  }
  return runs.map((values) => ({ opsPerSecond: median(values), runs: values }));
}

function progress(label: string, measurement: Measurement, records: number): void {
  const perSecond = grouped(measurement.opsPerSecond * records);
  process.stderr.write(`  ${label}: ${perSecond} records/s\n`);
}

/**
 * Runs every cell, the log and its limit in turns; at batch 1 the synced 4 KiB write takes
 * turns too. `directory` (under bench/results/) holds the logs and files meanwhile.
 */
export function runLogBenchmarks(
  backends: StorageBackends,
  options: MeasureOptions,
  directory: string,
): LogResults {
  mkdirSync(directory, { recursive: true });
  const rows: LogRow[] = [];
  const writeRuns: number[] = [];
  for (const recordBytes of LOG_RECORD_BYTES) {
    for (const batchRecords of LOG_BATCH_RECORDS) {
      const operations = [
        limitOperation(directory, recordBytes, batchRecords),
        logOperation(backends, directory, recordBytes, batchRecords),
      ];
      if (batchRecords === 1) operations.push(syncedWrite4KiB(directory));
      const [limit, log, write] = interleaved(operations, options);
      if (limit === undefined || log === undefined) throw new Error('a measurement is missing');
      progress(`limit ${recordBytes} B x ${batchRecords}`, limit, batchRecords);
      progress(`log ${recordBytes} B x ${batchRecords}`, log, batchRecords);
      if (write === undefined) {
        rows.push({ recordBytes, batchRecords, log, limit });
      } else {
        writeRuns.push(...write.runs);
        rows.push({ recordBytes, batchRecords, log, limit, syncedWrite4KiB: write });
      }
    }
  }
  const syncedWrite = { opsPerSecond: median(writeRuns), runs: writeRuns };
  progress('synced 4 KiB write', syncedWrite, 1);
  return { rows, syncedWrite4KiB: syncedWrite };
}

function megabytes(row: LogRow, measurement: Measurement): string {
  return ((measurement.opsPerSecond * row.batchRecords * row.recordBytes) / 1e6).toFixed(1);
}

/**
 * The table: records/s and payload MB/s of the log and of the limit, their ratio, the log's
 * latency, and at batch 1 the synced 4 KiB write measured in turns with that row.
 */
export function formatLogRows(results: LogResults): string {
  const header = [
    'record',
    'batch',
    'log rec/s',
    'log MB/s',
    'limit rec/s',
    'limit MB/s',
    'log/limit',
    'us/append',
    'us/4K write',
  ];
  const lines = results.rows.map((row) => [
    row.recordBytes >= 1024 ? `${row.recordBytes / 1024} KiB` : `${row.recordBytes} B`,
    grouped(row.batchRecords),
    grouped(row.log.opsPerSecond * row.batchRecords),
    megabytes(row, row.log),
    grouped(row.limit.opsPerSecond * row.batchRecords),
    megabytes(row, row.limit),
    `${((100 * row.log.opsPerSecond) / row.limit.opsPerSecond).toFixed(0)}%`,
    (1e6 / row.log.opsPerSecond).toFixed(0),
    row.syncedWrite4KiB === undefined ? '-' : (1e6 / row.syncedWrite4KiB.opsPerSecond).toFixed(0),
  ]);
  const body = formatTable(header, lines, (column) => column >= 1);
  const writeUs = 1e6 / results.syncedWrite4KiB.opsPerSecond;
  return (
    `${body}\n\none synced 4 KiB write (writeSync + fdatasyncSync), median of the batch-1 ` +
    `rows' turns: ${writeUs.toFixed(0)} us`
  );
}

/** The two targets as `met` / `MISS` lines, like bench/report.ts `formatTargets`. */
export function formatLogTargets(results: LogResults): string {
  const lines: string[] = [];
  const percentMin = 100 * LOG_TARGETS.limitRatioMin;
  for (const row of results.rows) {
    const size = row.recordBytes >= 1024 ? `${row.recordBytes / 1024} KiB` : `${row.recordBytes} B`;
    if (row.batchRecords === LOG_TARGETS.throughputBatchRecords) {
      const ratio = row.log.opsPerSecond / row.limit.opsPerSecond;
      const verdict = ratio >= LOG_TARGETS.limitRatioMin ? 'met ' : 'MISS';
      lines.push(
        `${verdict}  log >= ${percentMin}% of the limit at batch ${row.batchRecords} x ${size}: ` +
          `${(100 * ratio).toFixed(0)}%`,
      );
    }
    if (row.batchRecords === 1) {
      const appendUs = 1e6 / row.log.opsPerSecond;
      // Against the write measured in turns with this very row: the disk drifts between rows.
      const writeUs = 1e6 / (row.syncedWrite4KiB ?? results.syncedWrite4KiB).opsPerSecond;
      const ratio = appendUs / writeUs;
      const verdict = ratio <= LOG_TARGETS.latencyRatioMax ? 'met ' : 'MISS';
      lines.push(
        `${verdict}  one ${size} append <= ${LOG_TARGETS.latencyRatioMax}x one synced 4 KiB ` +
          `write: ${appendUs.toFixed(0)} us vs ${writeUs.toFixed(0)} us (${ratio.toFixed(2)}x)`,
      );
    }
  }
  return lines.join('\n');
}
