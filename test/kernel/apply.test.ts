/**
 * `apply` (ts/kernel/apply.ts): tenant lifecycle, sealing, cross-tenant refusal, unknown
 * tenants, and the rule that a failed command changes nothing and has no effects.
 */
import { describe, expect, it } from 'vitest';
import {
  apply,
  emptyKernelState,
  encodeTenantState,
  type Operation,
} from '../../ts/kernel/index.js';
import { ErrorCode } from '../../ts/types/index.js';
import { KEY_ID, MapRows, patient, patientsRunner, Runner, TEXT } from './fixture.js';

function errorOf(result: { outcome: unknown }): { code: string; message: string } {
  const outcome = result.outcome as { ok: boolean; error: { code: string; message: string } };
  expect(outcome.ok).toBe(false);
  return outcome.error;
}

describe('tenants', () => {
  it('create_tenant makes an empty tenant and asks the runtime to open its store', () => {
    const runner = new Runner();
    const result = runner.op(7, { kind: 'create_tenant', name: 'clinic', keyId: KEY_ID });
    expect(result.outcome).toEqual({ ok: true, result: { kind: 'done' }, position: 1n });
    expect(result.effects).toEqual([{ kind: 'tenant_created', tenant: 7 }]);
    expect(runner.tenant(7)).toMatchObject({
      id: 7,
      name: 'clinic',
      sealed: false,
      nextObjectId: 1,
    });
  });

  it('create_tenant refuses an existing tenant, a bad id, name or key id', () => {
    const runner = new Runner();
    runner.op(7, { kind: 'create_tenant', name: 'clinic', keyId: KEY_ID });
    expect(errorOf(runner.op(7, { kind: 'create_tenant', name: 'x', keyId: KEY_ID }))).toEqual({
      code: ErrorCode.TenantExists,
      message: 'Tenant already exists: 7',
    });
    expect(errorOf(runner.op(0, { kind: 'create_tenant', name: 'x', keyId: KEY_ID })).code).toBe(
      ErrorCode.InvalidArgument,
    );
    expect(errorOf(runner.op(8, { kind: 'create_tenant', name: '', keyId: KEY_ID })).code).toBe(
      ErrorCode.InvalidArgument,
    );
    expect(
      errorOf(runner.op(8, { kind: 'create_tenant', name: 'x', keyId: new Uint8Array(0) })).code,
    ).toBe(ErrorCode.InvalidArgument);
  });

  it('delete_tenant removes the tenant and asks for its key and store to be destroyed', () => {
    const runner = patientsRunner();
    const result = runner.op(1, { kind: 'delete_tenant' });
    expect(result.outcome.ok).toBe(true);
    expect(result.effects).toEqual([{ kind: 'tenant_deleted', tenant: 1 }]);
    expect(runner.state.tenants.has(1)).toBe(false);
  });

  it('every operation but create_tenant on an absent tenant fails UNKNOWN_TENANT', () => {
    const runner = new Runner();
    const operations: Operation[] = [
      { kind: 'delete_tenant' },
      { kind: 'seal_tenant' },
      { kind: 'unseal_tenant' },
      { kind: 'create_stream', name: 's' },
      { kind: 'drop_table', table: 't' },
      { kind: 'write_rows', table: 't', changes: [] },
    ];
    for (const operation of operations) {
      expect(errorOf(runner.op(9, operation))).toEqual({
        code: ErrorCode.UnknownTenant,
        message: 'Unknown tenant: 9',
      });
    }
  });

  it('a command whose origin is another tenant fails CROSS_TENANT before anything else', () => {
    const runner = patientsRunner();
    const result = runner.run({ tenant: 1, origin: 2, operation: { kind: 'delete_tenant' } });
    expect(errorOf(result).code).toBe(ErrorCode.CrossTenant);
    expect(runner.state.tenants.has(1)).toBe(true);
    const absent = runner.run({ tenant: 5, origin: 2, operation: { kind: 'delete_tenant' } });
    expect(errorOf(absent).code).toBe(ErrorCode.CrossTenant);
    const own = runner.run({
      tenant: 1,
      origin: 1,
      operation: { kind: 'create_stream', name: 's' },
    });
    expect(own.outcome.ok).toBe(true);
  });
});

