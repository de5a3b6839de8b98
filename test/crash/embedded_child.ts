/**
 * The embedded database crash test's child, a separate process so the parent can SIGKILL it:
 *
 *   node --import tsx test/crash/embedded_child.ts <directory> <seed>
 *
 * Prints `ready`, waits for `go`, opens the directory with `Kimberlite.open` (store checkpoints
 * every 1 to 4 or 1 to 50 batches, drawn from the seed, so kills land on both sides of one and
 * inside one) and prints `open <newest durable position> <recovery>`. The first time (and
 * after a kill during set-up) it creates tenants 1 and 2, each with the table `items` and the
 * index `items_by_owner`; set-up only does what is missing, so it is idempotent across kills.
 *
 * Then 1 to 64 writers insert, upsert, update, bump (qty only) and delete seeded keys. Writer w
 * of n owns the keys k with (tenant index * EMBEDDED_KEYS + k) % n === w, so two writes to one
 * key are never in flight together and never share a batch: the parent can tell each key's
 * exact history. Each write prints `write` before it is issued, then `wrote ... <rows affected>
 * <position>` once its promise resolves (durable, by contract), or `refused ... <code>` for an
 * expected refusal (inserting a key that exists). Any other error ends the child with code 2.
 *
 * A write is issued only once its `write` line (and so every line before it) has left this
 * process: stdout to a full pipe queues in the process, and a SIGKILL loses the queue, which
 * once made the parent see durable writes that no line announced (found with
 * KIMBERLITE_TEST_SEED=202). Lost `wrote` lines only hide acknowledgements, which is allowed.
 */
import { Kimberlite, type Tenant } from '../../ts/runtime/index.js';
import { ErrorCode, KimberliteError } from '../../ts/types/index.js';
import { Prng } from '../crypto/random.js';
import { print, runChild } from './child_io.js';
import {
  type ChildLine,
  CRASH_SEGMENT_BYTES,
  EMBEDDED_INDEX,
  EMBEDDED_KEYS,
  EMBEDDED_OWNERS,
  EMBEDDED_TABLE,
  EMBEDDED_TENANTS,
  formatLine,
  type RowOp,
  type RowOpKind,
} from './workload.js';

const WRITERS_MAX = 64;
/** Half the children checkpoint every 1 to 4 batches, so many kills land inside a checkpoint. */
const STORE_CHECKPOINT_EVERY_BATCHES_MAX = 50;
const STORE_CHECKPOINT_EVERY_BATCHES_OFTEN = 4;
/** Cumulative weights of the operations: inserts and deletes balance, updates pile up versions. */
const OPERATION_WEIGHTS: readonly [RowOpKind, number][] = [
  ['insert', 30],
  ['upsert', 12],
  ['update', 20],
  ['bump', 18],
  ['delete', 20],
];
const WEIGHT_TOTAL = OPERATION_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);

/** Creates whatever of the tenants, tables and indexes a killed set-up left missing. */
async function setUp(db: Kimberlite): Promise<Map<number, Tenant>> {
  const handles = new Map<number, Tenant>();
  for (const id of EMBEDDED_TENANTS) {
    const exists = db.tenants().some((tenant) => tenant.id === id);
    const tenant = exists ? db.tenant(id) : await db.createTenant(id, { name: `tenant-${id}` });
    if (!(await tenant.tables()).includes(EMBEDDED_TABLE)) {
      await tenant.createTable(
        EMBEDDED_TABLE,
        [
          { name: 'id', type: 'BIGINT' },
          { name: 'owner', type: 'TEXT', notNull: true },
          { name: 'qty', type: 'BIGINT' },
        ],
        { primaryKey: 'id' },
      );
    }
    const info = await tenant.describe(EMBEDDED_TABLE);
    if (!info.indexes.some((index) => index.name === EMBEDDED_INDEX)) {
      await tenant.createIndex(EMBEDDED_TABLE, EMBEDDED_INDEX, ['owner']);
    }
    handles.set(id, tenant);
  }
  return handles;
}

