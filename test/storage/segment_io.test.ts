/**
 * Segment IO on every backend that loads (the same skip-or-fail rule as the crypto suites,
 * see test/crypto/backends.ts), in two directories: `os.tmpdir()` (tmpfs on some systems,
 * where O_DIRECT is refused) and `node_modules/.cache/kimberlite-test` (the repository's own
 * disk). Pages written through one backend must read back identically through every other.
 */
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../ts/platform/build_status.js';
import { type SegmentIo, segmentIoCandidates } from '../../ts/storage/segment_io/index.js';
import { ErrorCode, KimberliteError, LIMITS } from '../../ts/types/index.js';
import { describeBackends, loadBackends } from '../crypto/backends.js';
import { prngFor, SEED_NOTE } from '../crypto/random.js';

const backends = await loadBackends('segment-io', segmentIoCandidates);

const PAGE_BYTES = LIMITS.pageSizeBytes;
/** Two 1 MiB zeroing chunks and a partial one: the pre-allocation loop's every branch. */
const SEGMENT_BYTES = 2 * 1024 * 1024 + 3 * PAGE_BYTES;

/** Filesystems that allocate written zeros (no compression or deduplication of them). */
const ALLOCATING_FILESYSTEMS = new Map<number, string>([
  [0xef53, 'ext4'],
  [0x58465342, 'xfs'],
  [0x01021994, 'tmpfs'],
]);
const TMPFS = 0x01021994;

interface Place {
  readonly label: string;
  readonly root: string;
}

const PLACES: readonly Place[] = [
  { label: 'os.tmpdir()', root: tmpdir() },
  {
    label: 'node_modules/.cache/kimberlite-test',
    root: join(packageRoot(), 'node_modules', '.cache', 'kimberlite-test'),
  },
];

/**
 * Whether `io` can open segments under `root`. A native O_DIRECT backend may refuse tmpfs;
 * that is skipped by name there, never anywhere else.
 */
function probe(io: SegmentIo, root: string): string | undefined {
  mkdirSync(root, { recursive: true });
  const directory = mkdtempSync(join(root, 'probe-'));
  try {
    io.open(join(directory, 'probe.seg'), { sizeBytes: PAGE_BYTES, create: true }).close();
    return undefined;
  } catch (error) {
    if (statfsSync(directory).type !== TMPFS) return undefined;
    return error instanceof Error ? error.message : String(error);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function errorOf(action: () => unknown): KimberliteError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(KimberliteError);
    return error as KimberliteError;
  }
  throw new Error('expected an error');
}

