/**
 * Kimberlite's public API. Explicit named exports only: what is not listed here is internal.
 * The embedded database (`Kimberlite.open`), its types, and the foundation: ids, limits,
 * errors and the hot-path backends; and the client (`Client`, the SDK for a Kimberlite server,
 * with its error classes; all of its types are in `kimberlite/client`).
 */

export type { ConnectOptions } from './client/index.js';
export {
  AuthenticationError,
  Client,
  ConnectionError,
  KimberliteClientError,
  LimitError,
  PermissionError,
  ProtocolError,
  QueryError,
  TimeoutError,
} from './client/index.js';
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
export type {
  AuditMeta,
  ColumnSpec,
  CommandResult,
  RequestId,
} from './kernel/index.js';
export type {
  ColumnInfo,
  ColumnInput,
  Created,
  ExecuteResult,
  OpenOptions,
  QueryResult,
  ReadOptions,
  Row,
  RowsWritten,
  RowVersion,
  ScanOptions,
  SqlColumn,
  StreamEvent,
  TableInfo,
  WriteOptions,
} from './runtime/index.js';
export { Kimberlite, MASTER_KEY_ENV, Tenant } from './runtime/index.js';
export type {
  Backends,
  RecordLocation,
  SegmentFile,
  SegmentIo,
  VerifyReport,
} from './storage/index.js';
export { loadBackends } from './storage/index.js';
export type { Brand, ColumnType, SqlValue } from './types/index.js';
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
