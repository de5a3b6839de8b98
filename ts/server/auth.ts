/**
 * Authentication (who is this connection) and authorization (may it make this request).
 *
 * An identity holds roles and is bound to one tenant, or to none (an admin over every
 * tenant). Auth none makes every connection such an admin: development only.
 *
 * Invariant: `authorize` runs before every request but the handshake; a request naming a
 * tenant other than the identity's is refused with CROSS_TENANT, one its roles do not allow
 * with PERMISSION_DENIED, before anything is read or written.
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { errors as joseErrors, jwtVerify } from 'jose';
import { ErrorCode, KimberliteError, LIMITS } from '../types/index.js';
import type { Credentials, Request, RequestType } from '../wire/index.js';
import { ApiKeyStore } from './api_keys.js';
import { type AuthConfig, ROLES, type Role } from './config.js';

/**
 * Who a connection is, as its handshake proved: a subject, its tenant (or every tenant for an
 * unbound admin) and its roles.
 *
 * @example
 * const identity: Identity = { subject: 'key:1a2b3c4d', tenant: 1, roles: new Set(['writer']) };
 */
export interface Identity {
  /** Who: a JWT's `sub`, `key:<id>` for an API key, `anonymous` under auth none. */
  readonly subject: string;
  /** The one tenant it may use; undefined: every tenant (admins only). */
  readonly tenant: number | undefined;
  readonly roles: ReadonlySet<Role>;
}

const READER: readonly RequestType[] = [
  'query',
  'read',
  'stream_info',
  'list_tables',
  'describe_table',
  'server_info',
  'ping',
];
const WRITER: readonly RequestType[] = [...READER, 'execute', 'create_stream', 'append'];

/** What each role allows; admin allows everything. */
const ALLOWED: Record<Role, ReadonlySet<RequestType> | 'all'> = {
  reader: new Set(READER),
  writer: new Set(WRITER),
  admin: 'all',
};

function unauthenticated(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.Unauthenticated, message);
}

/** The tenant a request names, if it names one. */
export function requestTenant(request: Request): number | undefined {
  return 'tenant' in request ? request.tenant : undefined;
}

/** Throws PERMISSION_DENIED or CROSS_TENANT unless `identity` may make `request`. */
export function authorize(identity: Identity, request: Request): void {
  let allowed = false;
  for (const role of identity.roles) {
    const set = ALLOWED[role];
    if (set === 'all' || set.has(request.type)) allowed = true;
  }
  if (!allowed) {
    throw new KimberliteError(
      ErrorCode.PermissionDenied,
      `${request.type} is not allowed for ${identity.subject} ` +
        `(roles: ${[...identity.roles].join(', ') || 'none'})`,
    );
  }
  const tenant = requestTenant(request);
  if (tenant !== undefined) checkTenant(identity, tenant);
}

/** CROSS_TENANT unless `identity` may use `tenant`. */
export function checkTenant(identity: Identity, tenant: number): void {
  if (identity.tenant !== undefined && identity.tenant !== tenant) {
    throw new KimberliteError(
      ErrorCode.CrossTenant,
      `${identity.subject} is bound to tenant ${identity.tenant} and cannot use tenant ${tenant}`,
    );
  }
}

function identityOf(subject: string, tenant: unknown, roles: unknown): Identity {
  if (!Array.isArray(roles) || roles.length === 0) {
    throw unauthenticated(`${subject} has no roles (${ROLES.join(', ')})`);
  }
  const known = new Set<Role>();
  for (const role of roles) if (ROLES.includes(role as Role)) known.add(role as Role);
  if (known.size === 0) {
    throw unauthenticated(`${subject} has none of the roles ${ROLES.join(', ')}`);
  }
  if (tenant === undefined || tenant === null) {
    if (!known.has('admin')) {
      throw unauthenticated(`${subject} names no tenant; only an admin may work on every tenant`);
    }
    return { subject, tenant: undefined, roles: known };
  }
  if (typeof tenant !== 'number' || !Number.isInteger(tenant) || tenant < 1) {
    throw unauthenticated(`${subject} has a tenant that is not a positive integer`);
  }
  if (tenant > LIMITS.idMax) throw unauthenticated(`${subject} has a tenant beyond u32`);
  return { subject, tenant, roles: known };
}

