/**
 * Foundation types: branded ids, SQL types and values, limits, error codes and assertions.
 * Imports nothing.
 */
export { AssertionError, assert, unreachable } from './assert.js';
export { CRYPTO, LIMITS } from './constants.js';
export { ErrorCode, KimberliteError } from './errors.js';
export type { Brand } from './ids.js';
export { ClientId, LogPosition, Offset, StreamId, TableId, TenantId, ViewNumber } from './ids.js';
export type { JsValue } from './js_value.js';
export {
  canonicalJson,
  formatDate,
  formatTimestamp,
  fromSqlValue,
  toSqlValue,
} from './js_value.js';
export type { ColumnType, SqlValue, SqlValueKind } from './value.js';
export { formatColumnType, parseColumnType, SQL_NULL, valueKindOf } from './value.js';
