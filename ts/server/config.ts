/**
 * The server's configuration: the in-memory `ServerConfig` that `Server.start` takes, and the
 * data directory's file `<dir>/kimberlite.json` (written by `kimberlite init`) it is usually
 * made from. The CLI merges its flags over the file; paths in the file are relative to the
 * data directory.
 *
 * Invariant: a config that passes `checkServerConfig` names ports 0..65535, positive limits no
 * larger than the protocol's own, and an auth mode with the files it needs.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { type BackendChoice, parseBackendChoice } from '../crypto/index.js';
import { ErrorCode, KimberliteError, LIMITS } from '../types/index.js';

/**
 * A role an identity holds: reader (queries, reads, stream info, tables, server info), writer
 * (reader + execute, create_stream, append), admin (everything, tenants and verify included).
 *
 * @example
 * const roles: Role[] = ['writer'];
 */
export type Role = 'reader' | 'writer' | 'admin';

/**
 * The roles, weakest first.
 *
 * @example
 * ROLES.includes('admin'); // true
 */
export const ROLES: readonly Role[] = ['reader', 'writer', 'admin'];

/**
 * How clients prove who they are: nothing (development only), an API key, or a JWT.
 *
 * @example
 * const auth: AuthConfig = { mode: 'jwt', secretFile: './jwt.secret', issuer: 'auth.example' };
 */
export type AuthConfig =
  | { readonly mode: 'none' }
  | { readonly mode: 'api_key' }
  | {
      readonly mode: 'jwt';
      /** HS256: the shared secret is this file's contents (surrounding whitespace trimmed). */
      readonly secretFile?: string;
      /** RS256 / ES256 / EdDSA: a PEM public key. */
      readonly publicKeyFile?: string;
      readonly issuer?: string;
      readonly audience?: string;
    };

/**
 * A host and TCP port.
 *
 * @example
 * const address: Address = { host: '127.0.0.1', port: 7432 };
 */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/**
 * TLS for the wire protocol: PEM certificate and key files, and optionally a CA that client
 * certificates must chain to.
 *
 * @example
 * const tls: TlsConfig = { certFile: 'server.pem', keyFile: 'server.key' };
 */
export interface TlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA bundle client certificates must chain to. */
  readonly caFile?: string;
  /** Refuse connections without a client certificate signed by `caFile`. */
  readonly requireClientCert?: boolean;
}

/**
 * Limits a configuration may set; those left out take the defaults of LIMITS.
 *
 * @example
 * const limits: LimitsConfig = { connectionsMax: 200, idleTimeoutMs: 60_000 };
 */
export interface LimitsConfig {
  readonly connectionsMax?: number;
  readonly inFlightPerConnectionMax?: number;
  readonly idleTimeoutMs?: number;
  /** Largest request frame payload (at most LIMITS.frameSizeBytesMax). */
  readonly requestBytesMax?: number;
}

/**
 * Everything `Server.start` needs.
 *
 * @example
 * const config: ServerConfig = {
 *   dataDir: './data',
 *   address: { host: '127.0.0.1', port: 7432 },
 *   auth: { mode: 'api_key' },
 * };
 */
export interface ServerConfig {
  readonly dataDir: string;
  /** Port 0 picks a free port; `Server.address` tells which. */
  readonly address: Address;
  /** The HTTP sidecar: /metrics, /health, /ready. */
  readonly http?: Address;
  readonly tls?: TlsConfig;
  readonly auth: AuthConfig;
  readonly limits?: LimitsConfig;
  /** Default: `KIMBERLITE_BACKEND`, else auto. */
  readonly backend?: BackendChoice;
  readonly masterKeyFile?: string;
  /** Where start-up and error lines go (default console.error). */
  readonly log?: (line: string) => void;
}

/**
 * The limits with their defaults filled in.
 *
 * @example
 * const { connectionsMax } = resolveLimits({});
 */
