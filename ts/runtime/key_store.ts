/**
 * The key store: the master key, and every tenant's data key wrapped by it.
 *
 * - Master key: 32 bytes from `options.masterKey`, else the environment variable
 *   `KIMBERLITE_MASTER_KEY` (64 hex digits or base64), else the key file (default
 *   `<data dir>/master.key`, created with mode 0600 when absent). Production deployments keep
 *   the file off the data volume, or use the variable, so a stolen disk holds no key.
 * - Data keys: `<data dir>/keys/<tenant>.key`, one per tenant, 89 bytes: magic `KMBK`, format
 *   version 1, tenant (u32 BE), key id (16 random bytes), the wrapped key (60 bytes, see
 *   `wrapDataKey`), CRC-32C of the preceding bytes (u32 BE). The key id also travels in the
 *   tenant's `create_tenant` command, so the log names which key its ciphertext needs.
 * - Destroying a data key (crypto-shredding): the file is overwritten with zeros, synced and
 *   removed, and `<tenant>.destroyed` records the key id. Every record and page of the tenant
 *   stays in place, still hash-chained, but nobody can decrypt it again. Overwriting does not
 *   guarantee that flash media forget the old wrapped bytes; rotating the master key (a later
 *   issue) is what makes leftovers useless.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  type AesGcm,
  type AesGcmKey,
  type Crc32c,
  unwrapDataKey,
  WRAPPED_KEY_BYTES,
  wrapDataKey,
} from '../crypto/index.js';
import { ioError, syncDirectory, writeFileDurably } from '../storage/index.js';
import { CRYPTO, ErrorCode, KimberliteError } from '../types/index.js';

export const MASTER_KEY_ENV = 'KIMBERLITE_MASTER_KEY';
export const MASTER_KEY_FILE_NAME = 'master.key';
const MASTER_KEY_HEADER =
  '# kimberlite master key v1: keep secret; without it no tenant data can be read';
const KEY_FILE_MAGIC = 0x4b4d424b; // "KMBK"
const KEY_FILE_VERSION = 1;
const KEY_ID_BYTES = 16;
/** Where the CRC sits: after magic, version, tenant, key id and wrapped key. */
const KEY_FILE_CRC_AT = 4 + 1 + 4 + KEY_ID_BYTES + WRAPPED_KEY_BYTES;
const KEY_FILE_BYTES = KEY_FILE_CRC_AT + 4;
const SECRET_FILE_MODE = 0o600;

function keyError(message: string, cause?: unknown): KimberliteError {
  return new KimberliteError(ErrorCode.KeyError, message, { cause });
}

/** Parses 64 hex digits or base64 of exactly 32 bytes. */
function parseMasterKey(text: string, source: string): Uint8Array {
  const trimmed = text.trim();
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) bytes = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=?$/.test(trimmed)) bytes = Buffer.from(trimmed, 'base64');
  if (bytes === undefined || bytes.length !== CRYPTO.aesGcmKeyBytes) {
    throw keyError(`${source} must hold a 32-byte master key as 64 hex digits or base64`);
  }
  return new Uint8Array(bytes);
}

export interface MasterKeySource {
  /** The key itself (embedding applications that keep it elsewhere). */
  readonly masterKey?: Uint8Array;
  /** The key file; default `<data dir>/master.key`. */
  readonly masterKeyFile?: string;
}

/** Reads the master key from the first source that has one, creating the key file if none. */
export function loadMasterKey(directory: string, source: MasterKeySource): Uint8Array {
  if (source.masterKey !== undefined) {
    if (source.masterKey.length !== CRYPTO.aesGcmKeyBytes) {
      throw keyError(`masterKey must be 32 bytes, got ${source.masterKey.length}`);
    }
    return source.masterKey;
  }
  const fromEnvironment = process.env[MASTER_KEY_ENV];
  if (fromEnvironment !== undefined && fromEnvironment !== '') {
    return parseMasterKey(fromEnvironment, `the environment variable ${MASTER_KEY_ENV}`);
  }
  const path = source.masterKeyFile ?? join(directory, MASTER_KEY_FILE_NAME);
  if (!existsSync(path)) {
    const key = new Uint8Array(randomBytes(CRYPTO.aesGcmKeyBytes));
    const text = `${MASTER_KEY_HEADER}\n${Buffer.from(key).toString('base64')}\n`;
    writeFileDurably(path, new TextEncoder().encode(text), { mode: SECRET_FILE_MODE });
    return key;
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw ioError('read master key', path, error);
  }
  const lines = text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
  if (lines.length !== 1 || lines[0] === undefined) {
    throw keyError(`master key file ${path} must hold one key line (64 hex digits or base64)`);
  }
  return parseMasterKey(lines[0], `master key file ${path}`);
}

/** A tenant's data key, ready to seal and open its records and pages. */
export interface TenantKey {
  readonly tenant: number;
  readonly keyId: Uint8Array;
  readonly key: AesGcmKey;
}

function tenantFileName(tenant: number): string {
  return String(tenant).padStart(10, '0');
}

/**
 * Invariant: `loaded` holds the unwrapped key of every tenant with a key file that was asked
 * for; a destroyed tenant is never in it again.
 */
export class KeyStore {
  readonly #directory: string;
  readonly #master: AesGcmKey;
  readonly #aesGcm: AesGcm;
  readonly #crc32c: Crc32c;
  readonly #loaded = new Map<number, TenantKey>();

  private constructor(directory: string, master: AesGcmKey, aesGcm: AesGcm, crc32c: Crc32c) {
    this.#directory = directory;
    this.#master = master;
    this.#aesGcm = aesGcm;
    this.#crc32c = crc32c;
  }