describe('sealing', () => {
  const writes: Operation[] = [
    { kind: 'create_stream', name: 's' },
    { kind: 'append_events', stream: 'events', events: [new Uint8Array([1])] },
    {
      kind: 'create_table',
      name: 't',
      columns: [{ name: 'a', type: TEXT, notNull: true }],
      primaryKey: ['a'],
    },
    { kind: 'drop_table', table: 'patients' },
    { kind: 'add_column', table: 'patients', column: { name: 'x', type: TEXT, notNull: false } },
    { kind: 'drop_column', table: 'patients', column: 'age' },
    { kind: 'create_index', table: 'patients', name: 'i', columns: ['age'] },
    {
      kind: 'write_rows',
      table: 'patients',
      changes: [{ kind: 'insert', row: patient(1, 'A', 1) }],
    },
    { kind: 'delete_tenant' },
  ];

  it.each(writes.map((operation) => [operation.kind, operation] as const))(
    'a sealed tenant refuses %s with TENANT_SEALED',
    (_, operation) => {
      const runner = patientsRunner();
      runner.op(1, { kind: 'create_stream', name: 'events' });
      expect(runner.op(1, { kind: 'seal_tenant' }).outcome.ok).toBe(true);
      const before = encodeTenantState(runner.tenant(1));
      const result = runner.op(1, operation);
      expect(errorOf(result).code).toBe(ErrorCode.TenantSealed);
      expect(errorOf(result).message).toMatch(/^Tenant 1 is sealed: /);
      expect(result.effects).toEqual([]);
      expect(encodeTenantState(runner.tenant(1))).toEqual(before);
    },
  );

  it('unseal_tenant lets writes through again', () => {
    const runner = patientsRunner();
    runner.op(1, { kind: 'seal_tenant' });
    expect(runner.op(1, { kind: 'unseal_tenant' }).outcome.ok).toBe(true);
    expect(runner.op(1, { kind: 'create_stream', name: 's' }).outcome.ok).toBe(true);
  });
});

describe('failed commands', () => {
  const failing: Operation[] = [
    {
      kind: 'create_table',
      name: 'patients',
      columns: [{ name: 'a', type: TEXT, notNull: true }],
      primaryKey: ['a'],
    },
    {
      kind: 'create_table',
      name: 'x',
      columns: [{ name: 'a', type: TEXT, notNull: true }],
      primaryKey: ['b'],
    },
    { kind: 'create_index', table: 'patients', name: 'i', columns: ['age', 'nope'] },
    { kind: 'drop_column', table: 'patients', column: 'id' },
    { kind: 'append_events', stream: 'events', expectedOffset: 5n, events: [new Uint8Array(1)] },
    {
      kind: 'write_rows',
      table: 'patients',
      changes: [
        { kind: 'insert', row: patient(10, 'A', 1) },
        { kind: 'insert', row: patient(10, 'B', 2) },
      ],
    },
  ];

  it.each(failing.map((operation, i) => [i, operation.kind, operation] as const))(
    'failure %i (%s) leaves the tenant state byte-identical and has no effects',
    (_, __, operation) => {
      const runner = patientsRunner();
      runner.op(1, { kind: 'create_stream', name: 'events' });
      const before = encodeTenantState(runner.tenant(1));
      const result = runner.run({
        tenant: 1,
        request: { clientId: 4, requestNumber: 1 },
        operation,
      });
      expect(result.outcome.ok).toBe(false);
      expect(result.effects).toEqual([]);
      expect(result.repeated).toBe(false);
      expect(encodeTenantState(runner.tenant(1))).toEqual(before);
    },
  );

  it('apply never throws for a malformed request id; it refuses it', () => {
    const state = emptyKernelState();
    const result = apply(
      state,
      { tenant: 1, request: { clientId: 0, requestNumber: 1 }, operation: { kind: 'seal_tenant' } },
      { position: 1n, timestampNs: 0n, rows: new MapRows() },
    );
    expect(errorOf(result).code).toBe(ErrorCode.InvalidArgument);
  });
});
