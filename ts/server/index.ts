/**
 * The server's interface: `Server.start` (TCP/TLS, the wire protocol, auth, limits, the HTTP
 * sidecar), the data directory's config file, and API key management.
 * See docs/operations.md.
 */
export type { ApiKeyInfo } from './api_keys.js';
export { API_KEYS_FILE_NAME, createApiKey, listApiKeys, revokeApiKey } from './api_keys.js';
export type { Identity } from './auth.js';
export type {
  Address,
  AuthConfig,
  FileConfig,
  Limits,
  LimitsConfig,
  Role,
  ServerConfig,
  TlsConfig,
} from './config.js';
export {
  CONFIG_FILE_NAME,
  DEFAULT_HTTP_PORT,
  DEFAULT_PORT,
  formatAddress,
  loadConfig,
  parseAddress,
  parseAuthMode,
  parseFileConfig,
  ROLES,
  resolveLimits,
  serverConfigFrom,
} from './config.js';
export { runUntilSignal, Server, serverVersion } from './server.js';
