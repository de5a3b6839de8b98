/**
 * API keys: the file `<dataDir>/api_keys.json` (mode 0600) and the server's view of it.
 *
 * A key is `kmb_<id>_<secret>`: `id` 8 hex digits (public, names the key in lists and logs),
 * `secret` 32 random bytes in base64url. The file stores only the SHA-256 of the whole key
 * text, so reading the file does not give a usable key; a presented key is hashed and compared
 * with `crypto.timingSafeEqual`. The file is replaced atomically (temporary file, fsync,
 * rename, fsync of the directory), and the server re-reads it when its mtime or size changes,
 * so keys created or revoked while it runs take effect at the next handshake.
 *
 * Invariant: ids are unique in the file; a revoked key stays listed (with `revokedAt`) and
 * never authenticates again.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, KimberliteError, LIMITS } from '../types/index.js';
import { ROLES, type Role } from './config.js';

/**
 * The API key file's name inside a data directory.
 *
 * @example
 * join(dataDir, API_KEYS_FILE_NAME); // './data/api_keys.json'
 */
export const API_KEYS_FILE_NAME = 'api_keys.json';
const FILE_MODE = 0o600;
const KEY_PATTERN = /^kmb_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;

/**
 * One key as listed: never its secret.
 *
 * @example
 * const [first]: ApiKeyInfo[] = await listApiKeys('./data');
 */
export interface ApiKeyInfo {
  readonly id: string;
  readonly name?: string;
  /** The tenant the key is bound to; absent only for an admin key over every tenant. */
  readonly tenant?: number;
  readonly roles: Role[];
  readonly createdAt: string;
  readonly revokedAt?: string;
}

interface StoredKey extends ApiKeyInfo {
  /** SHA-256 of the whole key text, hex. */
  readonly sha256: string;
}

interface KeysFile {
  readonly version: 1;
  readonly keys: StoredKey[];
}

function invalid(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.InvalidArgument, message);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function checkRoles(roles: readonly unknown[]): Role[] {
  if (!Array.isArray(roles) || roles.length === 0) {
    throw invalid(`a key needs at least one role (${ROLES.join(', ')})`);
  }
  for (const role of roles) {
    if (!ROLES.includes(role as Role)) {
      throw invalid(`unknown role '${String(role)}': use ${ROLES.join(', ')}`);
    }
  }
  return [...new Set(roles as Role[])];
}

function parseKeysFile(text: string, path: string): KeysFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new KimberliteError(ErrorCode.Corruption, `${path} is not valid JSON`, { cause: error });
  }
  const file = parsed as Partial<KeysFile> | null;
  if (file === null || file.version !== 1 || !Array.isArray(file.keys)) {
    throw new KimberliteError(
      ErrorCode.Corruption,
      `${path} is not an API key file (version 1 with a keys array)`,
    );
  }
  for (const key of file.keys) {
    if (
      typeof key !== 'object' ||
      key === null ||
      typeof key.id !== 'string' ||
      typeof key.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(key.sha256)
    ) {
      throw new KimberliteError(ErrorCode.Corruption, `${path} holds a malformed key entry`);
    }
    checkRoles(key.roles);
  }
  return file as KeysFile;
}

async function readKeysFile(dataDir: string): Promise<KeysFile> {
  const path = join(dataDir, API_KEYS_FILE_NAME);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, keys: [] };
    throw new KimberliteError(ErrorCode.IoError, `cannot read ${path}`, { cause: error });
  }
  return parseKeysFile(text, path);
}

