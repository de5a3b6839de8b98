/** The storage layer's interface: the record codec, segment IO and the backend set. */
export type { Backends } from './backends.js';
export { loadBackends } from './backends.js';
export type {
  EncodedRecords,
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
