/**
 * `kimberlite start <dir>`: the server on a data directory. Flags override the directory's
 * `kimberlite.json`. Start-up lines (listening address, HTTP sidecar, auth mode, backends) go
 * to stdout; SIGTERM or SIGINT shut the server down gracefully (finish requests in flight,
 * sync, close) and the process exits 0.
 */
import { resolve } from 'node:path';
import {
  type AuthConfig,
  formatAddress,
  loadConfig,
  parseAddress,
  parseAuthMode,
  runUntilSignal,
  Server,
  type ServerConfig,
  serverConfigFrom,
  type TlsConfig,
} from '../server/index.js';
import { ErrorCode, KimberliteError } from '../types/index.js';

export interface StartFlags {
  readonly address?: string;
  readonly http?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsCa?: string;
  readonly tlsRequireClientCert?: boolean;
  readonly auth?: string;
  readonly jwtSecretFile?: string;
  readonly jwtPublicKeyFile?: string;
  readonly jwtIssuer?: string;
  readonly jwtAudience?: string;
  readonly masterKeyFile?: string;
}

function invalid(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.InvalidArgument, message);
}

function authFrom(flags: StartFlags): AuthConfig | undefined {
  if (flags.auth === undefined) {
    if (flags.jwtSecretFile !== undefined || flags.jwtPublicKeyFile !== undefined) {
      throw invalid('--jwt-secret-file and --jwt-public-key-file need --auth jwt');
    }
    return undefined;
  }
  const mode = parseAuthMode(flags.auth);
  if (mode !== 'jwt') return { mode };
  if (flags.jwtSecretFile === undefined && flags.jwtPublicKeyFile === undefined) {
    throw invalid('--auth jwt needs --jwt-secret-file <file> (HS256) or --jwt-public-key-file');
  }
  return {
    mode,
    ...(flags.jwtSecretFile === undefined ? {} : { secretFile: resolve(flags.jwtSecretFile) }),
    ...(flags.jwtPublicKeyFile === undefined
      ? {}
      : { publicKeyFile: resolve(flags.jwtPublicKeyFile) }),
    ...(flags.jwtIssuer === undefined ? {} : { issuer: flags.jwtIssuer }),
    ...(flags.jwtAudience === undefined ? {} : { audience: flags.jwtAudience }),
  };
}

function tlsFrom(flags: StartFlags): TlsConfig | undefined {
  if (flags.tlsCert === undefined && flags.tlsKey === undefined) {
    if (flags.tlsCa !== undefined || flags.tlsRequireClientCert === true) {
      throw invalid('--tls-ca and --tls-require-client-cert need --tls-cert and --tls-key');
    }
    return undefined;
  }
  if (flags.tlsCert === undefined || flags.tlsKey === undefined) {
    throw invalid('TLS needs both --tls-cert <file> and --tls-key <file>');
  }
  if (flags.tlsRequireClientCert === true && flags.tlsCa === undefined) {
    throw invalid('--tls-require-client-cert needs --tls-ca <file> to check client certificates');
  }
  return {
    certFile: resolve(flags.tlsCert),
    keyFile: resolve(flags.tlsKey),
    ...(flags.tlsCa === undefined ? {} : { caFile: resolve(flags.tlsCa) }),
    ...(flags.tlsRequireClientCert === true ? { requireClientCert: true } : {}),
  };
}

/** The server config: the directory's file with the flags on top. */
export async function startConfig(dir: string, flags: StartFlags): Promise<ServerConfig> {
  const file = await loadConfig(dir);
  const auth = authFrom(flags);
  const tls = tlsFrom(flags);
  const config = serverConfigFrom(dir, file, {
    ...(flags.address === undefined ? {} : { address: parseAddress(flags.address) }),
    ...(auth === undefined ? {} : { auth }),
    ...(tls === undefined ? {} : { tls }),
    ...(flags.masterKeyFile === undefined ? {} : { masterKeyFile: resolve(flags.masterKeyFile) }),
    log: (line: string) => console.log(line),
  });
  if (flags.http === undefined) return config;
  if (flags.http === 'off') {
    const { http: _off, ...rest } = config;
    return rest;
  }
  return { ...config, http: parseAddress(flags.http) };
}

/** Starts the server and runs it until SIGTERM / SIGINT. */
export async function runServer(dir: string, flags: StartFlags): Promise<void> {
  const config = await startConfig(dir, flags);
  const server = await Server.start(config);
  const http = server.httpAddress === undefined ? 'off' : formatAddress(server.httpAddress);
  // One line with everything a script needs, after the server's own start-up lines.
  console.log(
    `ready: address=${formatAddress(server.address)} http=${http} auth=${config.auth.mode} ` +
      `tls=${config.tls === undefined ? 'off' : 'on'}`,
  );
  await runUntilSignal(server);
}
