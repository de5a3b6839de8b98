/**
 * What an open replays into the projection stores is bounded (ts/runtime/engine.ts): a store
 * checkpoints once 8 MiB of its tenant's records were applied, however few the batches, and
 * the replay at open checkpoints what it replayed, so a crash right after an open does not
 * make the next one replay it again.
 *
 * A crash is simulated in-process: the database is abandoned (never closed, so no checkpoint
 * at close) and its LOCK removed, as a SIGKILL would leave it. Real-process crashes are in
 * test/crash/.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataDirectory, openDatabase, PATIENTS, removeDirectory } from './fixture.js';

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) removeDirectory(directory);
});

function crash(directory: string): void {
  rmSync(join(directory, 'LOCK'));
}

const ROWS = 48;
/** About 12 MiB of records in 48 single-row batches: far fewer than 1,000 batches. */
const NAME_BYTES = 256 * 1024;

describe('bounded replay at open', () => {
  it('checkpoints a store by bytes and replays only its tail after a crash', async () => {
    const directory = dataDirectory('bounded');
    directories.push(directory);
    const db = await openDatabase(directory);
    const clinic = await db.createTenant(1, { name: 'clinic' });
    await clinic.createTable('patients', PATIENTS, { primaryKey: 'id' });
    for (let i = 0; i < ROWS; i++) {
      await clinic.insert('patients', { id: BigInt(i), name: String(i % 10).repeat(NAME_BYTES) });
    }
    const hash = Buffer.from(await db.stateHash()).toString('hex');
    crash(directory);

    const again = await openDatabase(directory);
    const replayed = again.recovery.records;
    // A checkpoint after about 32 of the rows; the batch count (1,000) was never reached.
    expect(replayed).toBeGreaterThan(0);
    expect(replayed).toBeLessThan(ROWS / 2);
    expect(Buffer.from(await again.stateHash()).toString('hex')).toBe(hash);
    crash(directory);

    // The open checkpointed what it replayed: nothing is replayed twice.
    const third = await openDatabase(directory);
    expect(third.recovery.records).toBe(0);
    expect(Buffer.from(await third.stateHash()).toString('hex')).toBe(hash);
    expect((await third.tenant(1).scan('patients')).length).toBe(ROWS);
    await third.close();
  });
});