export interface Limits {
  readonly connectionsMax: number;
  readonly inFlightPerConnectionMax: number;
  readonly idleTimeoutMs: number;
  readonly requestBytesMax: number;
}

/**
 * `<dir>/kimberlite.json` as parsed (addresses already split into host and port).
 *
 * @example
 * const file: FileConfig = await loadConfig('./data');
 */
export interface FileConfig {
  readonly version: 1;
  readonly address?: Address;
  readonly http?: Address;
  readonly auth?: AuthConfig;
  readonly limits?: LimitsConfig;
  readonly tls?: TlsConfig;
  readonly masterKeyFile?: string;
  readonly backend?: BackendChoice;
}

/**
 * The config file's name inside a data directory.
 *
 * @example
 * join(dir, CONFIG_FILE_NAME); // './data/kimberlite.json'
 */
export const CONFIG_FILE_NAME = 'kimberlite.json';
/**
 * The wire protocol's default port.
 *
 * @example
 * parseAddress(`127.0.0.1:${DEFAULT_PORT}`);
 */
export const DEFAULT_PORT = 7432;
/**
 * The HTTP sidecar's default port.
 *
 * @example
 * fetch(`http://127.0.0.1:${DEFAULT_HTTP_PORT}/ready`);
 */
export const DEFAULT_HTTP_PORT = 7433;

function invalid(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.InvalidArgument, message);
}

/**
 * Parses `host:port` (`[::1]:7432` for IPv6; `:7432` means 127.0.0.1).
 *
 * @example
 * parseAddress('127.0.0.1:7432'); // { host: '127.0.0.1', port: 7432 }
 */
export function parseAddress(text: string): Address {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = match === null ? Number.NaN : Number(match[3]);
  if (match === null || !Number.isInteger(port) || port > 65_535) {
    throw invalid(`'${text}' is not an address: write host:port, e.g. 127.0.0.1:7432`);
  }
  const host = match[1] ?? match[2] ?? '';
  return { host: host === '' ? '127.0.0.1' : host, port };
}

/**
 * `host:port` (IPv6 hosts in brackets).
 *
 * @example
 * formatAddress({ host: '::1', port: 7432 }); // '[::1]:7432'
 */
export function formatAddress(address: Address): string {
  return address.host.includes(':')
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}

/**
 * An auth mode as people type it: `none`, `api_key` (or `apikey`), `jwt`.
 *
 * @example
 * parseAuthMode('apikey'); // 'api_key'
 */
export function parseAuthMode(text: string): AuthConfig['mode'] {
  const mode = text.trim().toLowerCase().replace('-', '_');
  if (mode === 'none' || mode === 'jwt') return mode;
  if (mode === 'api_key' || mode === 'apikey') return 'api_key';
  throw invalid(`unknown auth mode '${text}': use none, apikey or jwt`);
}

function positiveInteger(value: unknown, name: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(`${name} must be an integer from 1 to ${max}, got ${String(value)}`);
  }
  return value;
}

/**
 * The limits of `config` with defaults (LIMITS.*Default) for those it does not name;
 * INVALID_ARGUMENT for a value out of range.
 *
 * @example
 * resolveLimits({ connectionsMax: 10 }).inFlightPerConnectionMax; // 1024
 */
export function resolveLimits(config: LimitsConfig | undefined): Limits {
  const c = config ?? {};
  return {
    connectionsMax: positiveInteger(
      c.connectionsMax ?? LIMITS.connectionsDefaultMax,
      'limits.connectionsMax',
      1_000_000,
    ),
    inFlightPerConnectionMax: positiveInteger(
      c.inFlightPerConnectionMax ?? LIMITS.inFlightPerConnectionDefaultMax,
      'limits.inFlightPerConnectionMax',
      1_000_000,
    ),
    idleTimeoutMs: positiveInteger(
      c.idleTimeoutMs ?? LIMITS.idleTimeoutMsDefault,
      'limits.idleTimeoutMs',
      2 ** 31 - 1,
    ),
    requestBytesMax: positiveInteger(
      c.requestBytesMax ?? LIMITS.frameSizeBytesMax,
      'limits.requestBytesMax',
      LIMITS.frameSizeBytesMax,
    ),
  };
}

