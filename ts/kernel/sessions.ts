/**
 * Client sessions for idempotency: per tenant, the last request of each client and its
 * outcome, so a retried request returns the first outcome instead of applying twice.
 *
 * Invariants:
 * - At most `LIMITS.clientSessionsPerTenantMax` sessions per tenant; past it, the session
 *   with the smallest (position, clientId) is evicted, a deterministic choice replicas agree on.
 * - Only successful commands are recorded: the runtime never logs a failed command, so replay
 *   must rebuild the same table from the log alone.
 */
import { ErrorCode, LIMITS } from '../types/index.js';
import { type Failure, fail } from './errors.js';
import { mutable } from './state.js';
import type { ClientSession, Outcome, RequestId, TenantState } from './types.js';

/** Why a request id is malformed, or `undefined`. */
export function requestProblem(request: RequestId): string | undefined {
  const { clientId, requestNumber } = request;
  if (!Number.isInteger(clientId) || clientId < 1 || clientId > LIMITS.idMax) {
    return `client id must be 1..${LIMITS.idMax}, got ${clientId}`;
  }
  if (!Number.isSafeInteger(requestNumber) || requestNumber < 1) {
    return `request number must be a positive safe integer, got ${requestNumber}`;
  }
  return undefined;
}

/**
 * The remembered session when `request` repeats the client's last request, a STALE_REQUEST
 * failure when it is older, `undefined` when it is new.
 *
 * @example
 * const seen = checkRequest(tenant, { clientId: 3, requestNumber: 9 });
 */
export function checkRequest(
  tenant: TenantState,
  request: RequestId,
): ClientSession | Failure | undefined {
  const session = tenant.sessions.get(request.clientId);
  if (session === undefined || request.requestNumber > session.requestNumber) return undefined;
  if (request.requestNumber === session.requestNumber) return session;
  return fail(
    ErrorCode.StaleRequest,
    `Request ${request.requestNumber} of client ${request.clientId} is older than its last ` +
      `request ${session.requestNumber}: it was already answered`,
  );
}

/** Records a successful request, evicting the oldest session when the table is full. */
export function recordRequest(
  tenant: TenantState,
  request: RequestId,
  position: bigint,
  outcome: Outcome,
): void {
  const sessions = mutable(tenant).sessions;
  if (!sessions.has(request.clientId) && sessions.size >= LIMITS.clientSessionsPerTenantMax) {
    let oldest: ClientSession | undefined;
    for (const session of sessions.values()) {
      if (
        oldest === undefined ||
        session.position < oldest.position ||
        (session.position === oldest.position && session.clientId < oldest.clientId)
      ) {
        oldest = session;
      }
    }
    if (oldest !== undefined) sessions.delete(oldest.clientId);
  }
  sessions.set(request.clientId, {
    clientId: request.clientId,
    requestNumber: request.requestNumber,
    position,
    outcome,
  });
}
