/**
 * The SDK's typed errors: one class per family, every one carrying the stable wire `code` and
 * whether the request is safe to retry.
 */
import type { ErrorCode } from '../types/index.js';
import type { WireError } from '../wire/index.js';
import { RETRYABLE_CODES } from '../wire/index.js';

/**
 * Any error the server or the SDK reports, with its stable code.
 *
 * @example
 * try { await db.query('SELEC 1'); }
 * catch (e) { if (e instanceof KimberliteClientError) console.log(e.code, e.retryable); }
 */
export class KimberliteClientError extends Error {
  /** The stable code (see docs/sdk.md). */
  readonly code: ErrorCode;
  /** True when the same request may be sent again (writes: with the same request id). */
  readonly retryable: boolean;
  constructor(code: ErrorCode, message: string, retryable?: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable ?? RETRYABLE_CODES.has(code);
  }
}

/**
 * Credentials missing, wrong or expired (UNAUTHENTICATED, TOKEN_EXPIRED).
 *
 * @example
 * if (e instanceof AuthenticationError) console.log('check KMB_TOKEN');
 */
export class AuthenticationError extends KimberliteClientError {}

/**
 * The identity may not do this (PERMISSION_DENIED, CROSS_TENANT).
 *
 * @example
 * if (e instanceof PermissionError) console.log(e.code);
 */
export class PermissionError extends KimberliteClientError {}

/**
 * The connection failed or closed (CONNECTION_CLOSED, TOO_MANY_CONNECTIONS, SHUTTING_DOWN).
 *
 * @example
 * if (e instanceof ConnectionError && e.retryable) await retryLater();
 */
export class ConnectionError extends KimberliteClientError {}

/**
 * No reply within the timeout (TIMEOUT).
 *
 * @example
 * await db.query('SELECT 1', [], { timeoutMs: 100 }).catch((e) => e instanceof TimeoutError);
 */
export class TimeoutError extends KimberliteClientError {}

/**
 * The peer broke the protocol (PROTOCOL_ERROR, UNSUPPORTED_VERSION).
 *
 * @example
 * if (e instanceof ProtocolError) console.log('client and server versions differ?');
 */
export class ProtocolError extends KimberliteClientError {}

/**
 * The server is overloaded (TOO_MANY_REQUESTS, LIMIT_EXCEEDED).
 *
 * @example
 * if (e instanceof LimitError) console.log(e.message);
 */
export class LimitError extends KimberliteClientError {}

/**
 * A statement or request was refused: SQL errors, constraint violations, unknown names...
 *
 * @example
 * if (e instanceof QueryError && e.code === 'DUPLICATE_PRIMARY_KEY') console.log('exists');
 */
export class QueryError extends KimberliteClientError {}

const FAMILIES: Partial<Record<ErrorCode, typeof KimberliteClientError>> = {
  UNAUTHENTICATED: AuthenticationError,
  TOKEN_EXPIRED: AuthenticationError,
  PERMISSION_DENIED: PermissionError,
  CROSS_TENANT: PermissionError,
  CONNECTION_CLOSED: ConnectionError,
  TOO_MANY_CONNECTIONS: ConnectionError,
  SHUTTING_DOWN: ConnectionError,
  TIMEOUT: TimeoutError,
  PROTOCOL_ERROR: ProtocolError,
  UNSUPPORTED_VERSION: ProtocolError,
  TOO_MANY_REQUESTS: LimitError,
  LIMIT_EXCEEDED: LimitError,
};

/**
 * The typed error for an error that came over the wire.
 *
 * @example
 * const e = errorFor({ code: 'TIMEOUT', message: 'slow', retryable: true }); // TimeoutError
 */
export function errorFor(wire: WireError): KimberliteClientError {
  const Family = FAMILIES[wire.code] ?? QueryError;
  return new Family(wire.code, wire.message, wire.retryable);
}