function checkAddress(address: Address, name: string): void {
  if (typeof address.host !== 'string' || address.host === '') {
    throw invalid(`${name}.host must be a host name or IP address`);
  }
  if (!Number.isInteger(address.port) || address.port < 0 || address.port > 65_535) {
    throw invalid(`${name}.port must be 0..65535 (0: a free port), got ${address.port}`);
  }
}

/** Throws INVALID_ARGUMENT naming the first thing wrong with `config`. */
export function checkServerConfig(config: ServerConfig): Limits {
  if (typeof config.dataDir !== 'string' || config.dataDir === '') {
    throw invalid('dataDir must name the data directory');
  }
  checkAddress(config.address, 'address');
  if (config.http !== undefined) checkAddress(config.http, 'http');
  if (config.tls !== undefined && (config.tls.certFile === '' || config.tls.keyFile === '')) {
    throw invalid('tls needs both certFile and keyFile');
  }
  if (config.tls?.requireClientCert === true && config.tls.caFile === undefined) {
    throw invalid('tls.requireClientCert needs tls.caFile: the CA client certificates chain to');
  }
  const auth = config.auth;
  if (
    auth.mode === 'jwt' &&
    (auth.secretFile === undefined) === (auth.publicKeyFile === undefined)
  ) {
    throw invalid('auth jwt needs exactly one of secretFile (HS256) or publicKeyFile (PEM)');
  }
  return resolveLimits(config.limits);
}

// ---- The data directory's file. ----------------------------------------------------------

type Json = Record<string, unknown>;

function object(value: unknown, name: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(`${name} must be an object`);
  }
  return value as Json;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw invalid(`${name} must be a string`);
  return value;
}

function inDir(dir: string, path: string | undefined): string | undefined {
  return path === undefined || isAbsolute(path) ? path : join(dir, path);
}

function parseAuth(dir: string, value: unknown, name: string): AuthConfig {
  const raw = object(value, name);
  const mode = parseAuthMode(String(raw.mode ?? ''));
  if (mode !== 'jwt') return { mode };
  const secretFile = inDir(dir, optionalString(raw.secretFile, `${name}.secretFile`));
  const publicKeyFile = inDir(dir, optionalString(raw.publicKeyFile, `${name}.publicKeyFile`));
  const issuer = optionalString(raw.issuer, `${name}.issuer`);
  const audience = optionalString(raw.audience, `${name}.audience`);
  return {
    mode,
    ...(secretFile === undefined ? {} : { secretFile }),
    ...(publicKeyFile === undefined ? {} : { publicKeyFile }),
    ...(issuer === undefined ? {} : { issuer }),
    ...(audience === undefined ? {} : { audience }),
  };
}

function parseLimits(value: unknown, name: string): LimitsConfig {
  const raw = object(value, name);
  const out: Record<string, number> = {};
  for (const key of [
    'connectionsMax',
    'inFlightPerConnectionMax',
    'idleTimeoutMs',
    'requestBytesMax',
  ]) {
    const v = raw[key];
    if (v === undefined) continue;
    out[key] = positiveInteger(v, `${name}.${key}`, Number.MAX_SAFE_INTEGER);
  }
  return out;
}

