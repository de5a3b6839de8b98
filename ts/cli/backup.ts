/**
 * `kimberlite backup create|verify|restore`.
 *
 * What a backup holds (docs/cli.md, "backup"): `kimberlite.json`, `api_keys.json` (hashes
 * only), the tenants' wrapped data keys (`keys/`), and the journal's segments cut at a
 * consistent point (backup_journal.ts). Not the master key: the wrapped data keys are useless
 * without it, so it is kept apart (restore takes `--master-key-file` or KIMBERLITE_MASTER_KEY).
 * Not the partitions, the system partition, CHECKPOINT or the projection stores: restore
 * rebuilds them all by replaying the journal.
 *
 * Consistency while a server runs: the journal is copied first (a consistent prefix of the
 * committed batches), then the key files. A tenant's data key is written before its
 * create_tenant batch commits, so every tenant the copied journal names has its key copied.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseBackendChoice } from '../crypto/index.js';
import { Kimberlite, MASTER_KEY_ENV } from '../runtime/index.js';
import { loadBackends, openStorage, syncDirectory, writeFileDurably } from '../storage/index.js';
import { CRYPTO, ErrorCode, KimberliteError } from '../types/index.js';
import {
  type ArchiveInput,
  type ArchiveManifest,
  buildArchive,
  readArchive,
} from './backup_archive.js';
import { assertSealedIntact, cutJournalSegment, startWalk } from './backup_journal.js';
import { describeFailure } from './verify.js';

const SEGMENT_PATTERN = /^[0-9]{20}\.segment$/;
const KEY_PATTERN = /^[0-9]{1,10}\.(key|destroyed)$/;
const SECRET_MODE = 0o600;

function invalid(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.InvalidArgument, message);
}

async function backends() {
  return loadBackends({ choice: parseBackendChoice(process.env.KIMBERLITE_BACKEND) });
}

/** The journal's segments, cut consistently (see the file header). */
function journalFiles(
  dir: string,
  crypto: Awaited<ReturnType<typeof backends>>,
): { files: ArchiveInput[]; journal: ArchiveManifest['journal'] } {
  const journalDir = join(dir, 'journal');
  const names = existsSync(journalDir)
    ? readdirSync(journalDir)
        .filter((name) => SEGMENT_PATTERN.test(name))
        .sort()
    : [];
  let walk = startWalk(new Uint8Array(CRYPTO.sha256DigestBytes));
  const files: ArchiveInput[] = [];
  let summary = { records: 0, batches: 0, last: -1n };
  names.forEach((name, i) => {
    const path = join(journalDir, name);
    // A plain Uint8Array: verifyRecords slices its input, and a Buffer's slice is a view.
    const file = readFileSync(path);
    const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
    const cut = cutJournalSegment(crypto, bytes, walk);
    const sealed = i < names.length - 1;
    if (sealed) assertSealedIntact(path, cut.stoppedBecause);
    const keep = sealed ? cut.dataEndBytes : cut.dataBytes;
    files.push({
      path: `journal/${name}`,
      data: Buffer.from(bytes.subarray(0, keep)),
      sizeBytes: bytes.length,
    });
    walk = cut.walk;
    summary = { records: cut.records, batches: cut.entries, last: cut.lastPosition };
  });
  return {
    files,
    journal: {
      segments: names.length,
      records: summary.records,
      batches: summary.batches,
      lastLogPosition: summary.last.toString(),
    },
  };
}

function smallFiles(dir: string, names: readonly string[]): ArchiveInput[] {
  const out: ArchiveInput[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    const data = readFileSync(path);
    out.push({ path: name, data, sizeBytes: data.length });
  }
  return out;
}

