/**
 * The crash tests' workload, shared by the parent test and the appender child. A batch is a
 * pure function of one 32-bit seed, so the child only reports each acknowledged batch's seed
 * and offsets, and the parent regenerates every record to compare with what it reads back
 * after the kill: nothing acknowledged has to travel through the pipe.
 *
 * Sizes are small on purpose: the disk syncs in well under a millisecond, so a child appends
 * hundreds of batches before it is killed, and the parent verifies the whole log after every
 * kill; bigger records would only make the run slower, not the crashes more varied. 256 KiB
 * segments make every child roll a segment or two, so kills also land around a roll.
 */
import { Prng } from '../crypto/random.js';

/** Segments roll at this size in the crash tests: every child rolls one or two. */
export const CRASH_SEGMENT_BYTES = 256 * 1024;
/** Small, so checkpoint records land between batches every few dozen acknowledgements. */
export const CRASH_CHECKPOINT_EVERY_RECORDS = 97;
/** Records per batch are drawn from 1 to this. */
export const CRASH_BATCH_RECORDS_MAX = 16;
/** Most payloads are short; one in sixteen is drawn up to this size. */
export const CRASH_PAYLOAD_BYTES_MAX = 1500;
const SHORT_PAYLOAD_BYTES_MAX = 160;
/** Tenants the Storage test spreads its records over. */
export const CRASH_TENANTS = 4;
/** The name the SegmentLog test gives its log. */
export const CRASH_LOG_NAME = 'crash';

export interface CrashRecord {
  readonly tenant: number;
  readonly stream: number;
  readonly payload: Uint8Array;
}

/** The batch a seed stands for: 1 to 16 records of 0 to 1,500 bytes, tenants 1 to 4. */
export function batchFromSeed(seed: number): CrashRecord[] {
  const prng = new Prng(seed);
  const count = 1 + prng.int(CRASH_BATCH_RECORDS_MAX);
  const records: CrashRecord[] = [];
  for (let i = 0; i < count; i++) {
    const long = prng.int(16) === 0;
    const sizeBytes = prng.int((long ? CRASH_PAYLOAD_BYTES_MAX : SHORT_PAYLOAD_BYTES_MAX) + 1);
    records.push({
      tenant: 1 + prng.int(CRASH_TENANTS),
      stream: prng.int(4),
      payload: prng.bytes(sizeBytes),
    });
  }
  return records;
}

/** Lines the child prints; the parent parses them back with `parseLine`. */
export type ChildLine =
  | { readonly kind: 'ready' }
  | { readonly kind: 'open'; readonly nextOffset: bigint; readonly recovered: string }
  | { readonly kind: 'try'; readonly nextOffset: bigint; readonly seed: number }
  | {
      readonly kind: 'ack';
      readonly firstOffset: bigint;
      readonly count: number;
      readonly seed: number;
    }
  | {
      readonly kind: 'commit';
      readonly seed: number;
      readonly logPosition: bigint;
      readonly offsets: readonly bigint[];
    };

export function formatLine(line: ChildLine): string {
  switch (line.kind) {
    case 'ready':
      return 'ready';
    case 'open':
      return `open ${line.nextOffset} ${line.recovered}`;
    case 'try':
      return `try ${line.nextOffset} ${line.seed}`;
    case 'ack':
      return `ack ${line.firstOffset} ${line.count} ${line.seed}`;
    case 'commit':
      return `commit ${line.seed} ${line.logPosition} ${line.offsets.join(',')}`;
  }
}

/** Parses one complete line; undefined for anything else (a warning, a stack trace). */
export function parseLine(text: string): ChildLine | undefined {
  const words = text.trim().split(' ');
  const word = (i: number): string => words[i] ?? '';
  switch (word(0)) {
    case 'ready':
      return { kind: 'ready' };
    case 'open':
      return { kind: 'open', nextOffset: BigInt(word(1)), recovered: words.slice(2).join(' ') };
    case 'try':
      return { kind: 'try', nextOffset: BigInt(word(1)), seed: Number(word(2)) };
    case 'ack':
      return {
        kind: 'ack',
        firstOffset: BigInt(word(1)),
        count: Number(word(2)),
        seed: Number(word(3)),
      };
    case 'commit':
      return {
        kind: 'commit',
        seed: Number(word(1)),
        logPosition: BigInt(word(2)),
        offsets:
          word(3) === ''
            ? []
            : word(3)
                .split(',')
                .map((text) => BigInt(text)),
      };
    default:
      return undefined;
  }
}