  /** Opens `<data dir>/keys` (created when missing) with the master key from `source`. */
  static open(
    dataDirectory: string,
    source: MasterKeySource,
    backends: { aesGcm: AesGcm; crc32c: Crc32c },
  ): KeyStore {
    const master = backends.aesGcm.importKey(loadMasterKey(dataDirectory, source));
    const directory = join(dataDirectory, 'keys');
    if (!existsSync(directory)) {
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      syncDirectory(dataDirectory);
    }
    return new KeyStore(directory, master, backends.aesGcm, backends.crc32c);
  }

  #keyPath(tenant: number): string {
    return join(this.#directory, `${tenantFileName(tenant)}.key`);
  }

  #tombstonePath(tenant: number): string {
    return join(this.#directory, `${tenantFileName(tenant)}.destroyed`);
  }

  /** True when the tenant's key was destroyed: its data can never be read again. */
  isDestroyed(tenant: number): boolean {
    return existsSync(this.#tombstonePath(tenant));
  }

  /** Tenants with a key file. */
  tenants(): number[] {
    return readdirSync(this.#directory)
      .filter((name) => /^\d{10}\.key$/.test(name))
      .map((name) => Number(name.slice(0, 10)))
      .sort((a, b) => a - b);
  }

  /** Creates (and durably stores) a fresh data key for `tenant`, replacing none. */
  create(tenant: number): TenantKey {
    if (this.isDestroyed(tenant)) {
      throw new KimberliteError(
        ErrorCode.TenantDeleted,
        `tenant ${tenant} was deleted and its key destroyed; its id cannot be reused`,
      );
    }
    const dataKey = new Uint8Array(randomBytes(CRYPTO.aesGcmKeyBytes));
    const keyId = new Uint8Array(randomBytes(KEY_ID_BYTES));
    const nonce = new Uint8Array(randomBytes(CRYPTO.aesGcmNonceBytes));
    const wrapped = wrapDataKey(this.#master, dataKey, { tenant, keyId, nonce });
    const file = new Uint8Array(KEY_FILE_BYTES);
    const view = new DataView(file.buffer);
    view.setUint32(0, KEY_FILE_MAGIC);
    view.setUint8(4, KEY_FILE_VERSION);
    view.setUint32(5, tenant);
    file.set(keyId, 9);
    file.set(wrapped, 9 + KEY_ID_BYTES);
    view.setUint32(KEY_FILE_CRC_AT, this.#crc32c.compute(file.subarray(0, KEY_FILE_CRC_AT)));
    writeFileDurably(this.#keyPath(tenant), file, { mode: SECRET_FILE_MODE });
    const key: TenantKey = { tenant, keyId, key: this.#aesGcm.importKey(dataKey) };
    dataKey.fill(0);
    this.#loaded.set(tenant, key);
    return key;
  }

  /** The tenant's key; throws KEY_ERROR / TENANT_DELETED when it cannot be had. */
  get(tenant: number): TenantKey {
    const cached = this.#loaded.get(tenant);
    if (cached !== undefined) return cached;
    if (this.isDestroyed(tenant)) {
      throw new KimberliteError(
        ErrorCode.TenantDeleted,
        `tenant ${tenant} was deleted: its key is destroyed and its data cannot be read`,
      );
    }
    const path = this.#keyPath(tenant);
    let file: Uint8Array;
    try {
      file = new Uint8Array(readFileSync(path));
    } catch (error) {
      throw keyError(`the data key of tenant ${tenant} cannot be read from ${path}`, error);
    }
    const crcAt = KEY_FILE_CRC_AT;
    const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
    if (
      file.length !== KEY_FILE_BYTES ||
      view.getUint32(0) !== KEY_FILE_MAGIC ||
      view.getUint8(4) !== KEY_FILE_VERSION ||
      view.getUint32(5) !== tenant ||
      view.getUint32(crcAt) !== this.#crc32c.compute(file.subarray(0, crcAt))
    ) {
      throw keyError(`key file ${path} is damaged (size, magic, tenant or CRC)`);
    }
    const keyId = file.slice(9, 9 + KEY_ID_BYTES);
    const dataKey = unwrapDataKey(this.#master, file.subarray(9 + KEY_ID_BYTES, crcAt), {
      tenant,
      keyId,
    });
    if (dataKey === null) {
      throw keyError(
        `the master key does not unwrap tenant ${tenant}'s data key (${path}): ` +
          'is this the master key the data directory was created with?',
      );
    }
    const key: TenantKey = { tenant, keyId, key: this.#aesGcm.importKey(dataKey) };
    dataKey.fill(0);
    this.#loaded.set(tenant, key);
    return key;
  }

  /** Crypto-shreds the tenant's data key (see the file comment). Idempotent. */
  destroy(tenant: number): void {
    const path = this.#keyPath(tenant);
    const keyId = this.#loaded.get(tenant)?.keyId ?? new Uint8Array(0);
    this.#loaded.get(tenant)?.key.destroy();
    this.#loaded.delete(tenant);
    writeFileDurably(this.#tombstonePath(tenant), keyId, { mode: SECRET_FILE_MODE });
    if (!existsSync(path)) return;
    try {
      const fd = openSync(path, 'r+');
      try {
        writeSync(fd, new Uint8Array(KEY_FILE_BYTES), 0, KEY_FILE_BYTES, 0);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      unlinkSync(path);
    } catch (error) {
      throw ioError('destroy key file', path, error);
    }
    syncDirectory(this.#directory);
  }

  close(): void {
    for (const key of this.#loaded.values()) key.key.destroy();
    this.#loaded.clear();
    this.#master.destroy();
  }
}
