/**
 * `kimberlite init <dir>`: a data directory with its config file (`kimberlite.json`) and a
 * master key file (`master.key`, mode 0600) in the format the runtime's key store reads.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, KimberliteError } from '../types/index.js';

export const CONFIG_FILE_NAME = 'kimberlite.json';
const MASTER_KEY_FILE_NAME = 'master.key';
const MASTER_KEY_HEADER =
  '# kimberlite master key v1: keep secret; without it no tenant data can be read';

/** The config a fresh data directory starts with (default ports 7432 wire, 7433 http). */
export function defaultFileConfig(): Record<string, unknown> {
  return {
    version: 1,
    address: '127.0.0.1:7432',
    http: '127.0.0.1:7433',
    auth: { mode: 'none' },
    limits: {},
  };
}

/** Creates the data directory; refuses a non-empty directory that is not a Kimberlite one. */
export async function initDataDir(dir: string): Promise<{ created: boolean }> {
  await mkdir(dir, { recursive: true });
  const entries = await readdir(dir);
  if (entries.includes(CONFIG_FILE_NAME)) return { created: false };
  if (entries.length > 0) {
    throw new KimberliteError(
      ErrorCode.InvalidArgument,
      `${dir} is not empty and holds no ${CONFIG_FILE_NAME}: choose an empty or new directory`,
    );
  }
  const key = randomBytes(32).toString('base64');
  const keyPath = join(dir, MASTER_KEY_FILE_NAME);
  await writeFile(keyPath, `${MASTER_KEY_HEADER}\n${key}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(keyPath, 0o600);
  const configText = `${JSON.stringify(defaultFileConfig(), null, 2)}\n`;
  await writeFile(join(dir, CONFIG_FILE_NAME), configText, { mode: 0o600, flag: 'wx' });
  return { created: true };
}
