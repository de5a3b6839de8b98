/**
 * State codec (ts/kernel/state_codec.ts): tenant states round-trip byte for byte, encode the
 * same whatever the insertion order of their maps, hash per kernel state, and malformed bytes
 * throw CORRUPTION and nothing else.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type HashFunction, loadCrypto } from '../../ts/crypto/index.js';
import {
  decodeTenantState,
  emptyKernelState,
  encodeTenantState,
  kernelStateHash,
  type TenantState,
  withoutTenant,
  withTenant,
} from '../../ts/kernel/index.js';
import { ErrorCode, KimberliteError } from '../../ts/types/index.js';
import { prngFor, SEED_NOTE } from '../crypto/random.js';
import { patient, patientsRunner } from './fixture.js';

let sha256: HashFunction;

beforeAll(async () => {
  sha256 = (await loadCrypto({ choice: 'auto' })).sha256;
});

/** A tenant with a table, a dropped table, an index, a stream and sessions of each outcome. */
function busyTenant(): TenantState {
  const runner = patientsRunner();
  runner.op(1, { kind: 'create_index', table: 'patients', name: 'by_age', columns: ['age'] });
  runner.op(1, {
    kind: 'add_column',
    table: 'patients',
    column: { name: 'price', type: { kind: 'decimal', precision: 8, scale: 2 }, notNull: false },
  });
  runner.op(1, { kind: 'drop_column', table: 'patients', column: 'price' });
  runner.op(1, {
    kind: 'create_table',
    name: 'old',
    columns: [{ name: 'v', type: { kind: 'varchar', length: 9 }, notNull: true }],
    primaryKey: ['v'],
  });
  runner.op(1, { kind: 'drop_table', table: 'old' });
  runner.run({
    tenant: 1,
    request: { clientId: 2, requestNumber: 1 },
    operation: { kind: 'create_stream', name: 's' },
  });
  runner.run({
    tenant: 1,
    request: { clientId: 3, requestNumber: 7 },
    operation: { kind: 'append_events', stream: 's', events: [new Uint8Array([1])] },
  });
  runner.run({
    tenant: 1,
    request: { clientId: 1, requestNumber: 1 },
    operation: {
      kind: 'write_rows',
      table: 'patients',
      changes: [{ kind: 'insert', row: patient(1, 'A', 1) }],
    },
  });
  runner.op(1, { kind: 'seal_tenant' });
  return runner.tenant(1);
}

describe('state codec', () => {
  it('a tenant state round-trips to equal values and identical bytes', () => {
    const tenant = busyTenant();
    const bytes = encodeTenantState(tenant);
    const decoded = decodeTenantState(bytes);
    expect(decoded).toEqual(tenant);
    expect(encodeTenantState(decoded)).toEqual(bytes);
  });

  it('encodes maps sorted by id, whatever their insertion order', () => {
    const tenant = busyTenant();
    const reversed: TenantState = {
      ...tenant,
      tables: new Map([...tenant.tables].reverse()),
      streams: new Map([...tenant.streams].reverse()),
      sessions: new Map([...tenant.sessions].reverse()),
    };
    expect(encodeTenantState(reversed)).toEqual(encodeTenantState(tenant));
  });

  it('kernelStateHash covers every tenant and ignores assembly order', () => {
    const tenant = busyTenant();
    const other = { ...decodeTenantState(encodeTenantState(tenant)), id: 2 };
    const ab = withTenant(withTenant(emptyKernelState(), tenant), other);
    const ba = withTenant(withTenant(emptyKernelState(), other), tenant);
    expect(kernelStateHash(sha256, ab)).toEqual(kernelStateHash(sha256, ba));
    const onlyOne = withoutTenant(ab, 2);
    expect(onlyOne.tenants.size).toBe(1);
    expect(ab.tenants.size).toBe(2);
    expect(kernelStateHash(sha256, onlyOne)).not.toEqual(kernelStateHash(sha256, ab));
    expect(kernelStateHash(sha256, emptyKernelState()).length).toBe(32);
  });

  it('truncations, bit flips and garbage throw CORRUPTION or decode, nothing else', () => {
    const bytes = encodeTenantState(busyTenant());
    const attempt = (input: Uint8Array): 'ok' | 'corrupt' => {
      try {
        decodeTenantState(input);
        return 'ok';
      } catch (error) {
        expect(error).toBeInstanceOf(KimberliteError);
        expect((error as KimberliteError).code).toBe(ErrorCode.Corruption);
        return 'corrupt';
      }
    };
    for (let length = 0; length < bytes.length; length++) {
      expect(attempt(bytes.subarray(0, length))).toBe('corrupt');
    }
    expect(attempt(Uint8Array.of(...bytes, 0))).toBe('corrupt');
    try {
      fc.assert(
        fc.property(fc.nat(), fc.nat(7), fc.uint8Array({ maxLength: 100 }), (at, bit, junk) => {
          const flipped = bytes.slice();
          const index = at % flipped.length;
          flipped[index] = (flipped[index] ?? 0) ^ (1 << bit);
          attempt(flipped);
          attempt(junk);
          attempt(Uint8Array.of(1, ...junk));
        }),
        { seed: prngFor('state garbage').u32() | 0, numRuns: 500 },
      );
    } catch (error) {
      if (error instanceof Error) error.message = `${SEED_NOTE}: ${error.message}`;
      throw error;
    }
  });
});