function parseTls(dir: string, value: unknown, name: string): TlsConfig {
  const raw = object(value, name);
  const certFile = inDir(dir, optionalString(raw.certFile, `${name}.certFile`));
  const keyFile = inDir(dir, optionalString(raw.keyFile, `${name}.keyFile`));
  if (certFile === undefined || keyFile === undefined) {
    throw invalid(`${name} needs certFile and keyFile`);
  }
  const caFile = inDir(dir, optionalString(raw.caFile, `${name}.caFile`));
  const require = raw.requireClientCert;
  if (require !== undefined && typeof require !== 'boolean') {
    throw invalid(`${name}.requireClientCert must be true or false`);
  }
  return {
    certFile,
    keyFile,
    ...(caFile === undefined ? {} : { caFile }),
    ...(require === undefined ? {} : { requireClientCert: require }),
  };
}

/**
 * Parses the text of a `kimberlite.json`; relative paths are taken relative to `dir`.
 *
 * @example
 * parseFileConfig('./data', '{"version":1,"address":"127.0.0.1:7432"}').address;
 */
export function parseFileConfig(dir: string, text: string, source = CONFIG_FILE_NAME): FileConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalid(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  const raw = object(parsed, source);
  if (raw.version !== 1) {
    throw invalid(`${source}: version ${String(raw.version)} is not supported (expected 1)`);
  }
  const text_ = (key: string) => optionalString(raw[key], `${source}: ${key}`);
  const address = text_('address');
  const http = text_('http');
  const masterKeyFile = inDir(dir, text_('masterKeyFile'));
  const backend = text_('backend');
  return {
    version: 1,
    ...(address === undefined ? {} : { address: parseAddress(address) }),
    ...(http === undefined ? {} : { http: parseAddress(http) }),
    ...(raw.auth === undefined ? {} : { auth: parseAuth(dir, raw.auth, `${source}: auth`) }),
    ...(raw.limits === undefined ? {} : { limits: parseLimits(raw.limits, `${source}: limits`) }),
    ...(raw.tls === undefined ? {} : { tls: parseTls(dir, raw.tls, `${source}: tls`) }),
    ...(masterKeyFile === undefined ? {} : { masterKeyFile }),
    ...(backend === undefined ? {} : { backend: parseBackendChoice(backend) }),
  };
}

/**
 * Reads `<dir>/kimberlite.json`; INVALID_ARGUMENT when it is missing or malformed.
 *
 * @example
 * const file = await loadConfig('./data');
 * const server = await Server.start(serverConfigFrom('./data', file));
 */
export async function loadConfig(dir: string): Promise<FileConfig> {
  const path = join(dir, CONFIG_FILE_NAME);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new KimberliteError(
      ErrorCode.InvalidArgument,
      `cannot read ${path}: ${(error as Error).message}; run \`kimberlite init ${dir}\` first`,
      { cause: error },
    );
  }
  return parseFileConfig(dir, text, path);
}

/**
 * A `ServerConfig` from a data directory's file, with `overrides` (the CLI's flags) on top.
 * Defaults: 127.0.0.1:7432, auth none, no HTTP sidecar unless the file or overrides name one.
 *
 * @example
 * const config = serverConfigFrom('./data', await loadConfig('./data'), { auth: { mode: 'jwt',
 *   secretFile: './secret' } });
 */
export function serverConfigFrom(
  dir: string,
  file: FileConfig,
  overrides: {
    readonly [K in keyof Omit<ServerConfig, 'dataDir'>]?: ServerConfig[K] | undefined;
  } = {},
): ServerConfig {
  const merged = {
    dataDir: dir,
    address: file.address ?? { host: '127.0.0.1', port: DEFAULT_PORT },
    auth: file.auth ?? { mode: 'none' as const },
    ...(file.http === undefined ? {} : { http: file.http }),
    ...(file.tls === undefined ? {} : { tls: file.tls }),
    ...(file.limits === undefined ? {} : { limits: file.limits }),
    ...(file.masterKeyFile === undefined ? {} : { masterKeyFile: file.masterKeyFile }),
    ...(file.backend === undefined ? {} : { backend: file.backend }),
  };
  const defined = Object.fromEntries(
    Object.entries(overrides).filter(([, value]) => value !== undefined),
  );
  return { ...merged, ...defined } as ServerConfig;
}
