/**
 * Every limit in Kimberlite, with the reason for its value. Growth points assert these; input
 * from clients past one is rejected with an error that names the limit, never truncated.
 * Units and qualifiers come last in each name (`recordSizeBytesMax`).
 */

const KIB = 1024;
const MIB = 1024 * KIB;

export const LIMITS = {
  /** Ids are u32 on disk and on the wire; 0 is reserved as "none". */
  idMax: 0xffff_ffff,
  /** Offsets and log positions are u64 on disk; 2^63-1 keeps them safe as signed 64-bit too. */
  positionMax: (1n << 63n) - 1n,

  /** One record's payload. Large enough for a wide row or a document, small enough that a
   * single record never dominates a 256 MiB segment or a group-commit batch. */
  recordSizeBytesMax: 8 * MIB,
  /** Records in one batch handed to a batch entry point (hash chain, CRC, seal). Offsets are
   * u32, so a batch's total size is also bounded by `batchSizeBytesMax`. */
  batchRecordsMax: 64 * KIB,
  /** Bytes in one batch: batch offsets are u32, and a batch is synced as one unit. */
  batchSizeBytesMax: 256 * MIB,

  /** Pages and segment IO are 4 KiB aligned: the O_DIRECT unit on every disk we target. */
  pageSizeBytes: 4 * KIB,
  /** One encoded B+tree key (all key columns with their tags and escapes). Keys live in
   * 4 KiB pages; capping a key at a quarter page leaves room for at least 3 keys and their
   * child pointers in an interior page after the header, so the tree keeps a fan-out >= 3
   * and its height stays logarithmic. */
  keySizeBytesMax: 1 * KIB,
  /** Segments roll at this size by default (the storage issue fixes the format). */
  segmentSizeBytesDefault: 256 * MIB,

  /** A wire frame's payload; larger requests must be split by the client. */
  frameSizeBytesMax: 16 * MIB,
  /** The server's connection limit when its configuration names none. */
  connectionsDefaultMax: 1024,
  /** In-flight requests on one connection when the configuration names no limit. */
  inFlightPerConnectionDefaultMax: 1024,
  /** A connection idle (no request in flight, none arriving) this long is closed by default. */
  idleTimeoutMsDefault: 300_000,

  /** Columns in one table: column ids are u16 in the row codec, and PostgreSQL stops at 1,600. */
  columnsPerTableMax: 1600,
  /** Columns in a primary key or an index: every key column costs at least 2 key bytes. */
  keyColumnsMax: 32,
  /** Indexes on one table: each write updates every index, so this bounds a write's cost. */
  indexesPerTableMax: 64,
  /** Tables, streams and indexes of one tenant alive at once (ids come from one counter). */
  objectsPerTenantMax: 100_000,
  /** Identifier length in bytes (tables, columns, indexes, streams), PostgreSQL's is 63. */
  identifierBytesMax: 128,
  /** Row changes in one command: a statement that changes more must be split. Bounds the work
   * and the memory one apply can take, and keeps a command's record under the record limit. */
  rowChangesPerCommandMax: 100_000,
  /** Events in one append: same reasoning as `rowChangesPerCommandMax`. */
  eventsPerAppendMax: 100_000,
  /** Client sessions remembered per tenant for idempotency. The least recently used session
   * is evicted past this; its client then gets STALE_REQUEST for a retry of an old request. */
  clientSessionsPerTenantMax: 4096,
  /** Rows one unbounded read (a scan without a limit) may return: past it the read fails and
   * says so rather than hold an unbounded result in memory or return a silently cut one. */
  scanRowsMax: 1_000_000,
  /** Pages one projection store keeps decoded in memory (16 MiB of 4 KiB pages by default). */
  storeCachePagesDefault: 4096,

  // SQL (ts/query/). Memory-heavy operators stop with LIMIT_EXCEEDED naming their limit rather
  // than exhaust the heap or return a cut answer; scans themselves are never capped.
  /** A statement's text in bytes: a wire frame carries at most 16 MiB, a statement far less. */
  statementBytesMax: 1 * MIB,
  /** Nesting depth of expressions and subqueries: the parser, translator and compiler recurse,
   * and 200 levels stay far below Node's default stack with room for the executor. */
  statementDepthMax: 200,
  /** Parsed statements kept per database in the statement cache (least recently used out). */
  statementCacheEntriesMax: 1024,
  /** Rows one sort may hold (ORDER BY, window ordering, DISTINCT, set operations). */
  sortRowsMax: 1_000_000,
  /** Rows on the build side of one hash join. */
  hashJoinRowsMax: 1_000_000,
  /** Groups one GROUP BY (or DISTINCT aggregate) may hold. */
  groupRowsMax: 1_000_000,
  /** Rows one window partition may hold. */
  windowPartitionRowsMax: 1_000_000,
  /** Rows a recursive CTE may produce in all (also ends runaway recursion). */
  recursiveCteRowsMax: 1_000_000,
  /** Rows one query result may hold (the embedded API returns an array). */
  resultRowsMax: 1_000_000,
  /** Rows produced by a nested-loop join (non-equi joins, CROSS JOIN) before it stops. */
  nestedLoopRowsMax: 10_000_000,
} as const;

/** Sizes fixed by the cryptographic primitives themselves, not tunable. */
export const CRYPTO = {
  sha256DigestBytes: 32,
  blake3DigestBytes: 32,
  hmacSha256Bytes: 32,
  aesGcmKeyBytes: 32,
  /** 96-bit nonces: the only size GCM handles without an extra GHASH pass (NIST SP 800-38D). */
  aesGcmNonceBytes: 12,
  aesGcmTagBytes: 16,
  ed25519SeedBytes: 32,
  ed25519PublicKeyBytes: 32,
  ed25519SignatureBytes: 64,
} as const;
