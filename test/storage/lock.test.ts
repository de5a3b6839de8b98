/**
 * The data directory lock (ts/storage/lock.ts) with real processes: a second opener gets a
 * clear DIRECTORY_LOCKED error naming the holder; after the holder is SIGKILLed, the lock is
 * taken over and the take-over reported.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDirectoryLock } from '../../ts/storage/index.js';
import { ErrorCode, KimberliteError } from '../../ts/types/index.js';

const LOCK_MODULE = resolve(import.meta.dirname, '../../ts/storage/lock.ts');

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'kimberlite-lock-'));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** A child process that takes the lock and holds it until killed; resolves once it holds it. */
async function holder(dir: string): Promise<ChildProcess> {
  const script =
    `import { acquireDirectoryLock } from ${JSON.stringify(LOCK_MODULE)};` +
    `acquireDirectoryLock(${JSON.stringify(dir)}); console.log('locked');` +
    'setInterval(() => {}, 1000);';
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((done, fail) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) done();
    });
    child.on('exit', (code) => fail(new Error(`lock holder exited early with ${code}`)));
  });
  return child;
}

function lockError(dir: string): KimberliteError {
  try {
    acquireDirectoryLock(dir);
  } catch (error) {
    if (error instanceof KimberliteError) return error;
    throw error;
  }
  throw new Error('expected acquireDirectoryLock to throw');
}

describe('acquireDirectoryLock', () => {
  it('refuses a second process, then takes over once the holder is SIGKILLed', async () => {
    const child = await holder(directory);
    const error = lockError(directory);
    expect(error.code).toBe(ErrorCode.DirectoryLocked);
    expect(error.message).toContain(`in use by process ${child.pid}`);
    expect(error.message).toContain(directory);

    const exited = new Promise((done) => child.on('exit', done));
    child.kill('SIGKILL');
    await exited;

    const lock = acquireDirectoryLock(directory);
    expect(lock.tookOver?.pid).toBe(child.pid);
    expect(lock.tookOver?.message).toContain('no longer running');
    expect(readFileSync(lock.path, 'utf8').split('\n')[0]).toBe(String(process.pid));
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });

  it('refuses a second open in the same process, and allows one after release', () => {
    const lock = acquireDirectoryLock(directory);
    expect(lock.tookOver).toBeUndefined();
    expect(lockError(directory).code).toBe(ErrorCode.DirectoryLocked);
    lock.release();
    const again = acquireDirectoryLock(directory);
    expect(again.tookOver).toBeUndefined();
    again.release();
  });

  it('refuses a lock held on another host, saying how to clear it', () => {
    writeFileSync(join(directory, 'LOCK'), '12345\nsome-other-host\n');
    const error = lockError(directory);
    expect(error.code).toBe(ErrorCode.DirectoryLocked);
    expect(error.message).toContain('on host some-other-host');
  });

  it('takes over a torn (empty) LOCK left by a crash during its creation', () => {
    writeFileSync(join(directory, 'LOCK'), '');
    const lock = acquireDirectoryLock(directory);
    expect(lock.tookOver?.message).toContain('torn');
    lock.release();
  });
});
