/**
 * Encryption at rest per tenant (ts/runtime/key_store.ts, payload_cipher.ts, the store's
 * sealed pages): no row data on disk in plaintext, the master key from a file or the
 * environment, and crypto-shredding that leaves every chain verifiable.
 */
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBackendChoice } from '../../ts/crypto/index.js';
import { MASTER_KEY_ENV, MASTER_KEY_FILE_NAME } from '../../ts/runtime/index.js';
import { loadBackends, openStorage } from '../../ts/storage/index.js';
import { ErrorCode } from '../../ts/types/index.js';
import {
  dataDirectory,
  filesContaining,
  openDatabase,
  PATIENTS,
  removeDirectory,
} from './fixture.js';

const backends = await loadBackends({ choice: parseBackendChoice(process.env.KIMBERLITE_BACKEND) });
const directories: string[] = [];

function directory(label: string): string {
  const path = dataDirectory(label);
  directories.push(path);
  return path;
}

afterEach(() => {
  delete process.env[MASTER_KEY_ENV];
  for (const path of directories.splice(0)) removeDirectory(path);
});

const SECRETS = ['Zebulon Quartermaine', 'ward-of-secrets-7731', 'allergic-to-kumquats'];

describe('encryption at rest', () => {
  it('writes no inserted value to disk in plaintext, in the log or in the store', async () => {
    const dir = directory('plaintext');
    const db = await openDatabase(dir, { storeCheckpointEveryBatches: 2 });
    const clinic = await db.createTenant(1, { name: 'clinic' });
    await clinic.createTable('patients', PATIENTS, { primaryKey: 'id' });
    await clinic.createIndex('patients', 'by_ward', ['ward']);
    await clinic.createStream('notes');
    for (let i = 0; i < 40; i++) {
      await clinic.insert('patients', {
        id: BigInt(i),
        name: `${SECRETS[0]} ${i}`,
        ward: SECRETS[1],
      });
    }
    await clinic.append('notes', [SECRETS[2] as string]);
    await clinic.update('patients', 3n, { name: `${SECRETS[0]} updated` });
    await db.close();
    for (const secret of SECRETS) expect(filesContaining(dir, secret), secret).toEqual([]);
    // The check itself can fail: the secret is found where it is in the clear.
    writeFileSync(join(dir, 'probe'), `x${SECRETS[0]}x`);
    expect(filesContaining(dir, SECRETS[0] as string)).toEqual([join(dir, 'probe')]);
  });

  it('creates the master key file with mode 0600 and refuses a different master key', async () => {
    const dir = directory('master');
    const db = await openDatabase(dir);
    const clinic = await db.createTenant(1, { name: 'clinic' });
    await clinic.createTable('patients', PATIENTS, { primaryKey: 'id' });
    await db.close();
    expect(statSync(join(dir, MASTER_KEY_FILE_NAME)).mode & 0o777).toBe(0o600);
    process.env[MASTER_KEY_ENV] = 'ab'.repeat(32);
    await expect(openDatabase(dir)).rejects.toMatchObject({ code: ErrorCode.KeyError });
    process.env[MASTER_KEY_ENV] = 'not a key';
    await expect(openDatabase(dir)).rejects.toMatchObject({ code: ErrorCode.KeyError });
  });

  it('takes the master key from the environment instead of the file', async () => {
    const dir = directory('env');
    process.env[MASTER_KEY_ENV] = Buffer.alloc(32, 7).toString('base64');
    const db = await openDatabase(dir);
    const clinic = await db.createTenant(1, { name: 'clinic' });
    await clinic.createTable('patients', PATIENTS, { primaryKey: 'id' });
    await clinic.insert('patients', { id: 1n, name: 'Jane' });
    await db.close();
    expect(() => statSync(join(dir, MASTER_KEY_FILE_NAME))).toThrow();
    const again = await openDatabase(dir);
    expect(await again.tenant(1).get('patients', 1n)).toMatchObject({ name: 'Jane' });
    await again.close();
  });

  it('crypto-shreds a deleted tenant: unreadable, others intact, chains verify', async () => {
    const dir = directory('shred');
    const db = await openDatabase(dir);
    const doomed = await db.createTenant(1, { name: 'doomed' });
    const kept = await db.createTenant(2, { name: 'kept' });
    for (const tenant of [doomed, kept]) {
      await tenant.createTable('patients', PATIENTS, { primaryKey: 'id' });
      await tenant.insert('patients', { id: 1n, name: `patient of ${tenant.id}` });
    }
    await db.deleteTenant(1);
    expect(() => db.tenant(1)).toThrow(expect.objectContaining({ code: ErrorCode.UnknownTenant }));
    await expect(doomed.get('patients', 1n)).rejects.toMatchObject({
      code: ErrorCode.UnknownTenant,
    });
    expect((await db.verify()).ok).toBe(true);
    await expect(db.createTenant(1, { name: 'again' })).rejects.toMatchObject({
      code: ErrorCode.TenantDeleted,
    });
    await db.close();

    const again = await openDatabase(dir);
    expect(again.tenants().map((t) => t.id)).toEqual([2]);
    expect(await again.tenant(2).get('patients', 1n)).toMatchObject({ name: 'patient of 2' });
    expect((await again.verify()).ok).toBe(true);
    await again.close();
    const rebuilt = await openDatabase(dir, { rebuild: true });
    expect(rebuilt.tenants().map((t) => t.id)).toEqual([2]);
    await rebuilt.close();

    // An auditor with neither key verifies every chain, the shredded tenant's included.
    rmSync(join(dir, MASTER_KEY_FILE_NAME));
    rmSync(join(dir, 'keys'), { recursive: true });
    const storage = await openStorage(backends, { directory: dir, create: false });
    expect(storage.tenants()).toEqual([1, 2]);
    expect((await storage.verify()).ok).toBe(true);
    await storage.close();
  });
});
