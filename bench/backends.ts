/**
 * `npm run bench -- backends`: every hot-path primitive on every backend that loads, at
 * 64 B, 256 B, 1 KiB, 4 KiB and 1 MiB, then the batch entry points against the per-record
 * calls they replace, then segment IO with a sync per write. Each figure is the median of
 * several runs; each line names its backend; the ratio column compares with the TypeScript
 * reference of the same primitive and size.
 */
import { createCipheriv, hash as nodeHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AesGcm,
  type Backend,
  batchOf,
  type Candidate,
  CRYPTO_CANDIDATES,
  type Crc32c,
  type Ed25519,
  type HashFunction,
  type HmacSha256,
  type Sha256,
} from '../ts/crypto/index.js';
import { type SegmentIo, segmentIoCandidates } from '../ts/storage/index.js';
import { filled, type Measurement, type MeasureOptions, measure } from './measure.js';
import { grouped } from './report.js';

export const SIZES_BYTES = [64, 256, 1024, 4096, 1024 * 1024] as const;
const BATCH_RECORDS = 1024;

export interface ResultRow {
  readonly section: string;
  readonly primitive: string;
  readonly backend: string;
  readonly workload: string;
  /** Bytes processed per operation (0 where throughput in bytes means nothing). */
  readonly bytesPerOp: number;
  readonly measurement: Measurement;
  /** This row's ops/s over the reference row's, when there is one. */
  ratio?: number;
}

interface Loaded<T> {
  readonly label: string;
  readonly kind: string;
  readonly impl: T;
}

async function loadAll<T extends Backend>(
  candidates: readonly Candidate<T>[],
  skipped: string[],
  primitive: string,
): Promise<Loaded<T>[]> {
  const loaded: Loaded<T>[] = [];
  for (const candidate of candidates) {
    const label = `${candidate.kind} (${candidate.name})`;
    try {
      loaded.push({ label, kind: candidate.kind, impl: await candidate.load() });
    } catch (error) {
      skipped.push(`${primitive} ${label}: ${error instanceof Error ? error.message : error}`);
    }
  }
  return loaded;
}

function sizeLabel(sizeBytes: number): string {
  if (sizeBytes >= 1024 * 1024) return `${sizeBytes / (1024 * 1024)} MiB`;
  if (sizeBytes >= 1024) return `${sizeBytes / 1024} KiB`;
  return `${sizeBytes} B`;
}

type SizedOperation<T> = (impl: T, data: Uint8Array) => () => void;

async function sized<T extends Backend>(
  primitive: keyof typeof CRYPTO_CANDIDATES,
  operation: SizedOperation<T>,
  context: Context,
): Promise<void> {
  const candidates = CRYPTO_CANDIDATES[primitive] as unknown as readonly Candidate<T>[];
  const loaded = await loadAll(candidates, context.skipped, primitive);
  for (const sizeBytes of SIZES_BYTES) {
    const data = filled(sizeBytes, sizeBytes);
    for (const { label, impl } of loaded) {
      const workload = sizeLabel(sizeBytes);
      const measurement = measure(`${primitive} ${label} ${workload}`, operation(impl, data), {
        ...context.options,
      });
      record(context, {
        section: 'sizes',
        primitive,
        backend: label,
        workload,
        bytesPerOp: sizeBytes,
        measurement,
      });
    }
  }
}

/** Keeps a row, and shows progress on stderr: a full run takes minutes. */
function record(context: Context, row: ResultRow): void {
  context.rows.push(row);
  const ops = grouped(row.measurement.opsPerSecond);
  process.stderr.write(`  ${row.primitive} ${row.backend} ${row.workload}: ${ops} ops/s\n`);
}

const KEY = filled(32, 99);
const NONCE = filled(12, 7);

interface Context {
  readonly options: MeasureOptions;
  readonly skipped: string[];
  readonly rows: ResultRow[];
}

async function sizedAll(context: Context): Promise<void> {
  const digestOut = new Uint8Array(32);
  await sized<Crc32c>('crc32c', (impl, data) => () => impl.compute(data), context);
  await sized<Sha256>('sha256', (impl, data) => () => impl.digest(data, digestOut), context);
  await sized<HashFunction>('blake3', (impl, data) => () => impl.digest(data, digestOut), context);
  await sized<HmacSha256>(
    'hmac-sha256',
    (impl, data) => () => impl.mac(KEY, data, { out: digestOut }),
    context,
  );
  await sized<AesGcm>(
    'aes-256-gcm',
    (impl, data) => {
      // Reusing one nonce is fine here: speed does not depend on it, nothing is kept.
      const key = impl.importKey(KEY);
      const out = new Uint8Array(data.length + 16);
      return () => key.seal(NONCE, data, { out });
    },
    context,
  );
  await sized<Ed25519>('ed25519', (impl, data) => () => impl.sign(KEY, data), context);
}

function batchRow(
  context: Context,
  row: { primitive: string; backend: string; workload: string; bytesPerOp: number },
  operation: () => void,
): void {
  const measurement = measure(`${row.primitive} ${row.backend} ${row.workload}`, operation, {
    ...context.options,
  });
  record(context, { section: 'batches', ...row, measurement });
}

