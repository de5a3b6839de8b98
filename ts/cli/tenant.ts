/**
 * `kimberlite tenant create|list|info|delete` (over the wire, as an admin identity) and
 * `kimberlite tenant key create|list|revoke <dir>` (API keys in the data directory's
 * `api_keys.json`; a running server picks changes up at the next handshake).
 */
import type { TenantInfo } from '../client/index.js';
import { createApiKey, listApiKeys, ROLES, type Role, revokeApiKey } from '../server/index.js';
import { ErrorCode, KimberliteError } from '../types/index.js';
import { formatTable } from './format.js';
import { type ConnectFlags, connect, parseTenant } from './remote.js';

function tenantTable(tenants: readonly TenantInfo[]): string {
  return formatTable({
    columns: [{ name: 'id' }, { name: 'name' }, { name: 'sealed' }, { name: 'created_at' }],
    rows: tenants.map((t) => [t.id, t.name, t.sealed, t.createdAt]),
  });
}

export async function tenantCreate(flags: ConnectFlags, id: string, name: string) {
  const client = await connect(flags);
  try {
    const info = await client.admin.createTenant(parseTenant(id), name);
    return `created tenant ${info.id} (${info.name})`;
  } finally {
    await client.close();
  }
}

export async function tenantList(flags: ConnectFlags) {
  const client = await connect(flags);
  try {
    return tenantTable(await client.admin.listTenants());
  } finally {
    await client.close();
  }
}

export async function tenantInfo(flags: ConnectFlags, id: string) {
  const client = await connect(flags);
  try {
    return tenantTable([await client.admin.getTenant(parseTenant(id))]);
  } finally {
    await client.close();
  }
}

export async function tenantDelete(flags: ConnectFlags, id: string) {
  const client = await connect(flags);
  try {
    await client.admin.deleteTenant(parseTenant(id));
    return `deleted tenant ${id}: its data key is destroyed (crypto-shredded); its log stays`;
  } finally {
    await client.close();
  }
}

/** Parses `--role reader,writer` into roles. */
export function parseRoles(text: string): Role[] {
  const roles = text
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role)) {
      throw new KimberliteError(
        ErrorCode.InvalidArgument,
        `unknown role '${role}': use ${ROLES.join(', ')}`,
      );
    }
  }
  return roles as Role[];
}

export async function keyCreate(
  dir: string,
  o: { tenant?: string; role: string; name?: string },
): Promise<string[]> {
  const { id, key } = await createApiKey(dir, {
    roles: parseRoles(o.role),
    ...(o.tenant === undefined ? {} : { tenant: parseTenant(o.tenant) }),
    ...(o.name === undefined ? {} : { name: o.name }),
  });
  const scope = o.tenant === undefined ? ' (every tenant)' : ` for tenant ${o.tenant}`;
  return [
    `created API key ${id}${scope}`,
    'the key is shown only now; store it safely (only its SHA-256 is kept):',
    key,
  ];
}

export async function keyList(dir: string): Promise<string> {
  const keys = await listApiKeys(dir);
  return formatTable({
    columns: ['id', 'name', 'tenant', 'roles', 'created_at', 'revoked_at'].map((name) => ({
      name,
    })),
    rows: keys.map((k) => [
      k.id,
      k.name ?? '',
      k.tenant === undefined ? 'all' : String(k.tenant),
      k.roles.join(','),
      k.createdAt,
      k.revokedAt ?? '',
    ]),
  });
}

export async function keyRevoke(dir: string, id: string): Promise<string> {
  await revokeApiKey(dir, id);
  return `revoked API key ${id}`;
}
