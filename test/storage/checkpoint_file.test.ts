/**
 * The CHECKPOINT file (ts/storage/checkpoint_file.ts): layout, round trips, atomic
 * replacement keeping the previous file, falling back to it when the newest is damaged or
 * missing, and a clear CORRUPTION error when no checkpoint file is valid.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Crc32c, loadCrypto, parseBackendChoice } from '../../ts/crypto/index.js';
import {
  type Checkpoint,
  decodeCheckpoint,
  encodeCheckpoint,
  readCheckpoint,
  writeCheckpoint,
} from '../../ts/storage/index.js';
import { ErrorCode, KimberliteError } from '../../ts/types/index.js';

let crc32c: Crc32c;
beforeAll(async () => {
  crc32c = (await loadCrypto({ choice: parseBackendChoice(process.env.KIMBERLITE_BACKEND) }))
    .crc32c;
});

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'kimberlite-checkpoint-'));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

function sample(sequence: bigint): Checkpoint {
  return {
    sequence,
    nextPosition: 40n + sequence,
    journalNextOffset: 1000n + sequence,
    system: { nextOffset: 40n + sequence, head: new Uint8Array(32).fill(1) },
    tenants: [
      { tenant: 2, nextOffset: 7n, head: new Uint8Array(32).fill(2) },
      { tenant: 5, nextOffset: 9n, head: new Uint8Array(32).fill(5) },
    ],
  };
}

const checkpointArbitrary: fc.Arbitrary<Checkpoint> = fc.record({
  sequence: fc.bigInt({ min: 1n, max: (1n << 63n) - 1n }),
  nextPosition: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
  journalNextOffset: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
  system: fc.record({
    nextOffset: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
    head: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  }),
  tenants: fc
    .uniqueArray(fc.integer({ min: 1, max: 0xffff_ffff }), { maxLength: 10 })
    .map((ids) => [...ids].sort((a, b) => a - b))
    .chain((ids) =>
      fc.tuple(
        ...ids.map((tenant) =>
          fc.record({
            tenant: fc.constant(tenant),
            nextOffset: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
            head: fc.uint8Array({ minLength: 32, maxLength: 32 }),
          }),
        ),
      ),
    ),
});

describe('checkpoint codec', () => {
  it('round-trips any checkpoint', () => {
    fc.assert(
      fc.property(checkpointArbitrary, (checkpoint) => {
        expect(decodeCheckpoint(crc32c, encodeCheckpoint(crc32c, checkpoint))).toEqual({
          ok: true,
          checkpoint,
        });
      }),
    );
  });

  it('writes the fields at the offsets docs/storage-format.md gives', () => {
    const bytes = encodeCheckpoint(crc32c, sample(3n));
    const view = new DataView(bytes.buffer);
    expect(bytes.length).toBe(80 + 2 * 48);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('KCKP');
    expect(view.getUint16(4, true)).toBe(1);
    expect(view.getUint32(8, true)).toBe(2);
    expect(view.getBigUint64(16, true)).toBe(3n);
    expect(view.getBigUint64(24, true)).toBe(43n);
    expect(view.getBigUint64(32, true)).toBe(1003n);
    expect(view.getBigUint64(40, true)).toBe(43n);
    expect(bytes[48]).toBe(1);
    expect(view.getUint32(80, true)).toBe(2);
    expect(view.getBigUint64(88, true)).toBe(7n);
    expect(bytes[96]).toBe(2);
  });

  it('rejects any single flipped bit', () => {
    const bytes = encodeCheckpoint(crc32c, sample(1n));
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const damaged = bytes.slice();
      damaged[bit >> 3] = (damaged[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      expect(decodeCheckpoint(crc32c, damaged).ok, `bit ${bit}`).toBe(false);
    }
  });
});

describe('checkpoint files', () => {
  it('reads nothing in a fresh directory', () => {
    expect(readCheckpoint(directory, { crc32c })).toEqual({ checkpoint: undefined, skipped: [] });
  });

  it('replaces the checkpoint, keeping the one before as CHECKPOINT.previous', () => {
    writeCheckpoint(directory, { crc32c, checkpoint: sample(1n) });
    expect(existsSync(join(directory, 'CHECKPOINT.previous'))).toBe(false);
    writeCheckpoint(directory, { crc32c, checkpoint: sample(2n) });
    expect(readCheckpoint(directory, { crc32c }).checkpoint).toEqual(sample(2n));
    const previous = new Uint8Array(readFileSync(join(directory, 'CHECKPOINT.previous')));
    expect(decodeCheckpoint(crc32c, previous)).toEqual({ ok: true, checkpoint: sample(1n) });
    expect(existsSync(join(directory, 'CHECKPOINT.tmp'))).toBe(false);
  });

  it('falls back to CHECKPOINT.previous when CHECKPOINT is damaged, saying so', () => {
    writeCheckpoint(directory, { crc32c, checkpoint: sample(1n) });
    writeCheckpoint(directory, { crc32c, checkpoint: sample(2n) });
    const path = join(directory, 'CHECKPOINT');
    const bytes = readFileSync(path);
    bytes[30] = (bytes[30] ?? 0) ^ 0x10;
    writeFileSync(path, bytes);
    const read = readCheckpoint(directory, { crc32c });
    expect(read.checkpoint).toEqual(sample(1n));
    expect(read.skipped).toEqual([`${path}: CRC-32C mismatch`]);
  });

  it('falls back to CHECKPOINT.previous after a crash between the two renames', () => {
    writeCheckpoint(directory, { crc32c, checkpoint: sample(1n) });
    writeCheckpoint(directory, { crc32c, checkpoint: sample(2n) });
    rmSync(join(directory, 'CHECKPOINT'));
    writeFileSync(join(directory, 'CHECKPOINT.tmp'), 'half a checkpoint');
    expect(readCheckpoint(directory, { crc32c }).checkpoint).toEqual(sample(1n));
    expect(existsSync(join(directory, 'CHECKPOINT.tmp'))).toBe(false);
  });

  it('throws CORRUPTION when checkpoint files exist but none is valid', () => {
    writeFileSync(join(directory, 'CHECKPOINT'), 'garbage, not a checkpoint at all......');
    let error: unknown;
    try {
      readCheckpoint(directory, { crc32c });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(KimberliteError);
    expect((error as KimberliteError).code).toBe(ErrorCode.Corruption);
    expect((error as KimberliteError).message).toContain('no valid checkpoint');
  });
});
