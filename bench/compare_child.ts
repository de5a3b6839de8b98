/**
 * The startup + recovery workload of `npm run bench -- compare`, one step per fresh process:
 *
 *   node --import tsx bench/compare_child.ts fill <engine> <directory> <bytes>
 *   node --import tsx bench/compare_child.ts open <engine> <directory>
 *
 * `fill` creates the schema and inserts patients (1,000 per statement, two visits each) until
 * the files hold `bytes`, then exits WITHOUT closing the database: a crash right after the
 * last acknowledged write, so the next open must recover (SQLite: replay its WAL; Kimberlite:
 * recover the log's tail and the stores past their last checkpoint). `open` times the open
 * and one point SELECT, and exits the same way. Each prints one JSON line.
 * `<engine>`: `kimberlite`, `sqlite` or `sqlite+audit`.
 *
 *   node --import tsx bench/compare_child.ts serve <directory>
 *
 * starts `ts/server` over `<directory>` on 127.0.0.1 (a free port, auth none) for the wire
 * column, prints `{"address":"127.0.0.1:<port>"}` once listening, and shuts down gracefully
 * on SIGTERM.
 */
import { join } from 'node:path';
import { patientRow } from './compare.js';
import {
  type Engine,
  loadSqlite,
  loadWire,
  openKimberlite,
  openSqlite,
  usedBytes,
  type VisitRow,
} from './compare_engines.js';

const [mode, name, directory, bytesText] = process.argv.slice(2);
if (mode === 'serve' && name !== undefined) {
  await serve(name);
} else if (mode === undefined || name === undefined || directory === undefined) {
  console.error('usage: compare_child.ts fill|open <engine> <directory> [<bytes>]');
  process.exit(2);
}

async function open(): Promise<Engine> {
  if (name === 'kimberlite') return openKimberlite(join(directory as string, 'db'));
  const Database = await loadSqlite();
  if (typeof Database === 'string') throw new Error(Database);
  return openSqlite(Database, join(directory as string, 'db'), name === 'sqlite+audit');
}

const BATCH = 1000;

async function fill(targetBytes: number): Promise<void> {
  const engine = await open();
  await engine.setup();
  let rows = 0;
  let estimate = 0;
  let checkAt = 5 * BATCH;
  for (;;) {
    await engine.insertPatients(Array.from({ length: BATCH }, (_, i) => patientRow(rows + i)));
    const visits: VisitRow[] = [];
    for (let i = 0; i < BATCH; i++) {
      visits.push([2 * (rows + i), rows + i, i % 500], [2 * (rows + i) + 1, rows + i, i % 300]);
    }
    await engine.insertVisits(visits);
    rows += BATCH;
    if (rows >= checkAt) {
      // Measuring the files reads them: estimate the rows still needed, then check again.
      estimate = await engine.sizeBytes();
      if (estimate >= targetBytes) break;
      // At most doubling: files do not grow in step with rows (checkpoints, page splits).
      const perPatient = estimate / rows;
      const missing = Math.ceil((targetBytes - estimate) / perPatient);
      checkAt = rows + Math.max(BATCH, Math.min(rows, Math.ceil(missing * 0.9)));
    }
  }
  console.log(JSON.stringify({ rows: rows * 3, bytes: usedBytes(join(directory as string)) }));
  process.exit(0);
}

async function reopen(): Promise<void> {
  const started = performance.now();
  const engine = await open();
  await engine.pointSelect(1);
  const milliseconds = performance.now() - started;
  console.log(JSON.stringify({ milliseconds }));
  process.exit(0);
}

async function serve(dataDir: string): Promise<void> {
  const modules = await loadWire();
  if (typeof modules === 'string') throw new Error(modules);
  const server = await modules.Server.start({
    dataDir,
    address: { host: '127.0.0.1', port: 0 },
    auth: { mode: 'none' },
    log: () => {},
  });
  process.once('SIGTERM', () => {
    server.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
  console.log(JSON.stringify({ address: `${server.address.host}:${server.address.port}` }));
}

if (mode === 'serve') {
  // serving until SIGTERM
} else if (mode === 'fill') await fill(Number(bytesText));
else if (mode === 'open') await reopen();
else {
  console.error(`compare_child.ts: unknown mode "${mode}" (expected fill or open)`);
  process.exit(2);
}
