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
