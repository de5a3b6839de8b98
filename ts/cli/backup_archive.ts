/**
 * The backup archive format (version 1), our own so it needs no tar library and every byte is
 * checked:
 *
 * ```
 * [0, 8)        magic "KMBBAK01"
 * [8, m)        the files' data, back to back, in manifest order
 * [m, m + n)    the manifest: UTF-8 JSON (ArchiveManifest)
 * then 4 bytes  n, u32 big-endian
 * then 32 bytes SHA-256 of the manifest bytes
 * then 8 bytes  magic "KMBBEND1"
 * ```
 *
 * Each manifest file entry names its path (relative, '/'-separated, checked against a small
 * whitelist of what a backup may hold), where its data lies in the archive, the data's
 * SHA-256, and `sizeBytes`: a segment's pre-allocated size, zero past `dataBytes`.
 *
 * Invariant: a parsed archive's files lie inside the data area, in order, without overlap.
 */
import { createHash } from 'node:crypto';
import { ErrorCode, KimberliteError } from '../types/index.js';

const MAGIC = Buffer.from('KMBBAK01', 'latin1');
const END_MAGIC = Buffer.from('KMBBEND1', 'latin1');
const TRAILER_BYTES = 4 + 32 + 8;
export const ARCHIVE_VERSION = 1;
/** Paths a backup may hold: config, API keys, wrapped tenant keys, journal segments. */
const PATH_PATTERN = new RegExp(
  '^(kimberlite\\.json|api_keys\\.json|keys/[0-9]{1,10}\\.(key|destroyed)|' +
    'journal/[0-9]{20}\\.segment)$',
);

export interface ArchiveFile {
  readonly path: string;
  readonly offsetBytes: number;
  readonly dataBytes: number;
  readonly sizeBytes: number;
  readonly sha256: string;
}

export interface ArchiveManifest {
  readonly format: 'kimberlite-backup';
  readonly version: number;
  readonly createdAt: string;
  readonly source: string;
  readonly masterKeyIncluded: false;
  readonly journal: {
    readonly segments: number;
    readonly records: number;
    readonly batches: number;
    readonly lastLogPosition: string;
  };
  readonly files: ArchiveFile[];
}

export interface ArchiveInput {
  readonly path: string;
  readonly data: Uint8Array;
  readonly sizeBytes: number;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function corrupt(file: string, message: string): KimberliteError {
  return new KimberliteError(
    ErrorCode.Corruption,
    `backup ${file} is damaged or not a Kimberlite backup: ${message}`,
  );
}

/** The archive's bytes as chunks (written in order); the manifest built from `files`. */
export function buildArchive(
  files: readonly ArchiveInput[],
  meta: Omit<ArchiveManifest, 'files' | 'format' | 'version'>,
): { chunks: Uint8Array[]; manifest: ArchiveManifest } {
  const chunks: Uint8Array[] = [MAGIC];
  let at = MAGIC.length;
  const entries: ArchiveFile[] = [];
  for (const file of files) {
    if (!PATH_PATTERN.test(file.path)) throw new Error(`not a backup path: ${file.path}`);
    entries.push({
      path: file.path,
      offsetBytes: at,
      dataBytes: file.data.length,
      sizeBytes: file.sizeBytes,
      sha256: sha256Hex(file.data),
    });
    chunks.push(file.data);
    at += file.data.length;
  }
  const manifest: ArchiveManifest = {
    format: 'kimberlite-backup',
    version: ARCHIVE_VERSION,
    ...meta,
    files: entries,
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 1), 'utf8');
  const trailer = Buffer.alloc(TRAILER_BYTES);
  trailer.writeUInt32BE(manifestBytes.length, 0);
  createHash('sha256').update(manifestBytes).digest().copy(trailer, 4);
  END_MAGIC.copy(trailer, 36);
  chunks.push(manifestBytes, trailer);
  return { chunks, manifest };
}

function checkEntry(name: string, raw: unknown, dataEnd: number, at: number): ArchiveFile {
  if (typeof raw !== 'object' || raw === null) throw corrupt(name, 'a file entry is no object');
  const e = raw as Record<string, unknown>;
  const { path, offsetBytes, dataBytes, sizeBytes, sha256 } = e;
  const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
  if (typeof path !== 'string' || !PATH_PATTERN.test(path)) {
    throw corrupt(name, `file path ${JSON.stringify(path)} is not one a backup holds`);
  }
  if (!isCount(offsetBytes) || !isCount(dataBytes) || !isCount(sizeBytes)) {
    throw corrupt(name, `${path}: offset and sizes must be non-negative integers`);
  }
  if (offsetBytes !== at || offsetBytes + dataBytes > dataEnd || dataBytes > sizeBytes) {
    throw corrupt(name, `${path}: its data lies outside the archive's data area`);
  }
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
    throw corrupt(name, `${path}: no SHA-256`);
  }
  return { path, offsetBytes, dataBytes, sizeBytes, sha256 };
}

/**
 * Parses and checks an archive: magic, manifest hash, every entry's bounds and every file's
 * SHA-256. Throws CORRUPTION naming the first problem.
 */
export function readArchive(
  name: string,
  bytes: Uint8Array,
): { manifest: ArchiveManifest; files: Map<string, Uint8Array> } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < MAGIC.length + TRAILER_BYTES || !buffer.subarray(0, 8).equals(MAGIC)) {
    throw corrupt(name, 'it does not start with KMBBAK01');
  }
  const trailerAt = buffer.length - TRAILER_BYTES;
  if (!buffer.subarray(trailerAt + 36).equals(END_MAGIC)) {
    throw corrupt(name, 'it does not end with KMBBEND1 (truncated?)');
  }
  const length = buffer.readUInt32BE(trailerAt);
  const manifestAt = trailerAt - length;
  if (manifestAt < MAGIC.length) throw corrupt(name, 'the manifest length is out of range');
  const manifestBytes = buffer.subarray(manifestAt, trailerAt);
  const digest = createHash('sha256').update(manifestBytes).digest();
  if (!digest.equals(buffer.subarray(trailerAt + 4, trailerAt + 36))) {
    throw corrupt(name, 'the manifest does not match its SHA-256');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(manifestBytes.toString('utf8'));
  } catch (error) {
    throw corrupt(name, `the manifest is not JSON (${String(error)})`);
  }
  const m = parsed as Partial<ArchiveManifest> | null;
  if (m?.format !== 'kimberlite-backup' || m.version !== ARCHIVE_VERSION) {
    throw corrupt(name, `unknown format or version ${String(m?.version)}; this reader knows 1`);
  }
  if (!Array.isArray(m.files)) throw corrupt(name, 'the manifest lists no files');
  const files = new Map<string, Uint8Array>();
  let at = MAGIC.length;
  for (const raw of m.files as unknown[]) {
    const entry = checkEntry(name, raw, manifestAt, at);
    const data = bytes.subarray(entry.offsetBytes, entry.offsetBytes + entry.dataBytes);
    if (sha256Hex(data) !== entry.sha256) {
      throw corrupt(name, `${entry.path}: its data does not match its SHA-256`);
    }
    if (files.has(entry.path)) throw corrupt(name, `${entry.path} is listed twice`);
    files.set(entry.path, data);
    at += entry.dataBytes;
  }
  if (at !== manifestAt) throw corrupt(name, 'bytes between the files and the manifest');
  return { manifest: m as ArchiveManifest, files };
}
