/**
 * Determinism of `apply` (ts/kernel/apply.ts), checked on random command sequences over a
 * small vocabulary (so commands often succeed and interact):
 * - applying the same sequence twice gives identical outcomes, effects and kernelStateHash;
 * - every tenant state encodes, decodes and re-encodes to identical bytes;
 * - a state assembled from snapshots part-way (withTenant + decodeTenantState) continues
 *   exactly like the live one;
 * - a failed command never changes the state.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HashFunction } from '../../ts/crypto/index.js';
import { loadCrypto } from '../../ts/crypto/index.js';
import {
  type ApplyResult,
  apply,
  type Command,
  decodeTenantState,
  emptyKernelState,
  encodeTenantState,
  type KernelState,
  kernelStateHash,
  type Operation,
  type RowChange,
  withTenant,
} from '../../ts/kernel/index.js';
import type { SqlValue } from '../../ts/types/index.js';
import { prngFor, SEED_NOTE } from '../crypto/random.js';
import { MapRows } from './fixture.js';

let sha256: HashFunction;

beforeAll(async () => {
  const crypto = await loadCrypto({ choice: 'auto' });
  sha256 = crypto.sha256;
});

const tableName = fc.constantFrom('a', 'b', 'A');
const key = fc
  .integer({ min: 0, max: 4 })
  .map((k): SqlValue => ({ kind: 'integer', value: BigInt(k) }));
const label = fc.constantFrom<SqlValue>(
  { kind: 'text', value: 'x' },
  { kind: 'text', value: 'y' },
  { kind: 'null' },
);
const count = fc.constantFrom<SqlValue>(
  { kind: 'integer', value: 1n },
  { kind: 'integer', value: 2n },
  { kind: 'null' },
);
const row = fc.tuple(key, label, count).map((values): SqlValue[] => values);

const change: fc.Arbitrary<RowChange> = fc.oneof(
  { weight: 3, arbitrary: row.map((r): RowChange => ({ kind: 'insert', row: r })) },
  fc.tuple(row, row).map(([before, after]): RowChange => ({ kind: 'update', before, after })),
  row.map((before): RowChange => ({ kind: 'delete', before })),
  fc
    .tuple(fc.option(row, { nil: null }), row)
    .map(([before, after]): RowChange => ({ kind: 'upsert', before, after })),
);

const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.constant<Operation>({
      kind: 'create_tenant',
      name: 'tenant',
      keyId: new Uint8Array([1, 2]),
    }),
  },
  fc.constantFrom<Operation>(
    { kind: 'delete_tenant' },
    { kind: 'seal_tenant' },
    { kind: 'unseal_tenant' },
  ),
  {
    weight: 3,
    arbitrary: tableName.map(
      (name): Operation => ({
        kind: 'create_table',
        name,
        columns: [
          { name: 'k', type: { kind: 'bigint' }, notNull: false },
          { name: 'label', type: { kind: 'varchar', length: 4 }, notNull: true },
          { name: 'n', type: { kind: 'integer' }, notNull: false },
        ],
        primaryKey: ['k'],
      }),
    ),
  },
  tableName.map((table): Operation => ({ kind: 'drop_table', table })),
  tableName.map(
    (table): Operation => ({
      kind: 'add_column',
      table,
      column: { name: 'extra', type: { kind: 'text' }, notNull: false },
    }),
  ),
  fc
    .tuple(tableName, fc.constantFrom('n', 'extra', 'label'))
    .map(([table, column]): Operation => ({ kind: 'drop_column', table, column })),
  fc
    .tuple(tableName, fc.constantFrom('i1', 'i2'), fc.constantFrom(['n'], ['label', 'n']))
    .map(([table, name, columns]): Operation => ({ kind: 'create_index', table, name, columns })),
  fc.constantFrom('s', 'S', 't').map((name): Operation => ({ kind: 'create_stream', name })),
  fc
    .record(
      {
        stream: fc.constantFrom('s', 't'),
        expectedOffset: fc.bigInt(0n, 3n),
        events: fc.array(fc.uint8Array({ maxLength: 3 }), { maxLength: 3 }),
      },
      { requiredKeys: ['stream', 'events'] },
    )
    .map((o): Operation => ({ kind: 'append_events', ...o })),
  {
    weight: 8,
    arbitrary: fc
      .tuple(tableName, fc.array(change, { minLength: 1, maxLength: 3 }))
      .map(([table, changes]): Operation => ({ kind: 'write_rows', table, changes })),
  },
);

const command: fc.Arbitrary<Command> = fc.record(
  {
    tenant: fc.integer({ min: 1, max: 2 }),
    request: fc.record({
      clientId: fc.integer({ min: 1, max: 3 }),
      requestNumber: fc.integer({ min: 1, max: 30 }),
    }),
    operation,
  },
  { requiredKeys: ['tenant', 'operation'] },
);

interface Run {
  state: KernelState;
  rows: MapRows;
  results: ApplyResult[];
}

function replay(commands: readonly Command[], from?: Run, firstPosition = 1): Run {
  const run: Run = from ?? { state: emptyKernelState(), rows: new MapRows(), results: [] };
  commands.forEach((command, index) => {
    // Two commands per batch: positions repeat, as they do within a batch.
    const position = BigInt(Math.floor((firstPosition + index) / 2) + 1);
    const before = run.state.tenants.get(command.tenant);
    const snapshot = before === undefined ? undefined : encodeTenantState(before);
    const result = apply(run.state, command, { position, timestampNs: position, rows: run.rows });
    if (!result.outcome.ok || result.repeated) {
      const after = result.state.tenants.get(command.tenant);
      expect(after === undefined ? undefined : encodeTenantState(after)).toEqual(snapshot);
      expect(result.effects).toEqual([]);
    }
    run.state = result.state;
    run.rows.execute(result.effects);
    run.results.push(result);
  });
  return run;
}

function strip(results: readonly ApplyResult[]) {
  return results.map(({ effects, outcome, repeated }) => ({ effects, outcome, repeated }));
}

function check(name: string, property: fc.IRawProperty<unknown>, numRuns = 50) {
  try {
    fc.assert(property, { seed: prngFor(name).u32() | 0, numRuns });
  } catch (error) {
    if (error instanceof Error) error.message = `${SEED_NOTE}: ${error.message}`;
    throw error;
  }
}

const createTable = (tenant: number): Command => ({
  tenant,
  operation: {
    kind: 'create_table',
    name: 'a',
    columns: [
      { name: 'k', type: { kind: 'bigint' }, notNull: false },
      { name: 'label', type: { kind: 'varchar', length: 4 }, notNull: true },
      { name: 'n', type: { kind: 'integer' }, notNull: false },
    ],
    primaryKey: ['k'],
  },
});

/** Both tenants and one table exist up front, so most commands have something to act on. */
const prelude: Command[] = [1, 2].flatMap((tenant) => [
  { tenant, operation: { kind: 'create_tenant', name: 'tenant', keyId: new Uint8Array([1]) } },
  createTable(tenant),
]);

