/**
 * The data directory's config file and addresses: parsing, defaults, errors that say what to
 * fix, and the merge of CLI overrides over the file.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadConfig,
  parseAddress,
  parseAuthMode,
  parseFileConfig,
  resolveLimits,
  serverConfigFrom,
} from '../../ts/server/index.js';
import { tempDir } from './raw_client.js';

describe('config', () => {
  it('parses host:port addresses, IPv6 in brackets, and refuses others', () => {
    expect(parseAddress('127.0.0.1:7432')).toEqual({ host: '127.0.0.1', port: 7432 });
    expect(parseAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseAddress(':7433')).toEqual({ host: '127.0.0.1', port: 7433 });
    expect(() => parseAddress('localhost')).toThrow(/host:port/);
    expect(() => parseAddress('h:99999')).toThrow(/host:port/);
  });

  it('takes auth modes as people type them', () => {
    expect(parseAuthMode('apikey')).toBe('api_key');
    expect(parseAuthMode('API_KEY')).toBe('api_key');
    expect(parseAuthMode('jwt')).toBe('jwt');
    expect(() => parseAuthMode('ldap')).toThrow(/none, apikey or jwt/);
  });

  it('reads the file kimberlite init writes, paths relative to the directory', async () => {
    const dir = await tempDir();
    try {
      await writeFile(
        join(dir.dir, 'kimberlite.json'),
        JSON.stringify({
          version: 1,
          address: '127.0.0.1:7432',
          http: '127.0.0.1:7433',
          auth: { mode: 'jwt', secretFile: 'jwt.secret', issuer: 'me' },
          limits: { connectionsMax: 10 },
          tls: { certFile: 'c.pem', keyFile: '/abs/k.pem' },
        }),
      );
      const file = await loadConfig(dir.dir);
      expect(file.address).toEqual({ host: '127.0.0.1', port: 7432 });
      expect(file.auth).toEqual({
        mode: 'jwt',
        secretFile: join(dir.dir, 'jwt.secret'),
        issuer: 'me',
      });
      expect(file.tls).toEqual({ certFile: join(dir.dir, 'c.pem'), keyFile: '/abs/k.pem' });
      const merged = serverConfigFrom(dir.dir, file, {
        address: { host: '0.0.0.0', port: 1 },
        http: undefined,
      });
      expect(merged.address).toEqual({ host: '0.0.0.0', port: 1 });
      expect(merged.http).toEqual({ host: '127.0.0.1', port: 7433 });
      expect(merged.limits).toEqual({ connectionsMax: 10 });
      await expect(loadConfig(join(dir.dir, 'missing'))).rejects.toThrow(/kimberlite init/);
    } finally {
      await dir.remove();
    }
  });

  it('says what is wrong with a malformed file', () => {
    expect(() => parseFileConfig('/d', '{')).toThrow(/not valid JSON/);
    expect(() => parseFileConfig('/d', '{"version":2}')).toThrow(/version 2/);
    expect(() => parseFileConfig('/d', '{"version":1,"limits":{"idleTimeoutMs":-1}}')).toThrow(
      /idleTimeoutMs/,
    );
  });

  it('fills limits with the defaults and caps requests at the frame limit', () => {
    expect(resolveLimits(undefined)).toEqual({
      connectionsMax: 1024,
      inFlightPerConnectionMax: 1024,
      idleTimeoutMs: 300_000,
      requestBytesMax: 16 * 1024 * 1024,
    });
    expect(() => resolveLimits({ requestBytesMax: 32 * 1024 * 1024 })).toThrow(/requestBytesMax/);
  });
});