/** Replaces the file atomically: a crash leaves the old file or the new one, never a mix. */
async function writeKeysFile(dataDir: string, file: KeysFile): Promise<void> {
  const path = join(dataDir, API_KEYS_FILE_NAME);
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', FILE_MODE);
  try {
    await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`, 'utf8');
    await handle.chmod(FILE_MODE);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await handle.close();
  await rename(temporary, path);
  const directory = await open(dataDir, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

function info(key: StoredKey): ApiKeyInfo {
  const { sha256: _, ...rest } = key;
  return rest;
}

/**
 * Creates an API key and returns it: the only time its text is shown. A key without `tenant`
 * works on every tenant and must have the role admin.
 *
 * @example
 * const { id, key } = await createApiKey('./data', { tenant: 1, roles: ['writer'] });
 * // give `key` (kmb_<id>_...) to the application; revoke it later by `id`
 */
export async function createApiKey(
  dataDir: string,
  options: { tenant?: number; roles: Role[]; name?: string },
): Promise<{ id: string; key: string }> {
  const roles = checkRoles(options.roles);
  const tenant = options.tenant;
  if (tenant === undefined && !roles.includes('admin')) {
    throw invalid('a key for every tenant must have the role admin; name a tenant otherwise');
  }
  if (tenant !== undefined && (!Number.isInteger(tenant) || tenant < 1 || tenant > LIMITS.idMax)) {
    throw invalid(`a tenant id is an integer from 1 to ${LIMITS.idMax}, got ${tenant}`);
  }
  const file = await readKeysFile(dataDir);
  let id = randomBytes(4).toString('hex');
  while (file.keys.some((k) => k.id === id)) id = randomBytes(4).toString('hex');
  const key = `kmb_${id}_${randomBytes(32).toString('base64url')}`;
  const entry: StoredKey = {
    id,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(tenant === undefined ? {} : { tenant }),
    roles,
    createdAt: new Date().toISOString(),
    sha256: sha256Hex(key),
  };
  await writeKeysFile(dataDir, { version: 1, keys: [...file.keys, entry] });
  return { id, key };
}

/**
 * Every key in the file, revoked ones included (with `revokedAt`); never a secret.
 *
 * @example
 * for (const k of await listApiKeys('./data')) console.log(k.id, k.tenant, k.roles);
 */
export async function listApiKeys(dataDir: string): Promise<ApiKeyInfo[]> {
  return (await readKeysFile(dataDir)).keys.map(info);
}

/**
 * Revokes a key by id: it never authenticates again (a running server sees it at the next
 * handshake). INVALID_ARGUMENT for an unknown id.
 *
 * @example
 * await revokeApiKey('./data', '1a2b3c4d');
 */
export async function revokeApiKey(dataDir: string, id: string): Promise<void> {
  const file = await readKeysFile(dataDir);
  const found = file.keys.find((k) => k.id === id);
  if (found === undefined) {
    throw invalid(`no API key with id '${id}': \`kimberlite tenant key list\` shows the ids`);
  }
  if (found.revokedAt !== undefined) return;
  const revokedAt = new Date().toISOString();
  await writeKeysFile(dataDir, {
    version: 1,
    keys: file.keys.map((k) => (k.id === id ? { ...k, revokedAt } : k)),
  });
}

/** The server's view of the key file, re-read when the file changes. */
export class ApiKeyStore {
  readonly #dataDir: string;
  #keys = new Map<string, StoredKey>();
  /** mtime and size of the file as last read; `missing` when there was none. */
  #stamp = '';

  constructor(dataDir: string) {
    this.#dataDir = dataDir;
  }

  async #refresh(): Promise<void> {
    let stamp = 'missing';
    try {
      const s = await stat(join(this.#dataDir, API_KEYS_FILE_NAME), { bigint: true });
      stamp = `${s.mtimeNs}:${s.size}:${s.ino}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (stamp === this.#stamp) return;
    const file = await readKeysFile(this.#dataDir);
    this.#keys = new Map(file.keys.map((k) => [k.id, k]));
    this.#stamp = stamp;
  }

  /** The key's entry; UNAUTHENTICATED (saying why) when it is unknown, wrong or revoked. */
  async authenticate(key: string): Promise<ApiKeyInfo> {
    const match = KEY_PATTERN.exec(key);
    if (match === null) {
      throw new KimberliteError(
        ErrorCode.Unauthenticated,
        'the API key is malformed: expected kmb_<8 hex>_<secret> as `tenant key create` prints',
      );
    }
    await this.#refresh();
    const entry = this.#keys.get(match[1] ?? '');
    const presented = createHash('sha256').update(key, 'utf8').digest();
    // Compare against something of the same length even for an unknown id (constant time).
    const stored = Buffer.from(entry?.sha256 ?? '0'.repeat(64), 'hex');
    const equal = timingSafeEqual(presented, stored);
    if (entry === undefined || !equal) {
      throw new KimberliteError(ErrorCode.Unauthenticated, 'the API key is not valid');
    }
    if (entry.revokedAt !== undefined) {
      throw new KimberliteError(
        ErrorCode.Unauthenticated,
        `the API key ${entry.id} was revoked at ${entry.revokedAt}`,
      );
    }
    return info(entry);
  }
}
