/**
 * The log record codec (docs/storage-format.md, format version 1): encoding a batch of records
 * into one contiguous, hash-chained, CRC-protected run of bytes, and scanning and verifying
 * such runs. Pure: the crypto backends are passed in, nothing here does IO.
 *
 * Invariants: encoded records are back to back; record `i`'s `previous hash` is `h[i-1]` (the
 * seed for record 0); every `crc32c` field matches its record; no computed hash is all zeros.
 */
import type { Crc32c, Sha256 } from '../crypto/index.js';
import { assert, CRYPTO, ErrorCode, KimberliteError, LIMITS } from '../types/index.js';

export const FORMAT_VERSION = 1;
export const RECORD_HEADER_BYTES = 80;
/** `KMBL` read as a little-endian u32. */
export const RECORD_MAGIC = 0x4c424d4b;

const HASH_BYTES = CRYPTO.sha256DigestBytes;
const AT_VERSION = 4;
const AT_KIND = 6;
const AT_FLAGS = 7;
const AT_TENANT = 8;
const AT_STREAM = 12;
const AT_OFFSET = 16;
const AT_POSITION = 24;
const AT_TIMESTAMP = 32;
const AT_LENGTH = 40;
const AT_CRC = 44;
const AT_PREVIOUS = 48;

export const RecordKind = { Event: 1, BatchHeader: 2, Checkpoint: 3 } as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

export const RecordFlag = { Encrypted: 1, Compressed: 2 } as const;
const FLAGS_KNOWN = RecordFlag.Encrypted | RecordFlag.Compressed;

/** Everything in a header but the two fields the codec computes (CRC, previous hash). */
export interface RecordHeader {
  readonly kind: RecordKind;
  readonly flags: number;
  readonly tenant: number;
  readonly stream: number;
  readonly offset: bigint;
  readonly logPosition: bigint;
  readonly timestampNs: bigint;
}

export interface RecordInput extends RecordHeader {
  readonly payload: Uint8Array;
}

/** A record without its offset, for `encodeRecordsAt` (the log assigns offsets). */
export type RecordBody = Omit<RecordInput, 'offset'>;

/** The crypto a codec call needs; the shell selected the backends. */
export interface RecordCrypto {
  readonly crc32c: Crc32c;
  readonly sha256: Sha256;
}

export interface EncodedRecords {
  /** The records back to back. */
  readonly bytes: Uint8Array;
  /** `count + 1` record boundaries into `bytes`. */
  readonly offsets: Uint32Array;
  /** `h[count - 1]`, or the seed for an empty batch: the partition's new chain head. */
  readonly head: Uint8Array;
  /** `h[0..count-1]`, 32 bytes each: every record's chain hash (Merkle leaves). */
  readonly hashes: Uint8Array;
}

function limitError(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.LimitExceeded, message);
}

function invalid(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.InvalidArgument, message);
}

function checkId(index: number, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > LIMITS.idMax) {
    throw invalid(`record ${index}: ${name} must be a u32, got ${value}`);
  }
}

function checkPosition(index: number, name: string, value: bigint): void {
  if (value < 0n || value > LIMITS.positionMax) {
    throw invalid(`record ${index}: ${name} must be from 0 to ${LIMITS.positionMax}, got ${value}`);
  }
}

// Per-record checks run once per record of every append: no allocation unless one fails.
function checkInput(record: RecordBody, index: number, offset: bigint): void {
  if (record.payload.length > LIMITS.recordSizeBytesMax) {
    throw limitError(
      `record ${index}: the payload is ${record.payload.length} bytes; ` +
        `the limit is ${LIMITS.recordSizeBytesMax} (LIMITS.recordSizeBytesMax)`,
    );
  }
  if ((record.flags & ~FLAGS_KNOWN) !== 0 || !Number.isInteger(record.flags)) {
    throw invalid(`record ${index}: unknown flags ${record.flags}`);
  }
  checkId(index, 'tenant', record.tenant);
  checkId(index, 'stream', record.stream);
  checkPosition(index, 'offset', offset);
  checkPosition(index, 'log position', record.logPosition);
  checkPosition(index, 'timestamp', record.timestampNs);
}

