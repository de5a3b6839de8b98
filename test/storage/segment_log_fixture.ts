/**
 * Shared fixture for the segment log tests: the backends KIMBERLITE_BACKEND selects, temporary
 * log directories under os.tmpdir() (removed after each file), record makers, byte-level
 * tampering of segment files, and a segment IO that fails on the Nth write.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { parseBackendChoice } from '../../ts/crypto/index.js';
import { loadBackends, openSegmentLog, RecordKind } from '../../ts/storage/index.js';
import type { SegmentFile, SegmentIo } from '../../ts/storage/segment_io/index.js';
import type {
  AppendRecord,
  SegmentLog,
  SegmentLogOptions,
  StorageBackends,
} from '../../ts/storage/types.js';
import { ErrorCode, KimberliteError } from '../../ts/types/index.js';
import type { Prng } from '../crypto/random.js';

export const backends: StorageBackends = await loadBackends({
  choice: parseBackendChoice(process.env.KIMBERLITE_BACKEND),
});

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A fresh, empty directory for one log; removed when the test file ends. */
export function freshDirectory(): string {
  const root = mkdtempSync(join(tmpdir(), 'kimberlite-log-'));
  roots.push(root);
  return join(root, 'log');
}

export function removeDirectory(directory: string): void {
  rmSync(directory, { recursive: true, force: true });
}

export function openLog(
  directory: string,
  options: Partial<SegmentLogOptions> & { io?: SegmentIo } = {},
): SegmentLog {
  const { io, ...rest } = options;
  const withIo = io === undefined ? backends : { ...backends, segmentIo: io };
  return openSegmentLog(withIo, {
    directory,
    name: 'test',
    create: true,
    segmentSizeBytes: 16 * 1024,
    ...rest,
  });
}

/** An event record whose payload is `length` bytes from `prng` (or a fixed pattern). */
export function event(length: number, prng?: Prng, stream = 1): AppendRecord {
  const payload = prng === undefined ? new Uint8Array(length).fill(0x5a) : prng.bytes(length);
  return {
    kind: RecordKind.Event,
    flags: 0,
    tenant: 7,
    stream,
    logPosition: 3n,
    timestampNs: 1_700_000_000_000_000_000n,
    payload,
  };
}

/** Files of the log directory, by name. */
export function segmentFiles(directory: string, suffix: '.segment' | '.index'): string[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => join(directory, name));
}

export function snapshot(directory: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const name of readdirSync(directory).sort()) {
    files.set(name, readFileSync(join(directory, name)));
  }
  return files;
}

/** Applies `change` to a file's bytes in place (the file keeps its size). */
export function patchFile(path: string, change: (bytes: Uint8Array) => void): void {
  const bytes = new Uint8Array(readFileSync(path));
  change(bytes);
  writeFileSync(path, bytes);
}

/** Segment IO that throws IO_ERROR on the `failAt`-th writePages call (1-based) and after. */
export function failingIo(failAt: number): { io: SegmentIo; writes: () => number } {
  const real = backends.segmentIo;
  let writes = 0;
  const wrap = (file: SegmentFile): SegmentFile => ({
    path: file.path,
    sizeBytes: file.sizeBytes,
    writePages(buffer, options) {
      writes += 1;
      if (writes >= failAt) {
        throw new KimberliteError(ErrorCode.IoError, `write ${file.path} failed: injected EIO`);
      }
      file.writePages(buffer, options);
    },
    readPages: (buffer, options) => file.readPages(buffer, options),
    sync: () => file.sync(),
    close: () => file.close(),
  });
  const io: SegmentIo = {
    info: real.info,
    allocAligned: (sizeBytes) => real.allocAligned(sizeBytes),
    open: (path, options) => wrap(real.open(path, options)),
  };
  return { io, writes: () => writes };
}