/** Writes `chunks` to `file` through a temporary name, synced, then renamed. */
function writeDurably(file: string, chunks: readonly Uint8Array[]): void {
  const temporary = `${file}.writing`;
  const fd = openSync(temporary, 'w', SECRET_MODE);
  try {
    for (const chunk of chunks) {
      let at = 0;
      while (at < chunk.length) at += writeSync(fd, chunk, at, chunk.length - at);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
  syncDirectory(dirname(resolve(file)));
}

/** `backup create <dir> <file>`: safe while a server runs on `dir`. */
export async function createBackup(dir: string, file: string): Promise<ArchiveManifest> {
  if (!existsSync(join(dir, 'kimberlite.json')) && !existsSync(join(dir, 'journal'))) {
    throw invalid(`${dir} is not a Kimberlite data directory (no kimberlite.json, no journal)`);
  }
  const crypto = await backends();
  const config = smallFiles(dir, ['kimberlite.json', 'api_keys.json']);
  const { files: journal, journal: summary } = journalFiles(dir, crypto);
  // After the journal: every tenant it names already has its key file.
  const keysDir = join(dir, 'keys');
  const keyNames = existsSync(keysDir)
    ? readdirSync(keysDir)
        .filter((name) => KEY_PATTERN.test(name))
        .sort()
        .map((name) => `keys/${name}`)
    : [];
  const keys = smallFiles(dir, keyNames);
  const { chunks, manifest } = buildArchive([...config, ...journal, ...keys], {
    createdAt: new Date().toISOString(),
    source: resolve(dir),
    masterKeyIncluded: false,
    journal: summary,
  });
  writeDurably(file, chunks);
  return manifest;
}

/** Writes the archive's files under `dir` (segments at their pre-allocated size). */
function extract(files: Map<string, Uint8Array>, manifest: ArchiveManifest, dir: string): void {
  for (const entry of manifest.files) {
    const data = files.get(entry.path);
    if (data === undefined) continue;
    const path = join(dir, ...entry.path.split('/'));
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    if (entry.path.startsWith('journal/')) {
      const fd = openSync(path, 'wx', 0o644);
      try {
        let at = 0;
        while (at < data.length) at += writeSync(fd, data, at, data.length - at);
        // Zeros past the data: the rest of the pre-allocated segment.
        if (entry.sizeBytes > data.length) {
          writeSync(fd, new Uint8Array(1), 0, 1, entry.sizeBytes - 1);
        }
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } else {
      writeFileDurably(path, data, { mode: SECRET_MODE });
    }
  }
  for (const sub of ['', 'journal', 'keys']) {
    if (existsSync(join(dir, sub))) syncDirectory(join(dir, sub));
  }
}

function readArchiveFile(file: string) {
  if (!existsSync(file)) throw invalid(`backup ${file} does not exist`);
  return readArchive(file, readFileSync(file));
}

export interface BackupCheck {
  readonly manifest: ArchiveManifest;
  readonly records: bigint;
}

/**
 * `backup verify <file>`: the archive (magic, manifest hash, every file's SHA-256), then its
 * journal replayed into a scratch directory and verified (chains and Merkle roots; no key).
 */
export async function verifyBackup(file: string): Promise<BackupCheck> {
  const { manifest, files } = readArchiveFile(file);
  const scratch = await mkdtemp(join(tmpdir(), 'kimberlite-backup-verify-'));
  try {
    extract(files, manifest, scratch);
    if (!existsSync(join(scratch, 'journal'))) return { manifest, records: 0n };
    const storage = await openStorage(await backends(), { directory: scratch, create: true });
    try {
      const report = storage.verify();
      if (!report.ok) {
        throw new KimberliteError(
          ErrorCode.Corruption,
          `backup ${file}: its journal does not verify: ${describeFailure(report)}`,
        );
      }
      return { manifest, records: report.records };
    } finally {
      await storage.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export interface RestoreResult {
  readonly manifest: ArchiveManifest;
  readonly records: bigint;
  readonly tenants: number;
  readonly position: bigint;
}

/**
 * `backup restore <file> <dir>`: checks the archive, writes it into the new directory, puts
 * the master key in place, then opens the directory (which replays the journal into the
 * partitions and rebuilds the projections) and verifies it.
 */
export async function restoreBackup(
  file: string,
  dir: string,
  options: { masterKeyFile?: string },
): Promise<RestoreResult> {
  const envKey = process.env[MASTER_KEY_ENV];
  if (options.masterKeyFile === undefined && (envKey === undefined || envKey === '')) {
    throw invalid(
      'a backup does not hold the master key: pass --master-key-file <path> (the source ' +
        `directory's master.key) or set ${MASTER_KEY_ENV}`,
    );
  }
  if (options.masterKeyFile !== undefined && !existsSync(options.masterKeyFile)) {
    throw invalid(`master key file ${options.masterKeyFile} does not exist`);
  }
  const { manifest, files } = readArchiveFile(file);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory() || readdirSync(dir).length > 0) {
      throw invalid(`${dir} exists and is not an empty directory: restore into a new one`);
    }
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  extract(files, manifest, dir);
  if (options.masterKeyFile !== undefined) {
    writeFileDurably(join(dir, 'master.key'), readFileSync(options.masterKeyFile), {
      mode: SECRET_MODE,
    });
  }
  const db = await Kimberlite.open(dir);
  try {
    const report = await db.verify();
    if (!report.ok) {
      throw new KimberliteError(
        ErrorCode.Corruption,
        `the restored directory ${dir} does not verify: ${describeFailure(report)}`,
      );
    }
    return {
      manifest,
      records: report.records,
      tenants: db.tenants().length,
      position: db.position,
    };
  } finally {
    await db.close();
  }
}