/** Bytes of the encoded batch; throws LIMIT_EXCEEDED past the batch limits. */
function batchBytes(records: readonly RecordBody[], offsetOf: (i: number) => bigint): number {
  if (records.length > LIMITS.batchRecordsMax) {
    throw limitError(
      `a batch of ${records.length} records; the limit is ${LIMITS.batchRecordsMax} ` +
        '(LIMITS.batchRecordsMax)',
    );
  }
  let total = 0;
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    assert(record !== undefined, 'records are dense');
    checkInput(record, index, offsetOf(index));
    total += RECORD_HEADER_BYTES + record.payload.length;
  }
  if (total > LIMITS.batchSizeBytesMax) {
    throw limitError(
      `a batch of ${total} bytes; the limit is ${LIMITS.batchSizeBytesMax} ` +
        '(LIMITS.batchSizeBytesMax)',
    );
  }
  return total;
}

function writeHeader(view: DataView, at: number, record: RecordBody, offset: bigint): void {
  view.setUint32(at, RECORD_MAGIC, true);
  view.setUint16(at + AT_VERSION, FORMAT_VERSION, true);
  view.setUint8(at + AT_KIND, record.kind);
  view.setUint8(at + AT_FLAGS, record.flags);
  view.setUint32(at + AT_TENANT, record.tenant, true);
  view.setUint32(at + AT_STREAM, record.stream, true);
  view.setBigUint64(at + AT_OFFSET, offset, true);
  view.setBigUint64(at + AT_POSITION, record.logPosition, true);
  view.setBigUint64(at + AT_TIMESTAMP, record.timestampNs, true);
  view.setUint32(at + AT_LENGTH, record.payload.length, true);
}

function isAllZero(bytes: Uint8Array): boolean {
  // An index loop: an iterator per call costs more than the check on 32-byte hashes.
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** `h[i-1]` for record `i`: the seed for the first, else the previous record's hash. */
function linkOf(seed: Uint8Array, hashes: Uint8Array, i: number): Uint8Array {
  return i === 0 ? seed : hashes.subarray((i - 1) * HASH_BYTES, i * HASH_BYTES);
}

/**
 * Encodes `records` chained from `seed` (32 bytes; all zeros at genesis): one `hashChain` and
 * one `computeBatch` call for the whole batch (docs/storage-format.md, "Writing a batch").
 * Rejects input past a limit before encoding anything.
 *
 * @example
 * const { bytes, head } = encodeRecords(crypto, new Uint8Array(32), [
 *   { kind: RecordKind.Event, flags: 0, tenant: 1, stream: 1, offset: 0n, logPosition: 0n,
 *     timestampNs: 0n, payload: new TextEncoder().encode('hello') },
 * ]);
 */
export function encodeRecords(
  crypto: RecordCrypto,
  seed: Uint8Array,
  records: readonly RecordInput[],
): EncodedRecords {
  return encode(crypto, seed, records, (i) => records[i]?.offset ?? 0n);
}

/**
 * `encodeRecords` for records that take consecutive offsets from `firstOffset` (what a log
 * does when it appends): saves building a copy of every record just to set its offset.
 *
 * @example
 * const { bytes } = encodeRecordsAt(crypto, head, [record], { firstOffset: 42n });
 */
export function encodeRecordsAt(
  crypto: RecordCrypto,
  seed: Uint8Array,
  records: readonly RecordBody[],
  options: { firstOffset: bigint },
): EncodedRecords {
  const { firstOffset } = options;
  return encode(crypto, seed, records, (i) => firstOffset + BigInt(i));
}

function encode(
  crypto: RecordCrypto,
  seed: Uint8Array,
  records: readonly RecordBody[],
  offsetOf: (i: number) => bigint,
): EncodedRecords {
  assert(seed.length === HASH_BYTES, `the chain seed must be ${HASH_BYTES} bytes`);
  const bytes = new Uint8Array(batchBytes(records, offsetOf));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offsets = new Uint32Array(records.length + 1);
  let at = 0;
  records.forEach((record, i) => {
    writeHeader(view, at, record, offsetOf(i));
    bytes.set(record.payload, at + RECORD_HEADER_BYTES);
    at += RECORD_HEADER_BYTES + record.payload.length;
    offsets[i + 1] = at;
  });
  const batch = { data: bytes, offsets };
  const hashes = new Uint8Array(records.length * HASH_BYTES);
  crypto.sha256.hashChain(seed, batch, { out: hashes });
  for (let i = 0; i < records.length; i++) {
    const hash = hashes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES);
    assert(!isAllZero(hash), 'SHA-256 gave an all-zero hash');
    bytes.set(linkOf(seed, hashes, i), (offsets[i] ?? 0) + AT_PREVIOUS);
  }
  const crcs = new Uint32Array(records.length);
  crypto.crc32c.computeBatch(batch, crcs);
  for (let i = 0; i < records.length; i++) {
    view.setUint32((offsets[i] ?? 0) + AT_CRC, crcs[i] ?? 0, true);
  }
  const head = records.length === 0 ? seed.slice() : linkOf(seed, hashes, records.length).slice();
  return { bytes, offsets, head, hashes };
}