/** The batch entry points, and the per-record calls they replace as baselines. */
async function batchesAll(context: Context): Promise<void> {
  const small = batchOf(Array.from({ length: BATCH_RECORDS }, (_, i) => filled(128, i + 1)));
  const kib = batchOf(Array.from({ length: BATCH_RECORDS }, (_, i) => filled(1024, i + 1)));
  const smallBytes = small.data.length;
  const kibBytes = kib.data.length;
  const crcOut = new Uint32Array(BATCH_RECORDS);
  const hashOut = new Uint8Array(32 * BATCH_RECORDS);
  const sealOut = new Uint8Array(kibBytes + 16 * BATCH_RECORDS);
  const seed = new Uint8Array(32);
  const nonces = filled(12 * BATCH_RECORDS, 5);
  const crcWorkload = `batch ${BATCH_RECORDS} x 128 B`;
  const skip: string[] = [];

  for (const { label, impl } of await loadAll(CRYPTO_CANDIDATES.crc32c, skip, 'crc32c')) {
    batchRow(
      context,
      { primitive: 'crc32c', backend: label, workload: crcWorkload, bytesPerOp: smallBytes },
      () => impl.computeBatch(small, crcOut),
    );
  }
  const chainWorkload = `hash chain ${BATCH_RECORDS} x 128 B`;
  const scratch = new Uint8Array(32 + 128);
  batchRow(
    context,
    {
      primitive: 'sha256',
      backend: 'baseline (crypto.hash per record)',
      workload: chainWorkload,
      bytesPerOp: smallBytes,
    },
    () => {
      let previous: Uint8Array = seed;
      for (let i = 0; i < BATCH_RECORDS; i++) {
        scratch.set(previous, 0);
        scratch.set(small.data.subarray(128 * i, 128 * (i + 1)), 32);
        previous = nodeHash('sha256', scratch, 'buffer');
      }
    },
  );
  for (const { label, impl } of await loadAll(CRYPTO_CANDIDATES.sha256, skip, 'sha256')) {
    batchRow(
      context,
      { primitive: 'sha256', backend: label, workload: chainWorkload, bytesPerOp: smallBytes },
      () => impl.hashChain(seed, small, { out: hashOut }),
    );
  }
  const sealWorkload = `seal batch ${BATCH_RECORDS} x 1 KiB`;
  batchRow(
    context,
    {
      primitive: 'aes-256-gcm',
      backend: 'baseline (createCipheriv per record)',
      workload: sealWorkload,
      bytesPerOp: kibBytes,
    },
    () => {
      for (let i = 0; i < BATCH_RECORDS; i++) {
        const cipher = createCipheriv('aes-256-gcm', KEY, nonces.subarray(12 * i, 12 * i + 12));
        const record = kib.data.subarray(1024 * i, 1024 * (i + 1));
        sealOut.set(cipher.update(record), 1040 * i);
        cipher.final();
        sealOut.set(cipher.getAuthTag(), 1040 * i + 1024);
      }
    },
  );
  for (const { label, impl } of await loadAll(CRYPTO_CANDIDATES['aes-256-gcm'], skip, 'aes')) {
    const key = impl.importKey(KEY);
    batchRow(
      context,
      { primitive: 'aes-256-gcm', backend: label, workload: sealWorkload, bytesPerOp: kibBytes },
      () => key.sealBatch(nonces, kib, { out: sealOut }),
    );
  }
}

/** Durable page writes: one `writePages` with `sync: true` per operation. */
async function segmentIoAll(context: Context, directory: string): Promise<void> {
  const loaded = await loadAll<SegmentIo>(segmentIoCandidates, context.skipped, 'segment-io');
  const segmentBytes = 64 * 1024 * 1024;
  for (const sizeBytes of [4096, 1024 * 1024]) {
    for (const { label, impl } of loaded) {
      const path = join(directory, `bench-${label.replace(/\W+/g, '_')}.segment`);
      rmSync(path, { force: true });
      const file = impl.open(path, { sizeBytes: segmentBytes, create: true });
      const buffer = impl.allocAligned(sizeBytes);
      buffer.set(filled(sizeBytes, 3));
      let positionBytes = 0;
      batchRow(
        context,
        {
          primitive: 'segment-io',
          backend: label,
          workload: `write+fdatasync ${sizeLabel(sizeBytes)}`,
          bytesPerOp: sizeBytes,
        },
        () => {
          file.writePages(buffer, { positionBytes, sync: true });
          positionBytes = (positionBytes + sizeBytes) % segmentBytes;
        },
      );
      file.close();
      rmSync(path, { force: true });
    }
  }
}

/** Runs every section; returns the rows and the backends that did not load. */
export async function runBackendBenchmarks(
  options: MeasureOptions,
  dataDirectory: string,
): Promise<{ rows: ResultRow[]; skipped: string[] }> {
  const context: Context = { options, skipped: [], rows: [] };
  mkdirSync(dataDirectory, { recursive: true });
  await sizedAll(context);
  await batchesAll(context);
  await segmentIoAll(context, dataDirectory);
  return { rows: context.rows, skipped: context.skipped };
}