const sequence = fc
  .array(command, { minLength: 1, maxLength: 60, size: 'medium' })
  .map((commands) => [...prelude, ...commands]);

describe('apply is deterministic', () => {
  it('the same commands twice give the same outcomes, effects and state hash', () => {
    check(
      'apply determinism',
      fc.property(sequence, (commands) => {
        const first = replay(commands);
        const second = replay(commands);
        expect(strip(second.results)).toEqual(strip(first.results));
        expect(kernelStateHash(sha256, second.state)).toEqual(kernelStateHash(sha256, first.state));
        for (const tenant of first.state.tenants.values()) {
          const bytes = encodeTenantState(tenant);
          expect(encodeTenantState(decodeTenantState(bytes))).toEqual(bytes);
        }
      }),
    );
  });

  it('a state assembled from snapshots part-way continues exactly like the live one', () => {
    check(
      'apply snapshot continuation',
      fc.property(sequence, fc.nat(), (commands, cut) => {
        const split = cut % (commands.length + 1);
        const live = replay(commands);
        const head = replay(commands.slice(0, split));
        let assembled = emptyKernelState();
        for (const tenant of head.state.tenants.values()) {
          assembled = withTenant(assembled, decodeTenantState(encodeTenantState(tenant)));
        }
        expect(kernelStateHash(sha256, assembled)).toEqual(kernelStateHash(sha256, head.state));
        const tail = replay(
          commands.slice(split),
          { state: assembled, rows: head.rows, results: [] },
          split + 1,
        );
        expect(strip(tail.results)).toEqual(strip(live.results.slice(split)));
        expect(kernelStateHash(sha256, tail.state)).toEqual(kernelStateHash(sha256, live.state));
      }),
    );
  });

  it('replaying the logged commands (context.replay) gives the same effects and state', () => {
    check(
      'apply replay mode',
      fc.property(sequence, (commands) => {
        const live = replay(commands);
        const logged = commands
          .map((command, index) => ({ command, result: live.results[index], index }))
          .filter(({ result }) => result?.outcome.ok === true && !result.repeated);
        let state = emptyKernelState();
        for (const { command, result, index } of logged) {
          const position = BigInt(Math.floor((1 + index) / 2) + 1);
          // No rows at all: a replayed command must not need to read one.
          const again = apply(state, command, {
            position,
            timestampNs: position,
            rows: { get: () => expect.unreachable('a replayed command read a row') },
            replay: true,
          });
          expect(again.outcome).toEqual(result?.outcome);
          expect(again.effects).toEqual(result?.effects);
          state = again.state;
        }
        expect(kernelStateHash(sha256, state)).toEqual(kernelStateHash(sha256, live.state));
      }),
    );
  });

  it('random sequences do succeed often enough to mean something', () => {
    // A fixed seed: this checks the generator's vocabulary, and a threshold on a random sample
    // failed for unlucky seeds (KIMBERLITE_TEST_SEED=1611215808 gave exactly 10 row writes).
    const commands = fc.sample(sequence, { seed: 20261122, numRuns: 30 });
    let succeeded = 0;
    let rows = 0;
    for (const sequenceOfCommands of commands) {
      for (const result of replay(sequenceOfCommands).results) {
        if (result.outcome.ok) succeeded++;
        if (result.outcome.ok && result.outcome.result.kind === 'rows') rows++;
      }
    }
    expect(succeeded).toBeGreaterThan(50);
    expect(rows).toBeGreaterThan(10);
  });
});
