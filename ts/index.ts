/**
 * Kimberlite's public API. Explicit named exports only: what is not listed here is internal.
 * The embedded database and the client arrive with their issues; for now the foundation:
 * ids, limits, errors and the hot-path backends.
 */
export type {
  AesGcm,
  AesGcmKey,
  BackendChoice,
  BackendInfo,
  BackendKind,
  Blake3,
  Crc32c,
  CryptoSuite,
  Ed25519,
  Hasher,
  HashFunction,
  HmacSha256,
  RecordBatch,
  SelectionReport,
  Sha256,
} from './crypto/index.js';
export { batchOf, loadCrypto, parseBackendChoice } from './crypto/index.js';
export type { Backends, SegmentFile, SegmentIo } from './storage/index.js';
export { loadBackends } from './storage/index.js';
export type { Brand } from './types/index.js';
export {
  ClientId,
  CRYPTO,
  ErrorCode,
  KimberliteError,
  LIMITS,
  LogPosition,
  Offset,
  StreamId,
  TableId,
  TenantId,
  ViewNumber,
} from './types/index.js';
