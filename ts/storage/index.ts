/** The storage layer's interface: the record codec, segment IO and the backend set. */
export type { Backends } from './backends.js';
export { loadBackends } from './backends.js';
export type {
  BatchHeader,
  BatchHeaderDecode,
  BatchTenant,
} from './batch_header.js';
export {
  BATCH_HEADER_VERSION,
  batchLeafHashes,
  decodeBatchHeader,
  encodeBatchHeader,
} from './batch_header.js';
export type { Checkpoint, CheckpointRead, PartitionMark } from './checkpoint_file.js';
export {
  CHECKPOINT_FILE_NAME,
  decodeCheckpoint,
  encodeCheckpoint,
  readCheckpoint,
  writeCheckpoint,
} from './checkpoint_file.js';
export { corruption, ioError, syncDirectory, writeAll, writeFileDurably } from './durable_io.js';
export type { GroupCommitOptions, GroupCommitter } from './group_commit.js';
export { createGroupCommitter } from './group_commit.js';
export type { DirectoryLock } from './lock.js';
export { acquireDirectoryLock, LOCK_FILE_NAME } from './lock.js';
export type { MerkleProof } from './merkle.js';
export { merkleProof, merkleRoot, verifyMerkleProof } from './merkle.js';
export type {
  EncodedRecords,
  RecordBody,
  RecordCrypto,
  RecordHeader,
  RecordInput,
  ScannedRecord,
  ScanResult,
  ScanStop,
  VerifyResult,
} from './record.js';
export {
  encodeRecords,
  encodeRecordsAt,
  FORMAT_VERSION,
  RECORD_HEADER_BYTES,
  RECORD_MAGIC,
  RecordFlag,
  RecordKind,
  scanRecords,
  verifyRecords,
} from './record.js';
export type { SegmentFile, SegmentIo } from './segment_io/index.js';
export { segmentIoCandidates } from './segment_io/index.js';
export { openSegmentLog } from './segment_log.js';
export { CHECKPOINT_EVERY_BATCHES_DEFAULT, openStorage } from './storage.js';
export type {
  AppendResult,
  CommitRecord,
  CommitResult,
  LogRecord,
  ReadOptions,
  RecordLocation,
  RecoveryReport,
  SegmentLog,
  SegmentLogOptions,
  Storage,
  StorageBackends,
  StorageOptions,
  VerifyProgress,
  VerifyReport,
} from './types.js';
