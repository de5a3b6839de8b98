/**
 * Idempotency (ts/kernel/sessions.ts): a repeated request returns the first outcome with no
 * effects and no change, an older one is STALE_REQUEST, failures are not remembered, and the
 * session table's bound evicts the smallest (position, clientId) first.
 */
import { describe, expect, it } from 'vitest';
import { apply, encodeTenantState, type Operation } from '../../ts/kernel/index.js';
import { ErrorCode, LIMITS } from '../../ts/types/index.js';
import { KEY_ID, patient, patientsRunner, Runner } from './fixture.js';

const seal: Operation = { kind: 'seal_tenant' };

const insert = (id: number): Operation => ({
  kind: 'write_rows',
  table: 'patients',
  changes: [{ kind: 'insert', row: patient(id, 'A', 1) }],
});

describe('idempotency', () => {
  it('a repeated request returns the first outcome, repeated, with no effects or change', () => {
    const runner = patientsRunner();
    const request = { clientId: 9, requestNumber: 1 };
    const first = runner.run({ tenant: 1, request, operation: insert(1) });
    expect(first.outcome.ok).toBe(true);
    expect(first.effects.length).toBe(1);
    const before = encodeTenantState(runner.tenant(1));
    const again = runner.run({ tenant: 1, request, operation: insert(1) });
    expect(again).toMatchObject({ repeated: true, effects: [], outcome: first.outcome });
    expect(encodeTenantState(runner.tenant(1))).toEqual(before);
  });

  it('an older request number fails STALE_REQUEST', () => {
    const runner = patientsRunner();
    runner.run({ tenant: 1, request: { clientId: 9, requestNumber: 5 }, operation: insert(1) });
    const stale = runner.run({
      tenant: 1,
      request: { clientId: 9, requestNumber: 4 },
      operation: insert(2),
    });
    expect(stale.outcome).toMatchObject({ ok: false, error: { code: ErrorCode.StaleRequest } });
  });

  it('a failed request is not remembered, so its retry runs again', () => {
    const runner = patientsRunner();
    runner.op(1, insert(1));
    const request = { clientId: 3, requestNumber: 1 };
    const failed = runner.run({ tenant: 1, request, operation: insert(1) });
    expect(failed.outcome.ok).toBe(false);
    expect(runner.tenant(1).sessions.has(3)).toBe(false);
    const retried = runner.run({ tenant: 1, request, operation: insert(2) });
    expect(retried).toMatchObject({ repeated: false, outcome: { ok: true } });
  });

  it('create_tenant records its session in the new tenant, so its retry is a repeat', () => {
    const runner = new Runner();
    const request = { clientId: 1, requestNumber: 1 };
    const operation: Operation = { kind: 'create_tenant', name: 't', keyId: KEY_ID };
    const first = runner.run({ tenant: 4, request, operation });
    const again = runner.run({ tenant: 4, request, operation });
    expect(again).toMatchObject({ repeated: true, outcome: first.outcome, effects: [] });
  });

  it('past clientSessionsPerTenantMax the session with the smallest (position, id) goes', () => {
    const runner = patientsRunner();
    const max = LIMITS.clientSessionsPerTenantMax;
    // Two clients per position, in descending client id, so ties are decided by the id.
    for (let client = max; client >= 1; client -= 2) {
      runner.position += 1n;
      const context = { position: runner.position, timestampNs: 0n, rows: runner.rows };
      for (const clientId of [client, client - 1]) {
        const request = { clientId, requestNumber: 1 };
        const result = apply(runner.state, { tenant: 1, request, operation: seal }, context);
        expect(result.outcome.ok).toBe(true);
      }
    }
    const sessions = runner.tenant(1).sessions;
    expect(sessions.size).toBe(max);
    runner.op(1, { kind: 'unseal_tenant' });
    runner.run({
      tenant: 1,
      request: { clientId: max + 1, requestNumber: 1 },
      operation: insert(1),
    });
    expect(sessions.size).toBe(max);
    // The first position held clients max and max-1; max-1 has the smaller id.
    expect(sessions.has(max - 1)).toBe(false);
    expect(sessions.has(max)).toBe(true);
    runner.run({
      tenant: 1,
      request: { clientId: max + 2, requestNumber: 1 },
      operation: insert(2),
    });
    expect(sessions.has(max)).toBe(false);
    expect(sessions.has(max - 2)).toBe(true);
  });
});
