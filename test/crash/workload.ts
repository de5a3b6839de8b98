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

/** The embedded test's table: `items (id BIGINT PRIMARY KEY, owner TEXT NOT NULL, qty BIGINT)`. */
export const EMBEDDED_TABLE = 'items';
/** Its secondary index, on `owner`. */
export const EMBEDDED_INDEX = 'items_by_owner';
/** The embedded test's tenants: 1 and 2. */
export const EMBEDDED_TENANTS = [1, 2] as const;
/** Primary keys are 0 to this minus one in each tenant: small, so keys are written often. */
export const EMBEDDED_KEYS = 96;
/** Owners are `o0` to `o7`: few, so the index holds duplicates. */
export const EMBEDDED_OWNERS = 8;

/**
 * One row write of the embedded crash test. `update` sets owner and qty, `bump` only qty,
 * `delete` neither (its owner is `-`); qty may be NULL.
 */
export type RowOpKind = 'insert' | 'upsert' | 'update' | 'bump' | 'delete';
export interface RowOp {
  readonly tenant: number;
  readonly kind: RowOpKind;
  readonly id: bigint;
  readonly owner: string;
  readonly qty: bigint | null;
}

function formatOp(op: RowOp): string {
  return `${op.tenant} ${op.kind} ${op.id} ${op.owner} ${op.qty ?? 'null'}`;
}

function parseOp(words: readonly string[]): RowOp {
  const [tenant, kind, id, owner, qty] = words;
  const kinds: readonly string[] = ['insert', 'upsert', 'update', 'bump', 'delete'];
  if (kind === undefined || !kinds.includes(kind) || owner === undefined || qty === undefined) {
    throw new Error(`not a row write: ${words.join(' ')}`);
  }
  return {
    tenant: Number(tenant),
    kind: kind as RowOpKind,
    id: BigInt(id ?? ''),
    owner,
    qty: qty === 'null' ? null : BigInt(qty),
  };
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
    }
  /** Embedded: a writer is about to issue `op` (it has at most one in flight). */
  | { readonly kind: 'write'; readonly worker: number; readonly op: RowOp }
  /** Embedded: `op` resolved (durable), with its result. */
  | {
      readonly kind: 'wrote';
      readonly worker: number;
      readonly op: RowOp;
      readonly rowsAffected: number;
      readonly position: bigint;
    }
  /** Embedded: `op` was refused with an expected error code (nothing written). */
  | {
      readonly kind: 'refused';
      readonly worker: number;
      readonly op: RowOp;
      readonly code: string;
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
    case 'write':
      return `write ${line.worker} ${formatOp(line.op)}`;
    case 'wrote':
      return `wrote ${line.worker} ${formatOp(line.op)} ${line.rowsAffected} ${line.position}`;
    case 'refused':
      return `refused ${line.worker} ${formatOp(line.op)} ${line.code}`;
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
    case 'write':
      return { kind: 'write', worker: Number(word(1)), op: parseOp(words.slice(2, 7)) };
    case 'wrote':
      return {
        kind: 'wrote',
        worker: Number(word(1)),
        op: parseOp(words.slice(2, 7)),
        rowsAffected: Number(word(7)),
        position: BigInt(word(8)),
      };
    case 'refused':
      return {
        kind: 'refused',
        worker: Number(word(1)),
        op: parseOp(words.slice(2, 7)),
        code: word(7),
      };
    default:
      return undefined;
  }
}
