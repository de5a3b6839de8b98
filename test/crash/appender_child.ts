/**
 * The SegmentLog crash test's child, a separate process so the parent can SIGKILL it for real:
 *
 *   node --import tsx test/crash/appender_child.ts <directory> <seed>
 *
 * It loads its modules and backends, prints `ready`, and waits for `go` on stdin: the parent
 * starts the next child while it is still checking the last one's crash, so start-up time is
 * not paid inside the kill window. Then it opens the log (creating it the first time), prints
 * `open <next offset> <recovery>`, and appends batches drawn from its seed until it is
 * killed: before each append `try <next offset> <batch seed>`, and after the append returns
 * (with `sync: true`, so the records are durable) `ack <first offset> <count> <batch seed>`.
 */
import { openSegmentLog, RecordKind } from '../../ts/storage/index.js';
import type { AppendRecord } from '../../ts/storage/types.js';
import { print, runChild, stamper } from './child_io.js';
import {
  batchFromSeed,
  CRASH_CHECKPOINT_EVERY_RECORDS,
  CRASH_LOG_NAME,
  CRASH_SEGMENT_BYTES,
} from './workload.js';

runChild('appender_child', async ({ backends, directory, prng, deadlineMs }) => {
  const log = openSegmentLog(backends, {
    directory,
    name: CRASH_LOG_NAME,
    segmentSizeBytes: CRASH_SEGMENT_BYTES,
    checkpointEveryRecords: CRASH_CHECKPOINT_EVERY_RECORDS,
    create: true,
  });
  const recovered = log.recovery === undefined ? '-' : log.recovery.reason;
  print({ kind: 'open', nextOffset: log.nextOffset, recovered });
  const now = stamper();
  // Synchronous on purpose: the kill lands inside an append, a sync or a segment roll.
  while (Date.now() < deadlineMs) {
    const seed = prng.u32();
    const nextOffset = log.nextOffset;
    const timestampNs = now();
    const records: AppendRecord[] = batchFromSeed(seed).map((record) => ({
      kind: RecordKind.Event,
      flags: 0,
      tenant: record.tenant,
      stream: record.stream,
      logPosition: nextOffset,
      timestampNs,
      payload: record.payload,
    }));
    print({ kind: 'try', nextOffset, seed });
    const result = log.append(records, { sync: true });
    print({ kind: 'ack', firstOffset: result.firstOffset, count: result.count, seed });
  }
  log.close();
});
