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

  // The kernel's operating errors (ts/kernel/): a command that cannot apply to the state.
  UnknownTenant: 'UNKNOWN_TENANT',
  TenantExists: 'TENANT_EXISTS',
  TenantSealed: 'TENANT_SEALED',
  /** The tenant was deleted and its key destroyed: its data can no longer be read. */
  TenantDeleted: 'TENANT_DELETED',
  /** A session of one tenant asked for another tenant's data. */
  CrossTenant: 'CROSS_TENANT',
  UnknownTable: 'UNKNOWN_TABLE',
  TableExists: 'TABLE_EXISTS',
  UnknownColumn: 'UNKNOWN_COLUMN',
  ColumnExists: 'COLUMN_EXISTS',
  UnknownIndex: 'UNKNOWN_INDEX',
  IndexExists: 'INDEX_EXISTS',
  UnknownStream: 'UNKNOWN_STREAM',
  StreamExists: 'STREAM_EXISTS',
  /** Appending to a stream whose next offset is not the one the writer expected. */
  OffsetMismatch: 'OFFSET_MISMATCH',
  DuplicatePrimaryKey: 'DUPLICATE_PRIMARY_KEY',
  /** An update or delete of a row that does not exist. */
  RowNotFound: 'ROW_NOT_FOUND',
  /** A resolved change whose `before` image is not the row's current value. */
  RowChanged: 'ROW_CHANGED',
  NotNullViolation: 'NOT_NULL_VIOLATION',
  /** A value that does not fit its column's type, or a row of the wrong shape. */
  InvalidRow: 'INVALID_ROW',
  /** A schema change the catalog refuses (dropping a key column, a table without a key...). */
  InvalidSchema: 'INVALID_SCHEMA',
  /** A request number older than the last one the client's session remembers. */
  StaleRequest: 'STALE_REQUEST',
  /** A read at a log position outside what the database holds. */
  PositionOutOfRange: 'POSITION_OUT_OF_RANGE',
  /** The database was closed, or failed and must be reopened. */
  DatabaseClosed: 'DATABASE_CLOSED',
  /** The master key is missing, malformed, or does not unwrap a tenant's data key. */
  KeyError: 'KEY_ERROR',

  // The SQL engine's errors (ts/query/).
  /** The statement does not parse; the message gives the line and column. */
  SyntaxError: 'SYNTAX_ERROR',
  /** Valid SQL that Kimberlite does not support: `Not supported: ...`. */
  NotSupported: 'NOT_SUPPORTED',
  /** A column name that matches columns of more than one table in scope. */
  AmbiguousColumn: 'AMBIGUOUS_COLUMN',
  /** An operator, function or value applied to a type it does not take. */
  TypeMismatch: 'TYPE_MISMATCH',
  /** An arithmetic result outside its type's range (integer overflow, decimal precision). */
  NumericOverflow: 'NUMERIC_OVERFLOW',
  DivisionByZero: 'DIVISION_BY_ZERO',
  /** A scalar subquery returned more than one row. */
  CardinalityViolation: 'CARDINALITY_VIOLATION',
  /** A column neither grouped nor aggregated, or an aggregate where none is allowed. */
  GroupingError: 'GROUPING_ERROR',
  /** A `$n` parameter missing, extra or of a type that does not fit. */
  InvalidParameter: 'INVALID_PARAMETER',
  /** A function name that does not exist, or the wrong number or types of arguments. */
  UnknownFunction: 'UNKNOWN_FUNCTION',
  /** A value that cannot be converted (`CAST('abc' AS INTEGER)`, a malformed date...). */
  InvalidValue: 'INVALID_VALUE',

  // The server's and the client's errors (ts/wire/, ts/server/, ts/client/).
  /** No handshake, unknown credentials, or credentials the server's auth mode does not take. */
  Unauthenticated: 'UNAUTHENTICATED',
  /** A JWT whose `exp` has passed (or `nbf` not yet reached). */
  TokenExpired: 'TOKEN_EXPIRED',
  /** The identity's roles do not allow the request. */
  PermissionDenied: 'PERMISSION_DENIED',
  /** A malformed frame or message: bad magic, bad CRC, truncated, or a field of the wrong type. */
  ProtocolError: 'PROTOCOL_ERROR',
  /** The client and server share no protocol version. */
  UnsupportedVersion: 'UNSUPPORTED_VERSION',
  /** The server is at its connection limit. */
  TooManyConnections: 'TOO_MANY_CONNECTIONS',
  /** The connection is at its limit of in-flight requests. */
  TooManyRequests: 'TOO_MANY_REQUESTS',
  /** No reply within the client's timeout (a write may still have been applied). */
  Timeout: 'TIMEOUT',
  /** The server is shutting down and takes no new requests. */
  ShuttingDown: 'SHUTTING_DOWN',
  /** The connection closed before the reply arrived. */
  ConnectionClosed: 'CONNECTION_CLOSED',
  /** A bug in the server: the message says what; report it. */
  Internal: 'INTERNAL',
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
