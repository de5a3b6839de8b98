/**
 * The embedded database against a naive model (fast-check, seeded): random inserts, updates,
 * upserts and deletes, issued in concurrent groups so several commands share a batch. Then:
 * - MVCC: `get` and `scan` at every position since the table was created equal the model's
 *   table as of that position;
 * - determinism: the state hash is the same after reopening, and after deleting every
 *   projection store and rebuilding it by replaying the log.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Row, Tenant } from '../../ts/runtime/index.js';
import { ErrorCode, KimberliteError } from '../../ts/types/index.js';
import { SEED_NOTE, TEST_SEED } from '../crypto/random.js';
import { dataDirectory, openDatabase, removeDirectory } from './fixture.js';

const KEYS = 12;

type Op =
  | { kind: 'insert'; id: number; qty: number; label: string }
  | { kind: 'update'; id: number; qty: number }
  | { kind: 'upsert'; id: number; qty: number; label: string }
  | { kind: 'delete'; id: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    id: fc.integer({ min: 0, max: KEYS - 1 }),
    qty: fc.integer({ min: -5, max: 1000 }),
    label: fc.string({ maxLength: 12 }),
  }),
  fc.record({
    kind: fc.constant('update' as const),
    id: fc.integer({ min: 0, max: KEYS - 1 }),
    qty: fc.integer({ min: -5, max: 1000 }),
  }),
  fc.record({
    kind: fc.constant('upsert' as const),
    id: fc.integer({ min: 0, max: KEYS - 1 }),
    qty: fc.integer({ min: -5, max: 1000 }),
    label: fc.string({ maxLength: 12 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), id: fc.integer({ min: 0, max: KEYS - 1 }) }),
);

type Table = Map<number, Row>;

/** Applies `op` to `table` (a copy is made by the caller); returns rows affected or a code. */
function applyModel(table: Table, op: Op): number | string {
  const current = table.get(op.id);
  switch (op.kind) {
    case 'insert':
      if (current !== undefined) return ErrorCode.DuplicatePrimaryKey;
      table.set(op.id, { id: op.id, qty: BigInt(op.qty), label: op.label });
      return 1;
    case 'update':
      if (current === undefined) return 0;
      table.set(op.id, { ...current, qty: BigInt(op.qty) });
      return 1;
    case 'upsert':
      table.set(op.id, { id: op.id, qty: BigInt(op.qty), label: op.label });
      return 1;
    case 'delete':
      if (current === undefined) return 0;
      table.delete(op.id);
      return 1;
  }
}

function run(tenant: Tenant, op: Op): Promise<{ rowsAffected: number; position: bigint }> {
  switch (op.kind) {
    case 'insert':
      return tenant.insert('items', { id: op.id, qty: BigInt(op.qty), label: op.label });
    case 'update':
      return tenant.update('items', op.id, { qty: BigInt(op.qty) });
    case 'upsert':
      return tenant.upsert('items', { id: op.id, qty: BigInt(op.qty), label: op.label });
    case 'delete':
      return tenant.delete('items', op.id);
  }
}

function sorted(table: Table): Row[] {
  return [...table.values()].sort((a, b) => Number(a.id) - Number(b.id));
}

describe('embedded database against a model', () => {
  it('matches the model at every past position and replays to the same hash', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(opArbitrary, { minLength: 1, maxLength: 6 }), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.integer({ min: 1, max: 4 }),
        async (groups, checkpointEvery) => {
          const directory = dataDirectory('model');
          try {
            const db = await openDatabase(directory, {
              storeCheckpointEveryBatches: checkpointEvery,
              cachePagesMax: 16,
            });
            const tenant = await db.createTenant(1, { name: 'model' });
            const created = await tenant.createTable(
              'items',
              [
                { name: 'id', type: 'INTEGER' },
                { name: 'qty', type: 'BIGINT' },
                { name: 'label', type: 'TEXT' },
              ],
              { primaryKey: 'id' },
            );
            let model: Table = new Map();
            const snapshots: { position: bigint; table: Table }[] = [
              { position: created.position, table: new Map() },
            ];
            for (const group of groups) {
              const expected: (number | string)[] = [];
              const promises = group.map((op) => {
                model = new Map(model);
                expected.push(applyModel(model, op));
                snapshots.push({ position: -1n, table: model });
                return run(tenant, op).then(
                  (result) => result,
                  (error: unknown) =>
                    error instanceof KimberliteError ? error.code : Promise.reject(error),
                );
              });
              const results = await Promise.all(promises);
              results.forEach((result, i) => {
                const snapshot = snapshots[snapshots.length - group.length + i];
                if (snapshot === undefined) throw new Error('snapshot');
                if (typeof result === 'string') {
                  expect(result, SEED_NOTE).toBe(expected[i]);
                  snapshot.position =
                    snapshots[snapshots.length - group.length + i - 1]?.position ?? 0n;
                } else {
                  expect(result.rowsAffected, SEED_NOTE).toBe(expected[i]);
                  snapshot.position = result.position;
                }
              });
            }
            for (let at = created.position; at <= db.position; at++) {
              const table = snapshots.filter((s) => s.position <= at).at(-1)?.table ?? new Map();
              expect(await tenant.scan('items', { at }), `${SEED_NOTE}: scan at ${at}`).toEqual(
                sorted(table),
              );
              for (let id = 0; id < KEYS; id++) {
                expect(
                  await tenant.get('items', id, { at }),
                  `${SEED_NOTE}: get ${id} at ${at}`,
                ).toEqual(table.get(id));
              }
            }
            const hash = Buffer.from(await db.stateHash()).toString('hex');
            await db.close();
            const reopened = await openDatabase(directory);
            expect(Buffer.from(await reopened.stateHash()).toString('hex'), SEED_NOTE).toBe(hash);
            await reopened.close();
            const rebuilt = await openDatabase(directory, { rebuild: true });
            expect(Buffer.from(await rebuilt.stateHash()).toString('hex'), SEED_NOTE).toBe(hash);
            await rebuilt.close();
          } finally {
            removeDirectory(directory);
          }
        },
      ),
      { seed: TEST_SEED, numRuns: 50 },
    );
  });
});