/** A record found by `scanRecords`: its header, and where it lies in the scanned bytes. */
export interface ScannedRecord extends RecordHeader {
  /** Byte position of the header in the scanned bytes. */
  readonly start: number;
  /** Byte position just past the payload: the next record's start. */
  readonly end: number;
  readonly crc: number;
  /** A view of the header's `previous hash` field. */
  readonly previousHash: Uint8Array;
}

/** Why a scan stopped where it did. */
export type ScanStop =
  /** The bytes end exactly at a record boundary. */
  | { readonly kind: 'end' }
  /** `maxRecords` were found. */
  | { readonly kind: 'limit' }
  /** Zeros where a header would be: unwritten, pre-zeroed space. */
  | { readonly kind: 'zeros' }
  /** A header or payload runs past the end of the bytes. */
  | { readonly kind: 'truncated'; readonly reason: string }
  /** Bytes that are not a record header of this format. */
  | { readonly kind: 'malformed'; readonly reason: string };

export interface ScanResult {
  readonly records: readonly ScannedRecord[];
  /** Where the scan stopped: the end of the last complete record. */
  readonly endBytes: number;
  readonly stop: ScanStop;
}

function headerProblem(view: DataView, at: number): string | undefined {
  const magic = view.getUint32(at, true);
  if (magic !== RECORD_MAGIC) return `bad magic 0x${magic.toString(16).padStart(8, '0')}`;
  const version = view.getUint16(at + AT_VERSION, true);
  if (version !== FORMAT_VERSION) return `format version ${version}; this reader knows 1`;
  const kind = view.getUint8(at + AT_KIND);
  if (kind < RecordKind.Event || kind > RecordKind.Checkpoint) return `unknown kind ${kind}`;
  const flags = view.getUint8(at + AT_FLAGS);
  if ((flags & ~FLAGS_KNOWN) !== 0) return `unknown flags 0x${flags.toString(16)}`;
  const length = view.getUint32(at + AT_LENGTH, true);
  if (length > LIMITS.recordSizeBytesMax) return `payload length ${length} is past the limit`;
  return undefined;
}

function readHeader(bytes: Uint8Array, view: DataView, at: number): ScannedRecord {
  const length = view.getUint32(at + AT_LENGTH, true);
  return {
    kind: view.getUint8(at + AT_KIND) as RecordKind,
    flags: view.getUint8(at + AT_FLAGS),
    tenant: view.getUint32(at + AT_TENANT, true),
    stream: view.getUint32(at + AT_STREAM, true),
    offset: view.getBigUint64(at + AT_OFFSET, true),
    logPosition: view.getBigUint64(at + AT_POSITION, true),
    timestampNs: view.getBigUint64(at + AT_TIMESTAMP, true),
    start: at,
    end: at + RECORD_HEADER_BYTES + length,
    crc: view.getUint32(at + AT_CRC, true),
    previousHash: bytes.subarray(at + AT_PREVIOUS, at + AT_PREVIOUS + HASH_BYTES),
  };
}

/**
 * Decodes the run of complete records that starts at `fromBytes`, checking each header's
 * shape (not yet its CRC or chain: see `verifyRecords`). Bounded by `maxRecords`.
 */
