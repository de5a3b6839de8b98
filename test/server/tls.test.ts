/**
 * TLS: the wire protocol over node:tls with a certificate and key, and client certificates
 * required when configured. Fixtures: test/server/fixtures (test-only CA, 100 years).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, startServer, tempDir } from './raw_client.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const file = (name: string) => join(fixtures, name);
const ca = readFileSync(file('ca.pem'));
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tlsServer(requireClientCert: boolean) {
  const dir = await tempDir();
  cleanups.push(dir.remove);
  const { server, lines } = await startServer(dir.dir, {
    tls: {
      certFile: file('server.pem'),
      keyFile: file('server.key'),
      caFile: file('ca.pem'),
      requireClientCert,
    },
  });
  cleanups.push(() => server.shutdown());
  return { server, lines };
}

describe('tls', () => {
  it('speaks the protocol over TLS and says so at start and in server_info', async () => {
    const { server, lines } = await tlsServer(false);
    expect(lines.join('\n')).toMatch(/listening on .* \(tls on\)/);
    const client = await RawClient.connect(server.address.port, { tls: { ca } });
    cleanups.push(async () => client.close());
    await client.handshake();
    const info = await client.ok({ type: 'server_info' });
    expect(info.tls).toBe(true);
  });

  it('refuses a client that does not trust the server certificate', async () => {
    const { server } = await tlsServer(false);
    await expect(RawClient.connect(server.address.port, { tls: {} })).rejects.toThrow();
  });

  it('requires a client certificate signed by the CA when configured', async () => {
    const { server } = await tlsServer(true);
    const withCert = await RawClient.connect(server.address.port, {
      tls: { ca, cert: readFileSync(file('client.pem')), key: readFileSync(file('client.key')) },
    });
    cleanups.push(async () => withCert.close());
    await withCert.handshake();
    expect(await withCert.code({ type: 'ping' })).toBe('OK');

    // TLS 1.3 reports a refused client certificate after the handshake: the socket closes.
    const without = await RawClient.connect(server.address.port, { tls: { ca } }).catch(
      () => undefined,
    );
    if (without !== undefined) {
      without.send({ type: 'ping' });
      expect(await without.next()).toBeUndefined();
      await without.closed;
    }
  });
});
