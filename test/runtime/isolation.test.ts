/**
 * Tenant isolation: tenant 1 can never read or write tenant 2's tables, streams or rows
 * through any API, even when both use the same names and ids.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Kimberlite, Tenant } from '../../ts/runtime/index.js';
import { ErrorCode } from '../../ts/types/index.js';
import { dataDirectory, openDatabase, PATIENTS, removeDirectory } from './fixture.js';

let directory: string;
let db: Kimberlite;
let one: Tenant;
let two: Tenant;

beforeEach(async () => {
  directory = dataDirectory('isolation');
  db = await openDatabase(directory);
  one = await db.createTenant(1, { name: 'one' });
  two = await db.createTenant(2, { name: 'two' });
  await two.createTable('secrets', PATIENTS, { primaryKey: 'id' });
  await two.insert('secrets', { id: 1n, name: 'two-only' });
  await two.createStream('audit');
  await two.append('audit', ['two-event']);
});

afterEach(async () => {
  await db.close();
  removeDirectory(directory);
});

describe('tenant isolation', () => {
  it('does not let tenant 1 read tenant 2 tables or streams', async () => {
    const unknown = { code: ErrorCode.UnknownTable };
    await expect(one.get('secrets', 1n)).rejects.toMatchObject(unknown);
    await expect(one.scan('secrets')).rejects.toMatchObject(unknown);
    await expect(one.history('secrets', 1n)).rejects.toMatchObject(unknown);
    await expect(one.describe('secrets')).rejects.toMatchObject(unknown);
    await expect(one.read('audit')).rejects.toMatchObject({ code: ErrorCode.UnknownStream });
    expect(await one.tables()).toEqual([]);
  });

  it('does not let tenant 1 write tenant 2 tables or streams', async () => {
    const unknown = { code: ErrorCode.UnknownTable };
    await expect(one.insert('secrets', { id: 2n, name: 'x' })).rejects.toMatchObject(unknown);
    await expect(one.update('secrets', 1n, { name: 'x' })).rejects.toMatchObject(unknown);
    await expect(one.delete('secrets', 1n)).rejects.toMatchObject(unknown);
    await expect(one.append('audit', ['x'])).rejects.toMatchObject({
      code: ErrorCode.UnknownStream,
    });
    expect(await two.get('secrets', 1n)).toMatchObject({ name: 'two-only' });
  });

  it('keeps same-named tables apart, with the same object ids', async () => {
    const mine = await one.createTable('secrets', PATIENTS, { primaryKey: 'id' });
    const theirs = await two.describe('secrets');
    expect(mine.id).toBe(theirs.id);
    await one.insert('secrets', { id: 1n, name: 'one-only' });
    expect(await one.get('secrets', 1n)).toMatchObject({ name: 'one-only' });
    expect(await two.get('secrets', 1n)).toMatchObject({ name: 'two-only' });
    expect((await one.scan('secrets')).map((row) => row.name)).toEqual(['one-only']);
  });

  it('seals one tenant without affecting the other', async () => {
    await two.seal();
    await one.createTable('t', PATIENTS, { primaryKey: 'id' });
    await one.insert('t', { id: 1n, name: 'fine' });
    await expect(two.insert('secrets', { id: 9n, name: 'x' })).rejects.toMatchObject({
      code: ErrorCode.TenantSealed,
    });
  });
});
