/**
 * The embedded database end to end (ts/runtime/database.ts): writes through the kernel, the
 * log and the projection store, reads now and as of past positions, reopen and rebuild.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Kimberlite } from '../../ts/runtime/index.js';
import { ErrorCode } from '../../ts/types/index.js';
import { dataDirectory, openDatabase, PATIENTS, removeDirectory } from './fixture.js';

const open: Kimberlite[] = [];
const directories: string[] = [];

async function fresh(label: string): Promise<{ db: Kimberlite; directory: string }> {
  const directory = dataDirectory(label);
  directories.push(directory);
  const db = await openDatabase(directory);
  open.push(db);
  return { db, directory };
}

afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
  for (const directory of directories.splice(0)) removeDirectory(directory);
});

describe('Kimberlite embedded', () => {
  it('inserts rows and reads them back by key and in key order', async () => {
    const { db } = await fresh('rows');
    const clinic = await db.createTenant(1, { name: 'clinic' });
    await clinic.createTable('patients', PATIENTS, { primaryKey: 'id' });
    const w = await clinic.insert('patients', [
      { id: 2n, name: 'John Roe', ward: 'B' },
      { id: 1n, name: 'Jane Doe' },
    ]);
    expect(w.rowsAffected).toBe(2);
    expect(await clinic.get('patients', 1n)).toEqual({ id: 1n, name: 'Jane Doe', ward: null });
    expect(await clinic.get('patients', 3)).toBeUndefined();
    const rows = await clinic.scan('patients');
    expect(rows.map((row) => row.id)).toEqual([1n, 2n]);
    expect((await clinic.scan('patients', { reverse: true })).map((row) => row.id)).toEqual([
      2n,
      1n,
    ]);
    expect(db.position).toBe(w.position);
  });

  it('reads any past state with at: a position', async () => {
    const { db } = await fresh('travel');
    const clinic = await db.createTenant(1, { name: 'clinic' });
    await clinic.createTable('patients', PATIENTS, { primaryKey: ['id'] });
    const inserted = await clinic.insert('patients', { id: 1n, name: 'Jane Doe', ward: 'A' });
    const moved = await clinic.update('patients', 1n, { ward: 'C' });
    const removed = await clinic.delete('patients', 1n);
    expect([moved.rowsAffected, removed.rowsAffected]).toEqual([1, 1]);
    expect(await clinic.get('patients', 1n, { at: inserted.position })).toMatchObject({
      ward: 'A',
    });
    expect(await clinic.get('patients', 1n, { at: moved.position })).toMatchObject({ ward: 'C' });
    expect(await clinic.get('patients', 1n, { at: removed.position })).toBeUndefined();
    expect(await clinic.get('patients', 1n)).toBeUndefined();
    const history = await clinic.history('patients', 1n);
    expect(history.map((v) => [v.row?.ward ?? null, v.createdAt, v.endedAt])).toEqual([
      [null, removed.position, undefined],
      ['C', moved.position, removed.position],
      ['A', inserted.position, moved.position],
    ]);
    await expect(clinic.get('patients', 1n, { at: db.position + 1n })).rejects.toMatchObject({
      code: ErrorCode.PositionOutOfRange,
    });
  });

  it('refuses duplicate keys, unknown tables and NULL in NOT NULL columns', async () => {
    const { db } = await fresh('errors');
    const clinic = await db.createTenant(1, { name: 'clinic' });
    await clinic.createTable('patients', PATIENTS, { primaryKey: 'id' });
    await clinic.insert('patients', { id: 1n, name: 'Jane Doe' });
    const before = db.position;
    await expect(clinic.insert('patients', { id: 1n, name: 'Again' })).rejects.toMatchObject({
      code: ErrorCode.DuplicatePrimaryKey,
    });
    await expect(clinic.insert('patiens', { id: 2n, name: 'X' })).rejects.toMatchObject({
      code: ErrorCode.UnknownTable,
    });
    await expect(clinic.insert('patients', { id: 3n })).rejects.toMatchObject({
      code: ErrorCode.NotNullViolation,
    });
    await expect(clinic.insert('patients', { id: 4n, nme: 'typo' })).rejects.toMatchObject({
      code: ErrorCode.UnknownColumn,
    });
    // A multi-row insert is atomic: the duplicate fails it whole.
    await expect(
      clinic.insert('patients', [
        { id: 5n, name: 'new' },
        { id: 1n, name: 'dup' },
      ]),
    ).rejects.toMatchObject({ code: ErrorCode.DuplicatePrimaryKey });
    expect(await clinic.get('patients', 5n)).toBeUndefined();
    expect(db.position).toBe(before);
  });

  it('composes writes to one row sequenced in the same batch', async () => {
    const { db } = await fresh('pipeline');
    const clinic = await db.createTenant(1, { name: 'clinic' });
    await clinic.createTable(
      'counters',
      [
        { name: 'id', type: 'INTEGER' },
        { name: 'n', type: 'BIGINT', notNull: true },
      ],
      { primaryKey: 'id' },
    );
    await clinic.insert('counters', { id: 1, n: 0n });
    const writes = [];
    for (let i = 1; i <= 20; i++) writes.push(clinic.update('counters', 1, { n: BigInt(i) }));
    writes.push(clinic.insert('counters', { id: 2, n: 7n }));
    const duplicate = clinic.insert('counters', { id: 2, n: 8n }).catch((error: unknown) => error);
    const results = await Promise.all(writes);
    expect(await duplicate).toMatchObject({ code: ErrorCode.DuplicatePrimaryKey });
    expect(results.every((r) => r.rowsAffected === 1)).toBe(true);
    expect(await clinic.get('counters', 1)).toEqual({ id: 1, n: 20n });
    expect(await clinic.get('counters', 2)).toEqual({ id: 2, n: 7n });
  });

  it('maintains secondary indexes with the versions', async () => {
    const { db } = await fresh('index');
    const clinic = await db.createTenant(1, { name: 'clinic' });
    await clinic.createTable('patients', PATIENTS, { primaryKey: 'id' });
    await clinic.insert('patients', [
      { id: 1n, name: 'Jane', ward: 'B' },
      { id: 2n, name: 'John', ward: 'A' },
    ]);
    const built = await clinic.createIndex('patients', 'by_ward', ['ward']);
    await clinic.insert('patients', { id: 3n, name: 'Ann', ward: 'B' });
    const moved = await clinic.update('patients', 1n, { ward: 'A' });
    const names = async (ward: string, at?: bigint) =>
      (
        await clinic.scan('patients', {
          index: 'by_ward',
          prefix: [ward],
          ...(at === undefined ? {} : { at }),
        })
      ).map((row) => row.name);
    expect(await names('A')).toEqual(['Jane', 'John']);
    expect(await names('B')).toEqual(['Ann']);
    expect(await names('B', built.position)).toEqual(['Jane']);
    expect(await names('A', moved.position - 1n)).toEqual(['John']);
    const all = await clinic.scan('patients', { index: 'by_ward' });
    expect(all.map((row) => row.ward)).toEqual(['A', 'A', 'B']);
  });

  it('keeps everything across reopen; a rebuild gives the same state hash', async () => {
    const { db, directory } = await fresh('reopen');
    const clinic = await db.createTenant(1, { name: 'clinic' });
    await clinic.createTable('patients', PATIENTS, { primaryKey: 'id' });
    await clinic.createIndex('patients', 'by_name', ['name']);
    for (let i = 0; i < 50; i++) await clinic.insert('patients', { id: BigInt(i), name: `p${i}` });
    await clinic.delete('patients', 7n);
    const first = await clinic.insert('patients', { id: 100n, name: 'late' });
    const hash = Buffer.from(await db.stateHash()).toString('hex');
    await db.close();
    open.splice(0);

    const again = await openDatabase(directory);
    open.push(again);
    expect(Buffer.from(await again.stateHash()).toString('hex')).toBe(hash);
    const tenant = again.tenant(1);
    expect(await tenant.get('patients', 100n, { at: first.position })).toMatchObject({
      name: 'late',
    });
    expect(await tenant.get('patients', 7n)).toBeUndefined();
    await again.close();
    open.splice(0);

    const rebuilt = await openDatabase(directory, { rebuild: true });
    open.push(rebuilt);
    expect(Buffer.from(await rebuilt.stateHash()).toString('hex')).toBe(hash);
    expect(
      (await rebuilt.tenant(1).scan('patients', { index: 'by_name', prefix: ['p3'] })).length,
    ).toBe(1);
  });

  it('rebuilds a damaged or missing projection store from the log at open', async () => {
    const { db, directory } = await fresh('damaged');
    const clinic = await db.createTenant(1, { name: 'clinic' });
    await clinic.createTable('patients', PATIENTS, { primaryKey: 'id' });
    for (let i = 0; i < 30; i++) await clinic.insert('patients', { id: BigInt(i), name: `p${i}` });
    const hash = Buffer.from(await db.stateHash()).toString('hex');
    await db.close();
    open.splice(0);
    const store = join(directory, 'store', '0000000001.pages');
    const bytes = readFileSync(store);
    bytes.fill(0x5a, 0, 2 * 4096); // both meta pages
    writeFileSync(store, bytes);
    const repaired = await openDatabase(directory);
    expect(Buffer.from(await repaired.stateHash()).toString('hex')).toBe(hash);
    await repaired.close();
    rmSync(store);
    const recreated = await openDatabase(directory);
    open.push(recreated);
    expect(Buffer.from(await recreated.stateHash()).toString('hex')).toBe(hash);
    expect((await recreated.tenant(1).scan('patients')).length).toBe(30);
  });

  it('replays writes made after the last store checkpoint', async () => {
    const directory = dataDirectory('replay');
    directories.push(directory);
    const db = await openDatabase(directory, { storeCheckpointEveryBatches: 5 });
    const clinic = await db.createTenant(1, { name: 'clinic' });
    await clinic.createTable('patients', PATIENTS, { primaryKey: 'id' });
    for (let i = 0; i < 23; i++) await clinic.insert('patients', { id: BigInt(i), name: `p${i}` });
    const hash = Buffer.from(await db.stateHash()).toString('hex');
    await db.close();
    const again = await openDatabase(directory);
    open.push(again);
    expect(Buffer.from(await again.stateHash()).toString('hex')).toBe(hash);
    expect((await again.tenant(1).scan('patients')).length).toBe(23);
  });

  it('returns the first result for a repeated request and writes nothing', async () => {
    const { db } = await fresh('idempotent');
    const clinic = await db.createTenant(1, { name: 'clinic' });
    await clinic.createTable('patients', PATIENTS, { primaryKey: 'id' });
    const request = { clientId: 9, requestNumber: 1 };
    const first = await clinic.insert('patients', { id: 1n, name: 'Jane' }, { request });
    const position = db.position;
    const again = await clinic.insert('patients', { id: 1n, name: 'Jane' }, { request });
    expect(again).toEqual(first);
    expect(db.position).toBe(position);
    await clinic.insert(
      'patients',
      { id: 2n, name: 'John' },
      {
        request: { clientId: 9, requestNumber: 2 },
      },
    );
    await expect(
      clinic.insert('patients', { id: 3n, name: 'Old' }, { request }),
    ).rejects.toMatchObject({ code: ErrorCode.StaleRequest });
  });

  it('appends events with optimistic concurrency and reads them from an offset', async () => {
    const { db } = await fresh('streams');
    const clinic = await db.createTenant(1, { name: 'clinic' });
    await clinic.createStream('admissions');
    const a = await clinic.append('admissions', ['a0', 'a1'], { expectedOffset: 0 });
    expect(a).toMatchObject({ firstOffset: 0n, count: 2 });
    await expect(
      clinic.append('admissions', ['stale'], { expectedOffset: 1 }),
    ).rejects.toMatchObject({ code: ErrorCode.OffsetMismatch });
    await clinic.append('admissions', ['a2'], { expectedOffset: 2n });
    const events = await clinic.read('admissions', { fromOffset: 1 });
    expect(events.map((e) => [e.offset, Buffer.from(e.data).toString()])).toEqual([
      [1n, 'a1'],
      [2n, 'a2'],
    ]);
    expect(await clinic.read('admissions', { at: a.position })).toHaveLength(2);
  });

  it('refuses writes to a sealed tenant and still serves its reads', async () => {
    const { db } = await fresh('sealed');
    const clinic = await db.createTenant(1, { name: 'clinic' });
    await clinic.createTable('patients', PATIENTS, { primaryKey: 'id' });
    await clinic.insert('patients', { id: 1n, name: 'Jane' });
    await clinic.seal();
    await expect(clinic.insert('patients', { id: 2n, name: 'John' })).rejects.toMatchObject({
      code: ErrorCode.TenantSealed,
    });
    expect(await clinic.get('patients', 1n)).toMatchObject({ name: 'Jane' });
    await clinic.unseal();
    await clinic.insert('patients', { id: 2n, name: 'John' });
  });

  it('evolves the schema: new columns read NULL, dropped ones disappear', async () => {
    const { db } = await fresh('schema');
    const clinic = await db.createTenant(1, { name: 'clinic' });
    await clinic.createTable('patients', PATIENTS, { primaryKey: 'id' });
    const before = await clinic.insert('patients', { id: 1n, name: 'Jane', ward: 'A' });
    await clinic.addColumn('patients', { name: 'dob', type: 'DATE' });
    await clinic.insert('patients', { id: 2n, name: 'John', dob: '1980-02-29' });
    await clinic.dropColumn('patients', 'ward');
    expect(await clinic.get('patients', 1n)).toEqual({ id: 1n, name: 'Jane', dob: null });
    expect(await clinic.get('patients', 2n)).toEqual({ id: 2n, name: 'John', dob: '1980-02-29' });
    expect(await clinic.get('patients', 1n, { at: before.position })).toEqual({
      id: 1n,
      name: 'Jane',
      ward: 'A',
    });
    await expect(clinic.dropColumn('patients', 'id')).rejects.toMatchObject({
      code: ErrorCode.InvalidSchema,
    });
    const described = await clinic.describe('patients');
    expect(described.columns.map((c) => c.name)).toEqual(['id', 'name', 'dob']);
    expect(described.primaryKey).toEqual(['id']);
    await clinic.dropTable('patients');
    expect(await clinic.tables()).toEqual([]);
    expect(await clinic.tables({ at: before.position })).toEqual(['patients']);
  });

  it('verifies the log', async () => {
    const { db } = await fresh('verify');
    const clinic = await db.createTenant(1, { name: 'clinic' });
    await clinic.createTable('patients', PATIENTS, { primaryKey: 'id' });
    await clinic.insert('patients', { id: 1n, name: 'Jane' });
    const report = await db.verify();
    expect(report.ok).toBe(true);
  });
});
