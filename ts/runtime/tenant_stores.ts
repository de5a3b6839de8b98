/**
 * Every tenant's projection store, in `<data dir>/store/<tenant>.pages`, sealed under the
 * tenant's data key. A store that is missing or fails to open (both meta pages damaged, or a
 * page that does not authenticate at open) is deleted and rebuilt by replaying the tenant's
 * partition from its first record: the log is the database, the store a cache of it.
 *
 * Invariant: `appliedOffset` of a tenant is the partition offset of the last record whose
 * effects the store holds (-1n: none).
 */
import { randomFillSync } from 'node:crypto';
import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Crc32c, HashFunction } from '../crypto/index.js';
import { ioError, syncDirectory } from '../storage/index.js';
import { openProjectionStore, type ProjectionStore } from '../store/index.js';
import { ErrorCode, KimberliteError } from '../types/index.js';
import type { KeyStore } from './key_store.js';
import { openPageFile } from './page_file.js';

export interface TenantStore {
  readonly tenant: number;
  readonly store: ProjectionStore;
  /** Invariant: see the file comment. */
  appliedOffset: bigint;
  /** Batches applied since the last checkpoint. */
  batchesSinceCheckpoint: number;
  /** Record payload bytes applied since the last checkpoint. */
  bytesSinceCheckpoint: number;
  /** Whether the last open found the store unusable and started it over. */
  readonly rebuilt: boolean;
}

export interface TenantStoreOptions {
  readonly directory: string;
  readonly keys: KeyStore;
  readonly crc32c: Crc32c;
  readonly sha256: HashFunction;
  readonly cachePagesMax?: number;
}

function storePath(directory: string, tenant: number): string {
  return join(directory, 'store', `${String(tenant).padStart(10, '0')}.pages`);
}

function fillRandom(out: Uint8Array): void {
  randomFillSync(out);
}

function removeFile(path: string): void {
  try {
    if (existsSync(path)) unlinkSync(path);
  } catch (error) {
    throw ioError('remove', path, error);
  }
}

/** Opens the tenant's store, starting it over when it cannot be used (see the file comment). */
export function openTenantStore(options: TenantStoreOptions, tenant: number): TenantStore {
  const storeDirectory = join(options.directory, 'store');
  if (!existsSync(storeDirectory)) {
    mkdirSync(storeDirectory, { recursive: true });
    syncDirectory(options.directory);
  }
  const path = storePath(options.directory, tenant);
  const key = options.keys.get(tenant).key;
  const open = () => {
    const file = openPageFile(path);
    try {
      return openProjectionStore({
        file,
        key,
        crc32c: options.crc32c,
        sha256: options.sha256,
        nonces: fillRandom,
        ...(options.cachePagesMax === undefined ? {} : { cachePagesMax: options.cachePagesMax }),
      });
    } catch (error) {
      file.close();
      throw error;
    }
  };
  let store: ProjectionStore;
  let rebuilt = false;
  try {
    store = open();
  } catch (error) {
    if (!(error instanceof KimberliteError) || error.code !== ErrorCode.Corruption) throw error;
    removeFile(path);
    store = open();
    rebuilt = true;
  }
  return {
    tenant,
    store,
    appliedOffset: store.meta.appliedOffset,
    batchesSinceCheckpoint: 0,
    bytesSinceCheckpoint: 0,
    rebuilt,
  };
}

/** Deletes the tenant's store file (after its key was destroyed, or to force a rebuild). */
export function removeTenantStore(directory: string, tenant: number): void {
  removeFile(storePath(directory, tenant));
}
