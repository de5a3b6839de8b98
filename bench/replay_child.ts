/**
 * One rebuild in a fresh process, as after a restart, for `npm run bench -- embedded`:
 *
 *   node --import tsx bench/replay_child.ts <directory>
 *
 * Opens the directory with `{ rebuild: true }` (every projection store deleted and replayed
 * from the log) and prints one JSON line: the rows and records replayed, the replay phase's
 * milliseconds (`db.recovery`) and the whole open's.
 */
import { Kimberlite } from '../ts/runtime/index.js';

const directory = process.argv[2];
if (directory === undefined) {
  console.error('usage: replay_child.ts <directory>');
  process.exit(2);
}
const started = performance.now();
const db = await Kimberlite.open(directory, { rebuild: true });
const openMilliseconds = performance.now() - started;
const { rows, records, milliseconds } = db.recovery;
await db.close();
console.log(JSON.stringify({ rows, records, replayMilliseconds: milliseconds, openMilliseconds }));