function pagesSuite(io: SegmentIo, place: Place): void {
  let directory = '';
  let serial = 0;
  const freshPath = (): string => join(directory, `segment-${serial++}.seg`);

  beforeAll(() => {
    mkdirSync(place.root, { recursive: true });
    directory = mkdtempSync(join(place.root, 'segment-io-'));
  });
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('allocAligned returns a zeroed buffer of the asked size', () => {
    const buffer = io.allocAligned(3 * PAGE_BYTES);
    expect(buffer.length).toBe(3 * PAGE_BYTES);
    expect(buffer.every((byte) => byte === 0)).toBe(true);
  });

  it('open with create pre-allocates a file of exactly sizeBytes, all zeros', () => {
    const path = freshPath();
    const file = io.open(path, { sizeBytes: SEGMENT_BYTES, create: true });
    expect(file.path).toBe(path);
    expect(file.sizeBytes).toBe(SEGMENT_BYTES);
    const buffer = io.allocAligned(SEGMENT_BYTES);
    buffer.fill(0xee);
    expect(file.readPages(buffer, { positionBytes: 0 })).toBe(SEGMENT_BYTES);
    expect(buffer.every((byte) => byte === 0)).toBe(true);
    file.close();
    const stat = statSync(path);
    expect(stat.size).toBe(SEGMENT_BYTES);
    expect(readFileSync(path).every((byte) => byte === 0)).toBe(true);
    const filesystem = ALLOCATING_FILESYSTEMS.get(statfsSync(path).type);
    if (filesystem !== undefined) {
      // Real zeros, not a sparse file: the blocks are allocated when the segment is created.
      expect(stat.blocks * 512, `allocated bytes on ${filesystem}`).toBeGreaterThanOrEqual(
        SEGMENT_BYTES,
      );
    }
  });

  it('pages written through this backend read back identically through every backend', () => {
    const rng = prngFor(`segment io round trip ${io.info.kind}`);
    const path = freshPath();
    const file = io.open(path, { sizeBytes: SEGMENT_BYTES, create: true });
    const expected = new Uint8Array(SEGMENT_BYTES);
    for (let write = 0; write < 12; write++) {
      const pages = 1 + rng.int(8);
      const position = PAGE_BYTES * rng.int(SEGMENT_BYTES / PAGE_BYTES - pages + 1);
      const buffer = io.allocAligned(pages * PAGE_BYTES);
      buffer.set(rng.bytes(buffer.length));
      file.writePages(buffer, { positionBytes: position, sync: write % 3 === 0 });
      expected.set(buffer, position);
    }
    file.sync();
    file.close();
    for (const reader of backends.loaded) {
      const readBack = reader.impl.open(path, { sizeBytes: SEGMENT_BYTES, create: false });
      const buffer = reader.impl.allocAligned(SEGMENT_BYTES);
      expect(readBack.readPages(buffer, { positionBytes: 0 })).toBe(SEGMENT_BYTES);
      readBack.close();
      const same = Buffer.compare(buffer, expected) === 0;
      expect(same, `read through ${reader.label}, ${SEED_NOTE}`).toBe(true);
    }
    expect(Buffer.compare(readFileSync(path), expected), 'read through node:fs').toBe(0);
  });

  it('reads a page range back from the middle of the segment', () => {
    const path = freshPath();
    const file = io.open(path, { sizeBytes: SEGMENT_BYTES, create: true });
    const page = io.allocAligned(2 * PAGE_BYTES);
    page.fill(0x5a);
    file.writePages(page, { positionBytes: 100 * PAGE_BYTES, sync: true });
    const buffer = io.allocAligned(4 * PAGE_BYTES);
    expect(file.readPages(buffer, { positionBytes: 99 * PAGE_BYTES })).toBe(4 * PAGE_BYTES);
    const zeros = new Uint8Array(PAGE_BYTES);
    expect(Buffer.compare(buffer.subarray(0, PAGE_BYTES), zeros)).toBe(0);
    expect(buffer.subarray(PAGE_BYTES, 3 * PAGE_BYTES).every((byte) => byte === 0x5a)).toBe(true);
    expect(Buffer.compare(buffer.subarray(3 * PAGE_BYTES), zeros)).toBe(0);
    file.close();
  });

  it('open with create keeps the contents of a segment that already exists', () => {
    const path = freshPath();
    const first = io.open(path, { sizeBytes: 4 * PAGE_BYTES, create: true });
    const page = io.allocAligned(PAGE_BYTES);
    page.fill(7);
    first.writePages(page, { positionBytes: PAGE_BYTES, sync: true });
    first.close();
    const again = io.open(path, { sizeBytes: 4 * PAGE_BYTES, create: true });
    const buffer = io.allocAligned(PAGE_BYTES);
    again.readPages(buffer, { positionBytes: PAGE_BYTES });
    again.close();
    expect(buffer.every((byte) => byte === 7)).toBe(true);
  });

  it('an existing file of the wrong size is an IO_ERROR naming it, and is left alone', () => {
    const path = freshPath();
    writeFileSync(path, new Uint8Array(5000).fill(1));
    for (const create of [true, false]) {
      const error = errorOf(() => io.open(path, { sizeBytes: 2 * PAGE_BYTES, create }));
      expect(error.code).toBe(ErrorCode.IoError);
      expect(error.message).toContain(path);
    }
    expect(statSync(path).size).toBe(5000);
  });

  it('opening a missing segment without create is an IO_ERROR naming it', () => {
    const path = freshPath();
    const error = errorOf(() => io.open(path, { sizeBytes: PAGE_BYTES, create: false }));
    expect(error.code).toBe(ErrorCode.IoError);
    expect(error.message).toContain(path);
    expect(error.cause).toBeDefined();
  });

  it('creating a segment in a missing directory is an IO_ERROR naming it', () => {
    const path = join(directory, 'no-such-directory', 'segment.seg');
    const error = errorOf(() => io.open(path, { sizeBytes: PAGE_BYTES, create: true }));
    expect(error.code).toBe(ErrorCode.IoError);
    expect(error.message).toContain('no-such-directory');
  });

  it('rejects unaligned positions and lengths, and writes past the end', () => {
    const file = io.open(freshPath(), { sizeBytes: 4 * PAGE_BYTES, create: true });
    const page = io.allocAligned(PAGE_BYTES);
    expect(() => file.writePages(page, { positionBytes: 100, sync: false })).toThrow();
    expect(() =>
      file.writePages(page.subarray(0, 100), { positionBytes: 0, sync: false }),
    ).toThrow();
    expect(() => file.readPages(page, { positionBytes: PAGE_BYTES - 1 })).toThrow();
    expect(() => file.writePages(page, { positionBytes: 4 * PAGE_BYTES, sync: false })).toThrow();
    const twoPages = io.allocAligned(2 * PAGE_BYTES);
    expect(() =>
      file.writePages(twoPages, { positionBytes: 3 * PAGE_BYTES, sync: false }),
    ).toThrow();
    file.close();
  });
}

describeBackends(backends, (io) => {
  for (const place of PLACES) {
    const refused = probe(io, place.root);
    if (refused !== undefined) {
      describe.skip(`in ${place.label} — ${io.info.kind} refuses tmpfs: ${refused}`, () => {});
      continue;
    }
    describe(`in ${place.label}`, () => pagesSuite(io, place));
  }
});
