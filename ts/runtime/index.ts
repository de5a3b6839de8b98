/**
 * The runtime's interface: the single-node engine (sequencing, group commit, effects, replay)
 * and the embedded database built on it.
 */
export type {
  ColumnInfo,
  ColumnInput,
  Created,
  OpenOptions,
  ReadOptions,
  Row,
  RowsWritten,
  RowVersion,
  ScanOptions,
  StreamEvent,
  StreamInfo,
  TableInfo,
  WriteOptions,
} from './database.js';
export { Kimberlite, Tenant } from './database.js';
export type { EngineOptions, Resolver, SequencedView, WriteResult } from './engine.js';
export { Engine } from './engine.js';
export type { MasterKeySource, TenantKey } from './key_store.js';
export { KeyStore, MASTER_KEY_ENV, MASTER_KEY_FILE_NAME } from './key_store.js';
export type { ExecuteResult, QueryResult, SqlColumn } from './sql_session.js';
