/**
 * A model test of the storage engine (fast-check): random scripts of concurrent commits over
 * a few tenants, clean closes and simulated crashes (abandoned without close, LOCK removed),
 * with random checkpoint intervals. After every reopen each tenant's records equal the model's
 * (every acknowledged commit, in order, at the offsets it was given) and verify passes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBackendChoice } from '../../ts/crypto/index.js';
import { loadBackends, openStorage, RecordKind } from '../../ts/storage/index.js';
import type { CommitRecord, Storage, StorageBackends } from '../../ts/storage/types.js';

let backends: StorageBackends;
beforeAll(async () => {
  backends = await loadBackends({ choice: parseBackendChoice(process.env.KIMBERLITE_BACKEND) });
});

type Step =
  | { readonly kind: 'commits'; readonly commits: readonly (readonly CommitRecord[])[] }
  | { readonly kind: 'close' }
  | { readonly kind: 'crash' };

const recordArbitrary: fc.Arbitrary<CommitRecord> = fc.record({
  tenant: fc.integer({ min: 1, max: 4 }),
  stream: fc.integer({ min: 0, max: 3 }),
  flags: fc.constantFrom(0, 1),
  payload: fc.uint8Array({ maxLength: 300 }),
});

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .array(fc.array(recordArbitrary, { minLength: 1, maxLength: 6 }), {
        minLength: 1,
        maxLength: 5,
      })
      .map((commits) => ({ kind: 'commits' as const, commits })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'close' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'crash' as const }) },
);

/** Per tenant, "offset:stream:flags:payload hex" of every event. */
function contents(storage: Storage): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const tenant of storage.tenants()) {
    const events = storage
      .read(tenant, 0n, { maxRecords: 100_000, maxBytes: 1 << 26, verified: true })
      .filter((r) => r.header.kind === RecordKind.Event)
      .map((r) => describeRecord(r.header.offset, r.header, r.payload));
    if (events.length > 0) out.set(tenant, events);
  }
  return out;
}

function describeRecord(
  offset: bigint,
  record: { stream: number; flags: number },
  payload: Uint8Array,
): string {
  return `${offset}:${record.stream}:${record.flags}:${Buffer.from(payload).toString('hex')}`;
}

function byTenant(map: Map<number, string[]>): [number, string[]][] {
  return [...map.entries()].sort(([a], [b]) => a - b);
}

describe('storage model', () => {
  it('keeps every acknowledged commit across closes and crashes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArbitrary, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 5 }),
        async (steps, checkpointEveryBatches) => {
          const root = mkdtempSync(join(tmpdir(), 'kimberlite-model-'));
          const options = {
            directory: join(root, 'data'),
            create: true,
            segmentSizeBytes: 64 * 1024,
            checkpointEveryRecords: 4,
            checkpointEveryBatches,
          };
          const model = new Map<number, string[]>();
          let storage = await openStorage(backends, options);
          let timestampNs = 1_000n;
          try {
            for (const step of steps) {
              if (step.kind === 'commits') {
                const results = await Promise.all(
                  step.commits.map((records) => {
                    timestampNs += 1n;
                    return storage.commit(records, { timestampNs });
                  }),
                );
                step.commits.forEach((records, c) => {
                  records.forEach((record, i) => {
                    const offset = results[c]?.offsets[i] ?? -1n;
                    const list = model.get(record.tenant) ?? [];
                    list.push(describeRecord(offset, record, record.payload));
                    model.set(record.tenant, list);
                  });
                });
                continue;
              }
              if (step.kind === 'close') await storage.close();
              else rmSync(join(options.directory, 'LOCK'));
              storage = await openStorage(backends, options);
              // Commits are batched in submission order, so each tenant's records lie in the
              // model's order, at the offsets their commits were given.
              expect(byTenant(contents(storage))).toEqual(byTenant(model));
            }
            expect(storage.verify().ok).toBe(true);
            await storage.close();
          } finally {
            rmSync(root, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
