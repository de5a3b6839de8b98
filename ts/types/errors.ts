/**
 * Stable error codes. Callers branch on `code`, never on message text; codes are part of the
 * public API (they cross the wire), so a code is never renamed or reused.
 */

export const ErrorCode = {
  InvalidId: 'INVALID_ID',
  InvalidArgument: 'INVALID_ARGUMENT',
  LimitExceeded: 'LIMIT_EXCEEDED',
  BackendUnavailable: 'BACKEND_UNAVAILABLE',
  InvalidBackendChoice: 'INVALID_BACKEND_CHOICE',
  IoError: 'IO_ERROR',
  /** Another live process has the data directory open (its LOCK file). */
  DirectoryLocked: 'DIRECTORY_LOCKED',
  /** Stored bytes fail a check (CRC, chain, Merkle root, a file's own checksum). */
  Corruption: 'CORRUPTION',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * The foundation's operating error: something outside the program's control went wrong (bad
 * input, a missing backend, a failed IO call). Higher layers wrap it in their own boundary
 * class (`StorageError`, `SqlError`, ...) keeping it as `cause`.
 *
 * @example
 * throw new KimberliteError(ErrorCode.LimitExceeded, 'record is 9 MiB; the limit is 8 MiB');
 */
export class KimberliteError extends Error {
  override readonly name: string = 'KimberliteError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
