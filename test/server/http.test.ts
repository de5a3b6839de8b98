/**
 * The HTTP sidecar: /health, /ready (503 while not ready), /metrics in Prometheus format with
 * the server's request, latency, commit, connection and error metrics.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHttp } from '../../ts/server/http.js';
import { RawClient, startServer, tempDir } from './raw_client.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('http sidecar', () => {
  it('serves /health, /ready and /metrics with the server counters', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const { server, lines } = await startServer(dir.dir, {
      http: { host: '127.0.0.1', port: 0 },
    });
    cleanups.push(() => server.shutdown());
    const base = `http://127.0.0.1:${server.httpAddress?.port}`;
    expect(lines.join('\n')).toContain(`http on 127.0.0.1:${server.httpAddress?.port}`);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);

    const client = await RawClient.connect(server.address.port);
    cleanups.push(async () => client.close());
    await client.handshake();
    await client.ok({ type: 'create_tenant', tenant: 1, name: 'm' });
    await client.ok({ type: 'ping' });
    await client.code({ type: 'query', tenant: 1, sql: 'SELECT * FROM nope', params: [] });

    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('kimberlite_requests_total{type="ping",code="OK"} 1');
    expect(text).toContain('kimberlite_requests_total{type="query",code="UNKNOWN_TABLE"} 1');
    expect(text).toContain('kimberlite_errors_total{code="UNKNOWN_TABLE"} 1');
    expect(text).toContain('kimberlite_commits_total 1');
    expect(text).toContain('kimberlite_connections 1');
    expect(text).toMatch(/kimberlite_request_duration_seconds_bucket\{le="[^"]+",type="ping"\}/);
    expect(text).toMatch(/kimberlite_log_position [0-9]+/);
    expect(text).toMatch(/kimberlite_data_bytes [1-9][0-9]*/);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('answers /ready 503 while the server is not ready', async () => {
    let ready = false;
    const { server, address } = await startHttp(
      { host: '127.0.0.1', port: 0 },
      { metrics: async () => '', contentType: 'text/plain', ready: () => ready },
    );
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${address.port}/ready`;
    expect((await fetch(url)).status).toBe(503);
    ready = true;
    expect((await fetch(url)).status).toBe(200);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
  });
});