/** Turns credentials into an identity under one auth mode. */
export interface Authenticator {
  readonly mode: AuthConfig['mode'];
  authenticate(credentials: Credentials): Promise<Identity>;
}

const EVERYTHING: Identity = {
  subject: 'anonymous',
  tenant: undefined,
  roles: new Set<Role>(['admin']),
};

/** Loads what `config` needs (the JWT key) and returns the authenticator. */
export async function createAuthenticator(
  config: AuthConfig,
  dataDir: string,
): Promise<Authenticator> {
  switch (config.mode) {
    case 'none':
      return { mode: 'none', authenticate: async () => EVERYTHING };
    case 'api_key': {
      const store = new ApiKeyStore(dataDir);
      return {
        mode: 'api_key',
        async authenticate(credentials) {
          if (credentials.kind !== 'api_key') {
            throw unauthenticated(
              `this server takes API keys (auth api_key); got credentials of kind ` +
                `${credentials.kind}: pass the key from \`kimberlite tenant key create\``,
            );
          }
          const key = await store.authenticate(credentials.key);
          return identityOf(`key:${key.id}`, key.tenant, key.roles);
        },
      };
    }
    case 'jwt':
      return jwtAuthenticator(config);
  }
}

async function loadJwtKey(
  config: Extract<AuthConfig, { mode: 'jwt' }>,
): Promise<{ key: KeyObject; algorithms: string[] }> {
  const path = config.secretFile ?? config.publicKeyFile ?? '';
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new KimberliteError(
      ErrorCode.InvalidArgument,
      `cannot read the JWT key file ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (config.secretFile !== undefined) {
    const secret = Buffer.from(text.trim(), 'utf8');
    if (secret.length < 32) {
      throw new KimberliteError(
        ErrorCode.InvalidArgument,
        `the HS256 secret in ${path} is ${secret.length} bytes; use at least 32`,
      );
    }
    return { key: createSecretKey(secret), algorithms: ['HS256'] };
  }
  try {
    return { key: createPublicKey(text), algorithms: ['RS256', 'ES256', 'EdDSA'] };
  } catch (error) {
    throw new KimberliteError(
      ErrorCode.InvalidArgument,
      `${path} is not a PEM public key: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

async function jwtAuthenticator(
  config: Extract<AuthConfig, { mode: 'jwt' }>,
): Promise<Authenticator> {
  const { key, algorithms } = await loadJwtKey(config);
  const options = {
    algorithms,
    ...(config.issuer === undefined ? {} : { issuer: config.issuer }),
    ...(config.audience === undefined ? {} : { audience: config.audience }),
  };
  return {
    mode: 'jwt',
    async authenticate(credentials) {
      if (credentials.kind !== 'jwt') {
        throw unauthenticated(
          `this server takes JWTs (auth jwt); got credentials of kind ${credentials.kind}`,
        );
      }
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(credentials.token, key, options));
      } catch (error) {
        throw jwtError(error);
      }
      if (typeof payload.sub !== 'string' || payload.sub === '') {
        throw unauthenticated('the JWT has no sub claim naming who it is for');
      }
      return identityOf(payload.sub, payload.tenant, payload.roles);
    },
  };
}

function jwtError(error: unknown): KimberliteError {
  if (error instanceof joseErrors.JWTExpired) {
    return new KimberliteError(ErrorCode.TokenExpired, `the JWT has expired: ${error.message}`);
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'nbf') {
    return new KimberliteError(
      ErrorCode.TokenExpired,
      `the JWT is not valid yet: ${error.message}`,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new KimberliteError(ErrorCode.Unauthenticated, `the JWT is not valid: ${message}`);
}
