/**
 * `apply`: the kernel's one entry point. Checks the command's tenant, origin and request id,
 * dispatches on the operation, and turns the result into an outcome, effects and the next
 * state. Pure: no IO, clock or randomness; time and position come in `context`.
 *
 * Invariants:
 * - Never throws for a bad command: operating errors are failed outcomes.
 * - A failed command leaves the state exactly as it was and has no effects; every operation
 *   validates completely before its first change.
 * - A repeated request returns the first outcome, no effects, state unchanged.
 */
import { ErrorCode, LIMITS, unreachable } from '../types/index.js';
import {
  addColumn,
  createIndex,
  createTable,
  type Done,
  dropColumn,
  dropTable,
  identifierProblem,
} from './ddl.js';
import { type Failure, fail, isFailure } from './errors.js';
import { writeRows } from './rows.js';
import { checkRequest, recordRequest, requestProblem } from './sessions.js';
import { type MutableKernelState, mutable, newTenantState } from './state.js';
import { appendEvents, createStream } from './streams.js';
import type {
  ApplyContext,
  ApplyResult,
  Command,
  KernelState,
  Operation,
  TenantState,
} from './types.js';

const DONE_RESULT = Object.freeze({ kind: 'done' as const });
const KEY_ID_BYTES_MAX = 64;

function failed(state: KernelState, failure: Failure): ApplyResult {
  return { state, effects: [], outcome: { ok: false, error: failure.failure }, repeated: false };
}

/**
 * Applies one command to the state (which it takes ownership of and may change in place).
 *
 * @example
 * const { state, effects, outcome } = apply(emptyKernelState(), {
 *   tenant: 7,
 *   operation: { kind: 'create_tenant', name: 'clinic', keyId: new Uint8Array(32) },
 * }, { position: 1n, timestampNs: 0n, rows });
 */
export function apply(state: KernelState, command: Command, context: ApplyContext): ApplyResult {
  const { operation, request } = command;
  if (command.origin !== undefined && command.origin !== command.tenant) {
    return failed(
      state,
      fail(
        ErrorCode.CrossTenant,
        `A session of tenant ${command.origin} cannot act on tenant ${command.tenant}`,
      ),
    );
  }
  if (request !== undefined) {
    const problem = requestProblem(request);
    if (problem !== undefined) return failed(state, fail(ErrorCode.InvalidArgument, problem));
  }
  const tenant = state.tenants.get(command.tenant);
  if (tenant !== undefined && request !== undefined) {
    const seen = checkRequest(tenant, request);
    if (isFailure(seen)) return failed(state, seen);
    if (seen !== undefined) {
      return { state, effects: [], outcome: seen.outcome, repeated: true };
    }
  }

  let done: Done | Failure;
  let target = tenant;
  if (operation.kind === 'create_tenant') {
    const created = createTenant(state, command, operation, context);
    if (isFailure(created)) return failed(state, created);
    target = created;
    done = { result: DONE_RESULT, effects: [{ kind: 'tenant_created', tenant: created.id }] };
  } else if (tenant === undefined) {
    return failed(state, fail(ErrorCode.UnknownTenant, `Unknown tenant: ${command.tenant}`));
  } else {
    done = applyToTenant(state, tenant, operation, context);
    if (isFailure(done)) return failed(state, done);
    if (operation.kind === 'delete_tenant') target = undefined;
  }
  const outcome = { ok: true as const, result: done.result, position: context.position };
  if (request !== undefined && target !== undefined) {
    recordRequest(target, request, context.position, outcome);
  }
  return { state, effects: done.effects, outcome, repeated: false };
}

function createTenant(
  state: KernelState,
  command: Command,
  operation: Extract<Operation, { kind: 'create_tenant' }>,
  context: ApplyContext,
): TenantState | Failure {
  const id = command.tenant;
  if (state.tenants.has(id)) return fail(ErrorCode.TenantExists, `Tenant already exists: ${id}`);
  if (!Number.isInteger(id) || id < 1 || id > LIMITS.idMax) {
    return fail(ErrorCode.InvalidArgument, `A tenant id must be 1..${LIMITS.idMax}, got ${id}`);
  }
  const problem = identifierProblem(operation.name);
  if (problem !== undefined) {
    return fail(
      ErrorCode.InvalidArgument,
      `The tenant name ${JSON.stringify(operation.name)} ${problem}`,
    );
  }
  const { keyId } = operation;
  if (!(keyId instanceof Uint8Array) || keyId.length === 0 || keyId.length > KEY_ID_BYTES_MAX) {
    return fail(ErrorCode.InvalidArgument, `A tenant key id is 1..${KEY_ID_BYTES_MAX} bytes`);
  }
  const tenant = newTenantState({
    id,
    name: operation.name,
    keyId,
    createdAt: context.position,
  });
  (state as MutableKernelState).tenants.set(id, tenant);
  return tenant;
}

function applyToTenant(
  state: KernelState,
  tenant: TenantState,
  operation: Exclude<Operation, { kind: 'create_tenant' }>,
  context: ApplyContext,
): Done | Failure {
  const { position } = context;
  switch (operation.kind) {
    case 'delete_tenant':
      if (tenant.sealed) return sealedFailure(tenant, 'unseal it before deleting it');
      (state as MutableKernelState).tenants.delete(tenant.id);
      return { result: DONE_RESULT, effects: [{ kind: 'tenant_deleted', tenant: tenant.id }] };
    case 'seal_tenant':
      mutable(tenant).sealed = true;
      return { result: DONE_RESULT, effects: [] };
    case 'unseal_tenant':
      mutable(tenant).sealed = false;
      return { result: DONE_RESULT, effects: [] };
    default:
  }
  if (tenant.sealed) return sealedFailure(tenant, 'writes are refused');
  switch (operation.kind) {
    case 'create_stream':
      return createStream(tenant, operation, position);
    case 'append_events':
      return appendEvents(tenant, operation);
    case 'create_table':
      return createTable(tenant, operation, position);
    case 'drop_table':
      return dropTable(tenant, operation, position);
    case 'add_column':
      return addColumn(tenant, operation, position);
    case 'drop_column':
      return dropColumn(tenant, operation, position);
    case 'create_index':
      return createIndex(tenant, operation, position);
    case 'write_rows': {
      const written = writeRows(tenant, operation, context);
      if (isFailure(written)) return written;
      return {
        result: { kind: 'rows', rowsAffected: written.rowsAffected },
        effects: written.effects,
      };
    }
    default:
      return unreachable(operation);
  }
}

function sealedFailure(tenant: TenantState, consequence: string): Failure {
  return fail(ErrorCode.TenantSealed, `Tenant ${tenant.id} is sealed: ${consequence}`);
}
