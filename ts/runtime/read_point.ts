/**
 * Where a read reads: the tenant's state and store and the log position, checked against what
 * is durable. One check for the typed reads (database.ts) and SQL (sql_session.ts), so both
 * refuse the same positions with the same error.
 */
import type { TenantState } from '../kernel/index.js';
import type { ProjectionStore } from '../store/index.js';
import { ErrorCode, KimberliteError } from '../types/index.js';
import type { Engine } from './engine.js';

/** A position or offset option as a bigint; a number must be a safe integer. */
export function toPosition(value: bigint | number | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new KimberliteError(
      ErrorCode.InvalidArgument,
      `a log position must be an integer, got ${value}`,
    );
  }
  return BigInt(value);
}

export interface ReadPoint {
  readonly tenant: TenantState;
  readonly store: ProjectionStore;
  readonly at: bigint;
}

/**
 * Tenant `id` as of `at` (default: the newest durable position). UNKNOWN_TENANT when it has
 * no state or store, POSITION_OUT_OF_RANGE outside its history.
 */
export function readPoint(engine: Engine, id: number, at: bigint | undefined): ReadPoint {
  const committed = engine.committedPosition;
  const position = at ?? committed;
  const tenant = engine.kernel.tenants.get(id);
  const store = engine.store(id)?.store;
  if (tenant === undefined || store === undefined) {
    throw new KimberliteError(ErrorCode.UnknownTenant, `Unknown tenant: ${id}`);
  }
  if (position > committed || position < tenant.createdAt) {
    throw new KimberliteError(
      ErrorCode.PositionOutOfRange,
      `position ${position} is outside tenant ${id}'s history ` +
        `(${tenant.createdAt} to ${committed})`,
    );
  }
  return { tenant, store, at: position };
}