function drawOp(prng: Prng, keys: readonly { tenant: number; id: bigint }[]): RowOp {
  const key = keys[prng.int(keys.length)];
  if (key === undefined) throw new Error('a writer without keys');
  let pick = prng.int(WEIGHT_TOTAL);
  let kind: RowOpKind = 'insert';
  for (const [candidate, weight] of OPERATION_WEIGHTS) {
    if (pick < weight) {
      kind = candidate;
      break;
    }
    pick -= weight;
  }
  const owner = kind === 'delete' || kind === 'bump' ? '-' : `o${prng.int(EMBEDDED_OWNERS)}`;
  const qty = kind === 'delete' || prng.int(8) === 0 ? null : BigInt(prng.u32()) - 2n ** 31n;
  return { ...key, kind, owner, qty };
}

/** Prints `line` and resolves once stdout handed it (and every line before it) to the pipe. */
function printFlushed(line: ChildLine): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(`${formatLine(line)}\n`, (error) => (error ? reject(error) : resolve()));
  });
}

async function perform(
  tenant: Tenant,
  op: RowOp,
): Promise<{ rowsAffected: number; position: bigint }> {
  const row = { id: op.id, owner: op.owner, qty: op.qty };
  switch (op.kind) {
    case 'insert':
      return tenant.insert(EMBEDDED_TABLE, row);
    case 'upsert':
      return tenant.upsert(EMBEDDED_TABLE, row);
    case 'update':
      return tenant.update(EMBEDDED_TABLE, op.id, { owner: op.owner, qty: op.qty });
    case 'bump':
      return tenant.update(EMBEDDED_TABLE, op.id, { qty: op.qty });
    case 'delete':
      return tenant.delete(EMBEDDED_TABLE, op.id);
  }
}

runChild('embedded_child', async ({ directory, prng, deadlineMs }) => {
  const often = prng.int(2) === 0;
  const db = await Kimberlite.open(directory, {
    segmentSizeBytes: CRASH_SEGMENT_BYTES,
    storeCheckpointEveryBatches:
      1 +
      prng.int(often ? STORE_CHECKPOINT_EVERY_BATCHES_OFTEN : STORE_CHECKPOINT_EVERY_BATCHES_MAX),
  });
  const { truncated, replayed } = db.recovery;
  print({
    kind: 'open',
    nextOffset: db.position,
    recovered: `truncated=${truncated.length} replayed=${replayed}`,
  });
  const tenants = await setUp(db);
  const writers = 1 + prng.int(WRITERS_MAX);
  const owned: { tenant: number; id: bigint }[][] = Array.from({ length: writers }, () => []);
  EMBEDDED_TENANTS.forEach((tenant, t) => {
    for (let k = 0; k < EMBEDDED_KEYS; k++) {
      owned[(t * EMBEDDED_KEYS + k) % writers]?.push({ tenant, id: BigInt(k) });
    }
  });
  const writer = async (worker: number, seed: number): Promise<void> => {
    const own = new Prng(seed);
    const keys = owned[worker] ?? [];
    while (keys.length > 0 && Date.now() < deadlineMs) {
      const op = drawOp(own, keys);
      const tenant = tenants.get(op.tenant);
      if (tenant === undefined) throw new Error(`no handle for tenant ${op.tenant}`);
      await printFlushed({ kind: 'write', worker, op });
      try {
        const { rowsAffected, position } = await perform(tenant, op);
        print({ kind: 'wrote', worker, op, rowsAffected, position });
      } catch (error) {
        const expected =
          op.kind === 'insert' &&
          error instanceof KimberliteError &&
          error.code === ErrorCode.DuplicatePrimaryKey;
        if (!expected) throw error;
        print({ kind: 'refused', worker, op, code: error.code });
      }
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, worker) => writer(worker, prng.u32())));
  await db.close();
});
