/** The key store (ts/runtime/key_store.ts): wrapped data keys, their files, destruction. */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCrypto, parseBackendChoice } from '../../ts/crypto/index.js';
import { KeyStore } from '../../ts/runtime/index.js';
import { ErrorCode } from '../../ts/types/index.js';
import { dataDirectory, removeDirectory } from './fixture.js';

const crypto = await loadCrypto({ choice: parseBackendChoice(process.env.KIMBERLITE_BACKEND) });
const directories: string[] = [];
const master = new Uint8Array(32).fill(3);

function store(masterKey = master): { keys: KeyStore; directory: string } {
  const directory = directories.at(-1) ?? dataDirectory('keys');
  if (!directories.includes(directory)) directories.push(directory);
  return { keys: KeyStore.open(directory, { masterKey }, crypto), directory };
}

afterEach(() => {
  for (const directory of directories.splice(0)) removeDirectory(directory);
});

describe('KeyStore', () => {
  it('unwraps a created key in a new process-like open, so ciphertexts still open', () => {
    const { keys } = store();
    const created = keys.create(7);
    const nonce = new Uint8Array(12);
    const sealed = created.key.seal(nonce, new TextEncoder().encode('hello'));
    keys.close();
    const { keys: again } = store();
    const opened = again.get(7).key.open(nonce, sealed);
    expect(new TextDecoder().decode(opened ?? new Uint8Array())).toBe('hello');
    expect(Buffer.from(again.get(7).keyId)).toEqual(Buffer.from(created.keyId));
    expect(again.tenants()).toEqual([7]);
    again.close();
  });

  it('refuses a key file moved to another tenant, a damaged one and a wrong master key', () => {
    const { keys, directory } = store();
    keys.create(1);
    keys.close();
    const path = (tenant: number) =>
      join(directory, 'keys', `${String(tenant).padStart(10, '0')}.key`);
    copyFileSync(path(1), path(2));
    const { keys: moved } = store();
    expect(() => moved.get(2)).toThrow(expect.objectContaining({ code: ErrorCode.KeyError }));
    moved.close();
    const { keys: wrong } = store(new Uint8Array(32).fill(4));
    expect(() => wrong.get(1)).toThrow(expect.objectContaining({ code: ErrorCode.KeyError }));
    wrong.close();
    const bytes = readFileSync(path(1));
    bytes[30] = (bytes[30] ?? 0) ^ 1;
    writeFileSync(path(1), bytes);
    const { keys: damaged } = store();
    expect(() => damaged.get(1)).toThrow(expect.objectContaining({ code: ErrorCode.KeyError }));
    damaged.close();
  });

  it('destroys a key for good: the file is gone and the id cannot be reused', () => {
    const { keys, directory } = store();
    keys.create(5);
    keys.destroy(5);
    expect(existsSync(join(directory, 'keys', '0000000005.key'))).toBe(false);
    expect(keys.isDestroyed(5)).toBe(true);
    expect(() => keys.get(5)).toThrow(expect.objectContaining({ code: ErrorCode.TenantDeleted }));
    expect(() => keys.create(5)).toThrow(
      expect.objectContaining({ code: ErrorCode.TenantDeleted }),
    );
    keys.close();
  });
});