export function scanRecords(
  bytes: Uint8Array,
  options: { fromBytes: number; maxRecords: number },
): ScanResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: ScannedRecord[] = [];
  let at = options.fromBytes;
  assert(at >= 0 && at <= bytes.length, 'scan must start inside the bytes');
  const stopped = (stop: ScanStop): ScanResult => ({ records, endBytes: at, stop });
  while (at < bytes.length) {
    if (records.length >= options.maxRecords) return stopped({ kind: 'limit' });
    const headerEnd = Math.min(at + RECORD_HEADER_BYTES, bytes.length);
    // A header starts with its magic, so the first byte decides almost every time.
    if (bytes[at] === 0 && isAllZero(bytes.subarray(at, headerEnd))) {
      return stopped({ kind: 'zeros' });
    }
    if (headerEnd - at < RECORD_HEADER_BYTES) {
      return stopped({ kind: 'truncated', reason: `${headerEnd - at} bytes of a header` });
    }
    const problem = headerProblem(view, at);
    if (problem !== undefined) return stopped({ kind: 'malformed', reason: problem });
    const record = readHeader(bytes, view, at);
    if (record.end > bytes.length) {
      const missing = record.end - bytes.length;
      return stopped({ kind: 'truncated', reason: `the payload lacks ${missing} bytes` });
    }
    records.push(record);
    at = record.end;
  }
  return stopped({ kind: 'end' });
}

/** What `verifyRecords` found. `index` counts records of the run given to it. */
export type VerifyResult =
  | { readonly ok: true; readonly head: Uint8Array }
  | {
      readonly ok: false;
      readonly index: number;
      /**
       * `crc`: the record's CRC does not match its bytes. `chain`: its bytes changed though its
       * CRC matches (the next record's previous hash disagrees). `seed`: the first record does
       * not continue from the seed given. `head`: the last record's hash is not the head given.
       */
      readonly failure: 'crc' | 'chain' | 'seed' | 'head';
      readonly message: string;
    };

/**
 * Checks the CRC and the hash chain of a run of scanned records (contiguous, as
 * `scanRecords` returns them), continuing from `seed`; with `head`, also that the last
 * record's hash is that. Reports the first broken record. Does not modify `bytes`.
 */
export function verifyRecords(
  crypto: RecordCrypto,
  bytes: Uint8Array,
  run: { records: readonly ScannedRecord[]; seed: Uint8Array; head?: Uint8Array },
): VerifyResult {
  const { records, seed } = run;
  const count = records.length;
  if (count === 0) return { ok: true, head: seed.slice() };
  const base = records[0]?.start ?? 0;
  const scratch = bytes.slice(base, records[count - 1]?.end);
  const offsets = new Uint32Array(count + 1);
  records.forEach((record, i) => {
    offsets[i + 1] = record.end - base;
    scratch.fill(0, record.start - base + AT_CRC, record.start - base + AT_CRC + 4);
  });
  const batch = { data: scratch, offsets };
  const crcs = new Uint32Array(count);
  crypto.crc32c.computeBatch(batch, crcs);
  records.forEach((record) => {
    const at = record.start - base + AT_PREVIOUS;
    scratch.fill(0, at, at + HASH_BYTES);
  });
  const hashes = new Uint8Array(count * HASH_BYTES);
  crypto.sha256.hashChain(seed, batch, { out: hashes });
  for (let i = 0; i < count; i++) {
    const record = records[i];
    assert(record !== undefined, 'records are dense');
    if (crcs[i] !== record.crc) {
      return fail(i, 'crc', `offset ${record.offset}: CRC-32C mismatch`);
    }
    if (!equalBytes(record.previousHash, linkOf(seed, hashes, i))) {
      if (i === 0) {
        return fail(0, 'seed', `offset ${record.offset}: does not continue the chain`);
      }
      const broken = records[i - 1]?.offset;
      return fail(i - 1, 'chain', `offset ${broken}: its hash is not the next record's link`);
    }
  }
  const last = linkOf(seed, hashes, count);
  if (run.head !== undefined && !equalBytes(last, run.head)) {
    const offset = records[count - 1]?.offset;
    return fail(count - 1, 'head', `offset ${offset}: its hash is not the chain head`);
  }
  return { ok: true, head: last.slice() };
}

function fail(
  index: number,
  failure: 'crc' | 'chain' | 'seed' | 'head',
  message: string,
): VerifyResult {
  return { ok: false, index, failure, message };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
