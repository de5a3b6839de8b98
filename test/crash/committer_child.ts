/**
 * The Storage crash test's child, a separate process so the parent can SIGKILL it for real:
 *
 *   node --import tsx test/crash/committer_child.ts <directory> <seed>
 *
 * Like appender_child.ts it prints `ready`, waits for `go`, opens (creating the data directory
 * the first time) and prints `open <next position> <recovery>`. Then it keeps one to four
 * commits in flight, so group commit coalesces them, and after each commit resolves (durable,
 * by contract) prints `commit <batch seed> <log position> <offset,offset,...>`. Storage
 * checkpoints every 1 to 64 batches (drawn from the seed), so kills land on both sides of one.
 */
import { openStorage } from '../../ts/storage/index.js';
import { print, runChild, stamper } from './child_io.js';
import { batchFromSeed, CRASH_CHECKPOINT_EVERY_RECORDS, CRASH_SEGMENT_BYTES } from './workload.js';

const COMMITS_IN_FLIGHT_MAX = 4;

runChild('committer_child', async ({ backends, directory, prng, deadlineMs }) => {
  const storage = await openStorage(backends, {
    directory,
    create: true,
    segmentSizeBytes: CRASH_SEGMENT_BYTES,
    checkpointEveryRecords: CRASH_CHECKPOINT_EVERY_RECORDS,
    checkpointEveryBatches: 1 + prng.int(64),
  });
  const { truncated, replayed } = storage.recovery;
  const recovered = `truncated=${truncated.length} replayed=${replayed}`;
  print({ kind: 'open', nextOffset: storage.nextPosition, recovered });
  const now = stamper();
  const worker = async (): Promise<void> => {
    while (Date.now() < deadlineMs) {
      const seed = prng.u32();
      const records = batchFromSeed(seed).map((record) => ({ ...record, flags: 0 }));
      const result = await storage.commit(records, { timestampNs: now() });
      print({ kind: 'commit', seed, logPosition: result.logPosition, offsets: result.offsets });
    }
  };
  const inFlight = 1 + prng.int(COMMITS_IN_FLIGHT_MAX);
  await Promise.all(Array.from({ length: inFlight }, worker));
  await storage.close();
});
