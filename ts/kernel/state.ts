/**
 * Kernel state construction and the kernel's private, mutable view of it.
 *
 * `apply` takes ownership of the state it is given and changes it in place (cloning maps per
 * command would cost more than the command). Everyone else sees the readonly shapes of
 * `types.ts`; only the kernel's own files use the `Mutable*` views below.
 *
 * Invariants:
 * - Every map in a state is a real `Map` (decoders and constructors here make them so).
 * - A failed command changes nothing: the kernel validates a command completely before its
 *   first mutation.
 */
import { assert } from '../types/index.js';
import { noteStream, noteTable } from './catalog.js';
import type { ClientSession, KernelState, StreamDef, TableDef, TenantState } from './types.js';

/** The kernel's writable view of a tenant. */
export interface MutableTenantState {
  readonly id: number;
  readonly name: string;
  readonly keyId: Uint8Array;
  readonly createdAt: bigint;
  sealed: boolean;
  nextObjectId: number;
  readonly tables: Map<number, TableDef>;
  readonly streams: Map<number, StreamDef>;
  readonly sessions: Map<number, ClientSession>;
}

export interface MutableKernelState {
  readonly tenants: Map<number, TenantState>;
}

/** The kernel's writable view of `tenant` (the same object). */
export function mutable(tenant: TenantState): MutableTenantState {
  return tenant as unknown as MutableTenantState;
}

/** Replaces (or adds) a table in place, keeping name lookups right. */
export function putTable(tenant: TenantState, table: TableDef): void {
  mutable(tenant).tables.set(table.id, table);
  noteTable(tenant, table);
}

/** Replaces (or adds) a stream in place, keeping name lookups right. */
export function putStream(tenant: TenantState, stream: StreamDef): void {
  mutable(tenant).streams.set(stream.id, stream);
  noteStream(tenant, stream);
}

/**
 * The state of a database with no tenants.
 *
 * @example
 * let state = emptyKernelState();
 * ({ state } = apply(state, command, context));
 */
export function emptyKernelState(): KernelState {
  return { tenants: new Map() };
}

/**
 * A new tenant state with no objects (what `create_tenant` makes).
 *
 * @example
 * const tenant = newTenantState({ id: 7, name: 'clinic', keyId, createdAt: 1n });
 */
export function newTenantState(fields: {
  id: number;
  name: string;
  keyId: Uint8Array;
  createdAt: bigint;
}): TenantState {
  return {
    id: fields.id,
    name: fields.name,
    keyId: fields.keyId.slice(),
    createdAt: fields.createdAt,
    sealed: false,
    nextObjectId: 1,
    tables: new Map(),
    streams: new Map(),
    sessions: new Map(),
  };
}

/**
 * `state` with `tenant` added or replaced (a new `KernelState`; `state` is not changed), so
 * the runtime can assemble the kernel state from per-tenant snapshots.
 *
 * @example
 * let state = emptyKernelState();
 * for (const bytes of snapshots) state = withTenant(state, decodeTenantState(bytes));
 */
export function withTenant(state: KernelState, tenant: TenantState): KernelState {
  assert(
    tenant.tables instanceof Map && tenant.streams instanceof Map && tenant.sessions instanceof Map,
    'a tenant state holds real Maps (the kernel changes them in place)',
  );
  const tenants = new Map(state.tenants);
  tenants.set(tenant.id, tenant);
  return { tenants };
}

/**
 * `state` without tenant `id` (a new `KernelState`; `state` is not changed).
 *
 * @example
 * state = withoutTenant(state, 7);
 */
export function withoutTenant(state: KernelState, id: number): KernelState {
  const tenants = new Map(state.tenants);
  tenants.delete(id);
  return { tenants };
}
