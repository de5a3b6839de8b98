/**
 * The server of `npm run bench -- server`, in its own process: starts `Server.start` on a free
 * loopback port over the data directory given as the first argument (auth none), prints
 * `{"port": n}` on one stdout line, and runs until SIGTERM (graceful shutdown).
 */
import { runUntilSignal, Server } from '../ts/server/index.js';

const directory = process.argv[2];
if (directory === undefined) throw new Error('usage: server_child.ts <data directory>');
const server = await Server.start({
  dataDir: directory,
  address: { host: '127.0.0.1', port: 0 },
  auth: { mode: 'none' },
  limits: { inFlightPerConnectionMax: 4096 },
  log: () => undefined,
});
process.stdout.write(`${JSON.stringify({ port: server.address.port })}\n`);
await runUntilSignal(server);
