/**
 * The LIMIT_EXCEEDED error every memory-heavy operator throws: it names the limit so the
 * person reading it knows which query shape to change, and the answer is never cut short.
 */
import { ErrorCode, KimberliteError, LIMITS } from '../../types/index.js';

export type SqlLimit =
  | 'sortRowsMax'
  | 'hashJoinRowsMax'
  | 'groupRowsMax'
  | 'windowPartitionRowsMax'
  | 'recursiveCteRowsMax'
  | 'resultRowsMax'
  | 'nestedLoopRowsMax';

export function limitExceeded(limit: SqlLimit, what: string): KimberliteError {
  return new KimberliteError(
    ErrorCode.LimitExceeded,
    `${what} exceeds ${limit} (${LIMITS[limit]} rows); narrow the query with WHERE or LIMIT`,
  );
}

/** Throws when `count` rows exceed `limit`. */
export function checkLimit(count: number, limit: SqlLimit, what: string): void {
  if (count > LIMITS[limit]) throw limitExceeded(limit, what);
}
