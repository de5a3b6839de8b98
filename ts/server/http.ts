/**
 * The HTTP sidecar: `/metrics` (Prometheus text format), `/health` (200 while the process
 * serves), `/ready` (200 once the database is open and the server is not shutting down, else
 * 503). Nothing else; no request body is read.
 */
import { createServer, type Server } from 'node:http';
import type { Address } from './config.js';

export interface HttpHandlers {
  metrics(): Promise<string>;
  readonly contentType: string;
  ready(): boolean;
}

/** Starts the sidecar on `address` (port 0: a free port) and returns the bound address. */
export function startHttp(
  address: Address,
  handlers: HttpHandlers,
): Promise<{ server: Server; address: Address }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      reply(405, 'only GET and HEAD\n');
      return;
    }
    switch (path) {
      case '/metrics':
        handlers.metrics().then(
          (text) => reply(200, text, handlers.contentType),
          (error: unknown) => reply(500, `metrics failed: ${String(error)}\n`),
        );
        return;
      case '/health':
        reply(200, 'ok\n');
        return;
      case '/ready':
        if (handlers.ready()) reply(200, 'ready\n');
        else reply(503, 'not ready\n');
        return;
      default:
        reply(404, 'not found: try /metrics, /health or /ready\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      const bound = server.address();
      const port = typeof bound === 'object' && bound !== null ? bound.port : address.port;
      resolve({ server, address: { host: address.host, port } });
    });
  });
}
