/**
 * The databases `npm run bench -- compare` puts side by side, behind one interface: the same
 * schema and the same statements (parameters bound, never spliced) on each.
 *
 * - `kimberlite`: the embedded database (`Kimberlite.open`, `tenant.execute` / `tenant.query`);
 * - `kimberlite (wire)`: the same through `ts/server` + `ts/client` over TCP, when both load;
 * - `sqlite` / `sqlite+audit`: better-sqlite3, WAL, `synchronous=FULL`, one connection;
 * - `postgres` / `postgres+audit`: `pg`, `synchronous_commit=on`, a pool of connections.
 *
 * The `+audit` variants add what Kimberlite does on every write: an append-only `audit` table
 * filled by a trigger on every table, each row hash-chained to the previous one with SHA-256.
 *
 * Schema: `patients (id BIGINT PRIMARY KEY, name TEXT NOT NULL, ward VARCHAR(20), age
 * INTEGER)` indexed on `age`; `visits (id BIGINT PRIMARY KEY, patient_id BIGINT NOT NULL,
 * cost INTEGER)` indexed on `patient_id`; `balances (id BIGINT PRIMARY KEY, amount BIGINT NOT
 * NULL)` for the "as of" workload. SQLite and PostgreSQL keep `balances`' past versions in a
 * `balances_history` table filled by a trigger (the obvious way to read a past state there);
 * Kimberlite reads any past state of any table by log position.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kimberlite } from '../ts/runtime/index.js';

const COMPARE_CHILD = fileURLToPath(new URL('./compare_child.ts', import.meta.url));

/** `[id, name, ward, age]`. */
export type PatientRow = readonly [number, string, string, number];
/** `[id, patientId, cost]`. */
export type VisitRow = readonly [number, number, number];

/** A past state to read: a Kimberlite log position, or a peer's history sequence number. */
export type Past = bigint | number;

export interface Engine {
  /** The column label: `kimberlite`, `sqlite+audit`, ... */
  readonly name: string;
  /** How it is configured, printed under the machine. */
  readonly describe: string;
  /** Creates the three tables (and triggers) on an empty database. */
  setup(): Promise<void>;
  /** One statement (one transaction) inserting all `rows` into `patients`. */
  insertPatients(rows: readonly PatientRow[]): Promise<void>;
  /** One statement (one transaction) inserting all `rows` into `visits`. */
  insertVisits(rows: readonly VisitRow[]): Promise<void>;
  /** A durable single-row insert into `visits`, its own transaction. */
  insertVisit(row: VisitRow): Promise<void>;
  pointSelect(id: number): Promise<unknown>;
  /** `SELECT id, name FROM patients WHERE age BETWEEN low AND high`. */
  range(low: number, high: number): Promise<unknown>;
  /** Wards of patients `low..high` with their visit count and total cost. */
  join(low: number, high: number): Promise<unknown>;
  /** One statement inserting `balances` rows `0..count-1` with amount 0. */
  insertBalances(count: number): Promise<void>;
  /** One statement adding `delta` to every balance; returns the state it leaves. */
  updateBalances(delta: number): Promise<Past>;
  /** `id`'s amount as of `past`. */
  balanceAt(id: number, past: Past): Promise<unknown>;
  /** Bytes the database's files hold (see `usedBytes`). */
  sizeBytes(): Promise<number>;
  close(): Promise<void>;
}

/** Built once per shape: building 1,000 tuples per batch is not the database's time. */
const PLACEHOLDERS = new Map<string, string>();

/** `($1, $2), ($3, $4), ...`: `rows` tuples of `width` numbered parameters. */
export function placeholders(rows: number, width: number, numbered = true): string {
  const key = `${rows}/${width}/${numbered}`;
  const cached = PLACEHOLDERS.get(key);
  if (cached !== undefined) return cached;
  const tuples: string[] = [];
  for (let row = 0; row < rows; row++) {
    const cells = Array.from({ length: width }, (_, i) =>
      numbered ? `$${row * width + i + 1}` : '?',
    );
    tuples.push(`(${cells.join(', ')})`);
  }
  const text = tuples.join(', ');
  PLACEHOLDERS.set(key, text);
  return text;
}

const RANGE_SQL = 'SELECT id, name FROM patients WHERE age BETWEEN $1 AND $2';
const JOIN_SQL =
  'SELECT p.ward, COUNT(*), SUM(v.cost) FROM patients p JOIN visits v ' +
  'ON v.patient_id = p.id WHERE p.id BETWEEN $1 AND $2 GROUP BY p.ward';
const HISTORY_SQL =
  'SELECT amount FROM balances_history WHERE id = $1 AND seq <= $2 ORDER BY seq DESC LIMIT 1';

const PAGE_BYTES = 4096;
const SCAN_CHUNK_BYTES = 1024 * 1024;

/**
 * A file's bytes up to its last non-zero 4 KiB page: Kimberlite pre-allocates log segments
 * (256 MiB of zeros), which hold no data; counting them would measure the allocation policy.
 * The same rule applies to every engine's files.
 */
function fileUsedBytes(path: string, sizeBytes: number): number {
  if (sizeBytes < SCAN_CHUNK_BYTES) return sizeBytes;
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(SCAN_CHUNK_BYTES);
    const zeros = Buffer.alloc(SCAN_CHUNK_BYTES);
    let end = sizeBytes;
    while (end > 0) {
      const start = Math.max(0, end - SCAN_CHUNK_BYTES);
      const length = end - start;
      readSync(fd, chunk, 0, length, start);
      if (chunk.subarray(0, length).equals(zeros.subarray(0, length))) {
        end = start;
        continue;
      }
      for (let i = length - 1; i >= 0; i--) {
        if (chunk[i] !== 0) {
          return Math.min(sizeBytes, Math.ceil((start + i + 1) / PAGE_BYTES) * PAGE_BYTES);
        }
      }
      end = start;
    }
    return 0;
  } finally {
    closeSync(fd);
  }
}

/** The bytes every file under `path` holds, each up to its last non-zero page. */
export function usedBytes(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return 0;
  if (stat.isFile()) return fileUsedBytes(path, stat.size);
  if (!stat.isDirectory()) return 0;
  let total = 0;
  for (const entry of readdirSync(path)) total += usedBytes(join(path, entry));
  return total;
}

// ---- Kimberlite ----------------------------------------------------------------------------

/** The statements every SQL engine runs, given how to execute and query. */
interface SqlRunner {
  execute(sql: string, params: readonly unknown[]): Promise<{ position: bigint }>;
  query(sql: string, params: readonly unknown[], at?: bigint): Promise<unknown>;
}

const KIMBERLITE_SCHEMA = [
  'CREATE TABLE patients (id BIGINT PRIMARY KEY, name TEXT NOT NULL, ward VARCHAR(20), ' +
    'age INTEGER)',
  'CREATE INDEX patients_by_age ON patients (age)',
  'CREATE TABLE visits (id BIGINT PRIMARY KEY, patient_id BIGINT NOT NULL, cost INTEGER)',
  'CREATE INDEX visits_by_patient ON visits (patient_id)',
  'CREATE TABLE balances (id BIGINT PRIMARY KEY, amount BIGINT NOT NULL)',
];

/** Kimberlite's workloads over any runner (embedded or wire): only the SQL text differs. */
function kimberliteStatements(
  runner: SqlRunner,
): Omit<Engine, 'name' | 'describe' | 'sizeBytes' | 'close'> {
  return {
    async setup() {
      for (const sql of KIMBERLITE_SCHEMA) await runner.execute(sql, []);
    },
    async insertPatients(rows) {
      await runner.execute(
        `INSERT INTO patients VALUES ${placeholders(rows.length, 4)}`,
        rows.flat(),
      );
    },
    async insertVisits(rows) {
      await runner.execute(
        `INSERT INTO visits VALUES ${placeholders(rows.length, 3)}`,
        rows.flat(),
      );
    },
    async insertVisit(row) {
      await runner.execute('INSERT INTO visits VALUES ($1, $2, $3)', row);
    },
    pointSelect: (id) => runner.query('SELECT * FROM patients WHERE id = $1', [id]),
    range: (low, high) => runner.query(RANGE_SQL, [low, high]),
    join: (low, high) => runner.query(JOIN_SQL, [low, high]),
    async insertBalances(count) {
      const params = Array.from({ length: count }, (_, id) => [id, 0]).flat();
      await runner.execute(`INSERT INTO balances VALUES ${placeholders(count, 2)}`, params);
    },
    async updateBalances(delta) {
      const { position } = await runner.execute('UPDATE balances SET amount = amount + $1', [
        delta,
      ]);
      return position;
    },
    balanceAt: (id, past) =>
      runner.query('SELECT amount FROM balances WHERE id = $1', [id], BigInt(past)),
  };
}

/** Kimberlite embedded: a fresh data directory, tenant 1. */
export async function openKimberlite(directory: string): Promise<Engine> {
  mkdirSync(directory, { recursive: true });
  const db = await Kimberlite.open(directory);
  const tenant = db.tenants().some((t) => t.id === 1)
    ? db.tenant(1)
    : await db.createTenant(1, { name: 'bench' });
  const runner: SqlRunner = {
    execute: (sql, params) => tenant.execute(sql, params),
    query: (sql, params, at) => tenant.query(sql, params, at === undefined ? {} : { at }),
  };
  return {
    name: 'kimberlite',
    describe:
      'kimberlite: embedded (Kimberlite.open), every write hash-chained, encrypted, fdatasync ' +
      'before it resolves (group commit)',
    ...kimberliteStatements(runner),
    sizeBytes: async () => usedBytes(directory),
    close: () => db.close(),
  };
}

/** The slice of `ts/server` and `ts/client` the wire column needs (loaded at run time). */
export interface WireModules {
  readonly Server: {
    start(config: Record<string, unknown>): Promise<{
      readonly address: { host: string; port: number };
      shutdown(): Promise<void>;
    }>;
  };
  readonly Client: {
    connect(options: Record<string, unknown>): Promise<{
      execute(sql: string, params?: unknown[]): Promise<{ position: bigint }>;
      query(sql: string, params?: unknown[], o?: { at?: bigint }): Promise<unknown>;
      readonly admin: { createTenant(id: number, name: string): Promise<unknown> };
      close(): Promise<void>;
    }>;
  };
}

/**
 * Loads the server and client modules for the wire column, or says why not: `ts/server` is
 * built by the server issue; until it exists the column is "not measured".
 */
export async function loadWire(): Promise<WireModules | string> {
  const serverPath = '../ts/server/index.js';
  const clientPath = '../ts/client/index.js';
  try {
    const server = (await import(serverPath)) as Partial<WireModules>;
    const client = (await import(clientPath)) as Partial<WireModules>;
    if (server.Server === undefined || client.Client === undefined) {
      return 'ts/server or ts/client does not export Server / Client yet';
    }
    return { Server: server.Server, Client: client.Client };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return `the server or client does not load (${message})`;
  }
}

/** The wire server in its own process (`compare_child.ts serve`), and how to stop it. */
interface ServerProcess {
  readonly address: string;
  stop(): Promise<void>;
}

/**
 * Starts `compare_child.ts serve <directory>`: a `Server` on 127.0.0.1 (free port, auth none)
 * in a process of its own, as a real deployment runs it (in this process it would share the
 * event loop with the client). Resolves once it prints its address.
 */
function startServerProcess(directory: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', COMPARE_CHILD, 'serve', directory], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line !== undefined) {
        try {
          const { address } = JSON.parse(line) as { address: string };
          resolve({ address, stop });
        } catch (error) {
          reject(error);
        }
      }
    });
    child.once('exit', (code) =>
      reject(
        new Error(`compare: the server process exited (${code}) before listening:\n${stderr}`),
      ),
    );
  });
}

/**
 * Kimberlite over the wire: the server in its own process over a fresh data directory, and
 * a `Client` here with `poolSize` connections, on tenant 1 (created through `admin`).
 */
export async function openKimberliteWire(
  modules: WireModules,
  directory: string,
  poolSize: number,
): Promise<Engine> {
  mkdirSync(directory, { recursive: true });
  const server = await startServerProcess(directory);
  let client: Awaited<ReturnType<WireModules['Client']['connect']>>;
  try {
    const admin = await modules.Client.connect({ address: server.address });
    await admin.admin.createTenant(1, 'bench');
    await admin.close();
    client = await modules.Client.connect({ address: server.address, tenantId: 1, poolSize });
  } catch (error) {
    await server.stop();
    throw error;
  }
  const runner: SqlRunner = {
    execute: (sql, params) => client.execute(sql, [...params]),
    query: (sql, params, at) => client.query(sql, [...params], at === undefined ? {} : { at }),
  };
  return {
    name: 'kimberlite (wire)',
    describe:
      `kimberlite (wire): ts/server in its own process on 127.0.0.1, ts/client with ` +
      `${poolSize} connections (pipelined)`,
    ...kimberliteStatements(runner),
    sizeBytes: async () => usedBytes(directory),
    async close() {
      await client.close();
      await server.stop();
    },
  };
}

// ---- SQLite --------------------------------------------------------------------------------

/** The slice of better-sqlite3 used here (it is an optional dev dependency). */
interface SqliteStatement {
  run(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
}
interface SqliteDatabase {
  pragma(text: string): unknown;
  exec(sql: string): unknown;
  prepare(sql: string): SqliteStatement;
  function(
    name: string,
    options: { deterministic: boolean },
    fn: (...args: unknown[]) => unknown,
  ): unknown;
  close(): unknown;
}
type SqliteConstructor = new (path: string) => SqliteDatabase;

/** better-sqlite3's constructor, or why it does not load. */
export async function loadSqlite(): Promise<SqliteConstructor | string> {
  try {
    const module = (await import('better-sqlite3')) as unknown as { default: SqliteConstructor };
    const Database = module.default;
    new Database(':memory:').close();
    return Database;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return (
      `better-sqlite3 does not load (${message}); it is an optional dev dependency, ` +
      'built from source by npm install (about 90 s, needs python3, make and a C++ compiler)'
    );
  }
}

const SQLITE_SCHEMA = `
CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT NOT NULL, ward VARCHAR(20),
  age INTEGER);
CREATE INDEX patients_by_age ON patients (age);
CREATE TABLE visits (id INTEGER PRIMARY KEY, patient_id INTEGER NOT NULL, cost INTEGER);
CREATE INDEX visits_by_patient ON visits (patient_id);
CREATE TABLE balances (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL);
CREATE TABLE balances_history (seq INTEGER PRIMARY KEY, id INTEGER NOT NULL,
  amount INTEGER NOT NULL);
CREATE INDEX balances_history_by_id ON balances_history (id, seq);
CREATE TRIGGER balances_history_i AFTER INSERT ON balances BEGIN
  INSERT INTO balances_history (id, amount) VALUES (NEW.id, NEW.amount); END;
CREATE TRIGGER balances_history_u AFTER UPDATE ON balances BEGIN
  INSERT INTO balances_history (id, amount) VALUES (NEW.id, NEW.amount); END;
`;

/** Each table's columns, for the audit triggers' row image. */
const AUDITED: Record<string, readonly string[]> = {
  patients: ['id', 'name', 'ward', 'age'],
  visits: ['id', 'patient_id', 'cost'],
  balances: ['id', 'amount'],
};

/**
 * The audit trail in SQLite: `audit` rows chained by `hash = sha256(previous hash || table ||
 * operation || row as JSON)`, `sha256` a JS function registered with `db.function` (SQLite
 * has none built in); UPDATE and DELETE on `audit` abort.
 */
function sqliteAuditSchema(): string {
  const lines = [
    'CREATE TABLE audit (seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, op TEXT NOT NULL,',
    '  row TEXT NOT NULL, at REAL NOT NULL, hash BLOB NOT NULL);',
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit",
    "  is append-only'); END;",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit",
    "  is append-only'); END;",
  ];
  for (const [table, columns] of Object.entries(AUDITED)) {
    for (const [op, event, image] of [
      ['I', 'INSERT', 'NEW'],
      ['U', 'UPDATE', 'NEW'],
      ['D', 'DELETE', 'OLD'],
    ] as const) {
      const row = `json_array(${columns.map((c) => `${image}.${c}`).join(', ')})`;
      lines.push(
        `CREATE TRIGGER ${table}_audit_${op} AFTER ${event} ON ${table} BEGIN`,
        '  INSERT INTO audit (tbl, op, row, at, hash) VALUES',
        `  ('${table}', '${op}', ${row}, julianday('now'), sha256(`,
        '    (SELECT hash FROM audit ORDER BY seq DESC LIMIT 1),',
        `    '${table}' || '${op}' || ${row})); END;`,
      );
    }
  }
  return lines.join('\n');
}

const EMPTY = new Uint8Array(0);

type SqliteStatementName = 'visit' | 'point' | 'range' | 'join' | 'update' | 'lastSeq' | 'history';

/**
 * SQLite through better-sqlite3: one file in `directory`, WAL, `synchronous=FULL` (each
 * commit fsyncs the WAL), one connection; every call is synchronous, so concurrent callers
 * are served one after the other (see the README: the fastest honest way in Node).
 */
export function openSqlite(Database: SqliteConstructor, directory: string, audit: boolean): Engine {
  mkdirSync(directory, { recursive: true });
  const path = join(directory, 'bench.sqlite');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.function('sha256', { deterministic: true }, (previous, text) => {
    const hash = createHash('sha256');
    hash.update(previous instanceof Uint8Array ? previous : EMPTY);
    hash.update(String(text));
    return hash.digest();
  });
  let statements: Record<SqliteStatementName, SqliteStatement> | undefined;
  const batches = new Map<string, SqliteStatement>();
  const prepared = () => {
    statements ??= {
      visit: db.prepare('INSERT INTO visits VALUES (?, ?, ?)'),
      point: db.prepare('SELECT * FROM patients WHERE id = ?'),
      range: db.prepare(RANGE_SQL.replace(/\$\d/g, '?')),
      join: db.prepare(JOIN_SQL.replace(/\$\d/g, '?')),
      update: db.prepare('UPDATE balances SET amount = amount + ?'),
      lastSeq: db.prepare('SELECT max(seq) AS seq FROM balances_history'),
      history: db.prepare(HISTORY_SQL.replace(/\$\d/g, '?')),
    };
    return statements;
  };
  const batch = (table: string, rows: number, width: number) => {
    const key = `${table}/${rows}`;
    let statement = batches.get(key);
    if (statement === undefined) {
      statement = db.prepare(`INSERT INTO ${table} VALUES ${placeholders(rows, width, false)}`);
      batches.set(key, statement);
    }
    return statement;
  };
  const name = audit ? 'sqlite+audit' : 'sqlite';
  return {
    name,
    describe:
      `${name}: better-sqlite3, WAL, synchronous=FULL, one connection` +
      (audit ? ', hash-chained audit trigger (SHA-256 via db.function)' : ''),
    async setup() {
      db.exec(SQLITE_SCHEMA);
      if (audit) db.exec(sqliteAuditSchema());
    },
    async insertPatients(rows) {
      batch('patients', rows.length, 4).run(rows.flat());
    },
    async insertVisits(rows) {
      batch('visits', rows.length, 3).run(rows.flat());
    },
    async insertVisit(row) {
      prepared().visit.run(row);
    },
    pointSelect: async (id) => prepared().point.get(id),
    range: async (low, high) => prepared().range.all(low, high),
    join: async (low, high) => prepared().join.all(low, high),
    async insertBalances(count) {
      const params = Array.from({ length: count }, (_, id) => [id, 0]).flat();
      batch('balances', count, 2).run(params);
    },
    async updateBalances(delta) {
      const s = prepared();
      s.update.run(delta);
      return Number((s.lastSeq.get() as { seq: number }).seq);
    },
    balanceAt: async (id, past) => prepared().history.get(id, Number(past)),
    sizeBytes: async () => usedBytes(directory),
    async close() {
      db.close();
    },
  };
}

// ---- PostgreSQL ----------------------------------------------------------------------------

/** The slice of `pg` used here. */
interface PgQuery {
  readonly name?: string;
  readonly text: string;
  readonly values?: unknown[];
}
interface PgPool {
  query(sql: string | PgQuery, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}
type PgPoolConstructor = new (config: Record<string, unknown>) => PgPool;

export async function loadPg(): Promise<PgPoolConstructor | string> {
  try {
    const module = (await import('pg')) as unknown as { default: { Pool: PgPoolConstructor } };
    return module.default.Pool;
  } catch (error) {
    return `pg does not load (${error instanceof Error ? error.message : error})`;
  }
}

export const PG_SCHEMA_NAME = 'kimberlite_bench';

const PG_SCHEMA = `
CREATE TABLE patients (id BIGINT PRIMARY KEY, name TEXT NOT NULL, ward VARCHAR(20),
  age INTEGER);
CREATE INDEX patients_by_age ON patients (age);
CREATE TABLE visits (id BIGINT PRIMARY KEY, patient_id BIGINT NOT NULL, cost INTEGER);
CREATE INDEX visits_by_patient ON visits (patient_id);
CREATE TABLE balances (id BIGINT PRIMARY KEY, amount BIGINT NOT NULL);
CREATE TABLE balances_history (seq BIGSERIAL PRIMARY KEY, id BIGINT NOT NULL,
  amount BIGINT NOT NULL);
CREATE INDEX balances_history_by_id ON balances_history (id, seq);
CREATE FUNCTION balances_history_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO balances_history (id, amount) VALUES (NEW.id, NEW.amount);
  RETURN NULL;
END $$;
CREATE TRIGGER balances_history AFTER INSERT OR UPDATE ON balances
  FOR EACH ROW EXECUTE FUNCTION balances_history_row();
`;

/**
 * The audit trail in PostgreSQL: a trigger on every table appends to `audit`, chained by
 * `hash = sha256(previous hash || table || operation || row as JSON)` (the builtin sha256,
 * PG 11+). A chain has one head, so the trigger first takes a transaction-scoped advisory
 * lock: without it two concurrent transactions read the same previous hash and fork the
 * chain. UPDATE and DELETE on `audit` raise.
 */
const PG_AUDIT_SCHEMA = `
CREATE TABLE audit (seq BIGSERIAL PRIMARY KEY, tbl TEXT NOT NULL, op TEXT NOT NULL,
  row JSONB NOT NULL, at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(), hash BYTEA NOT NULL);
CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  previous BYTEA;
  image JSONB;
BEGIN
  PERFORM pg_advisory_xact_lock(7432);
  SELECT hash INTO previous FROM audit ORDER BY seq DESC LIMIT 1;
  image := CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END;
  INSERT INTO audit (tbl, op, row, hash) VALUES (TG_TABLE_NAME, TG_OP, image,
    sha256(coalesce(previous, ''::bytea) ||
      convert_to(TG_TABLE_NAME || TG_OP || image::text, 'UTF8')));
  RETURN NULL;
END $$;
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit is append-only';
END $$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER patients_audit AFTER INSERT OR UPDATE OR DELETE ON patients
  FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER visits_audit AFTER INSERT OR UPDATE OR DELETE ON visits
  FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER balances_audit AFTER INSERT OR UPDATE OR DELETE ON balances
  FOR EACH ROW EXECUTE FUNCTION audit_row();
`;

/**
 * PostgreSQL at `url`: the schema `kimberlite_bench` (dropped and created again, so the
 * database's other schemas are untouched), `synchronous_commit=on`, a pool of `poolSize`
 * connections (1 writer: 1 connection; 16 writers: 16, as an application's pool would).
 * Bytes on disk: the tables with their indexes and TOAST (`pg_total_relation_size`); the
 * cluster-wide WAL is not counted.
 */
export async function openPg(
  Pool: PgPoolConstructor,
  url: string,
  audit: boolean,
  poolSize: number,
): Promise<Engine> {
  const pool = new Pool({
    connectionString: url,
    max: poolSize,
    options: `-c search_path=${PG_SCHEMA_NAME} -c synchronous_commit=on`,
  });
  const name = audit ? 'postgres+audit' : 'postgres';
  // Named statements: each connection parses and plans each statement once, as SQLite's
  // prepared statements and Kimberlite's plan cache do.
  const names = new Map<string, string>();
  const run = (sql: string, params: readonly unknown[]) => {
    let statement = names.get(sql);
    if (statement === undefined) {
      statement = `bench_${names.size}`;
      names.set(sql, statement);
    }
    return pool.query({ name: statement, text: sql, values: [...params] });
  };
  return {
    name,
    describe:
      `${name}: pg pool, synchronous_commit=on` +
      (audit ? ', hash-chained audit trigger (sha256(), advisory lock per transaction)' : ''),
    async setup() {
      await pool.query(`DROP SCHEMA IF EXISTS ${PG_SCHEMA_NAME} CASCADE`);
      await pool.query(`CREATE SCHEMA ${PG_SCHEMA_NAME}`);
      await pool.query(PG_SCHEMA);
      if (audit) await pool.query(PG_AUDIT_SCHEMA);
    },
    async insertPatients(rows) {
      await run(`INSERT INTO patients VALUES ${placeholders(rows.length, 4)}`, rows.flat());
    },
    async insertVisits(rows) {
      await run(`INSERT INTO visits VALUES ${placeholders(rows.length, 3)}`, rows.flat());
    },
    async insertVisit(row) {
      await run('INSERT INTO visits VALUES ($1, $2, $3)', row);
    },
    pointSelect: (id) => run('SELECT * FROM patients WHERE id = $1', [id]),
    range: (low, high) => run(RANGE_SQL, [low, high]),
    join: (low, high) => run(JOIN_SQL, [low, high]),
    async insertBalances(count) {
      const params = Array.from({ length: count }, (_, id) => [id, 0]).flat();
      await run(`INSERT INTO balances VALUES ${placeholders(count, 2)}`, params);
    },
    async updateBalances(delta) {
      await run('UPDATE balances SET amount = amount + $1', [delta]);
      const { rows } = await pool.query('SELECT max(seq) AS seq FROM balances_history');
      return Number(rows[0]?.seq);
    },
    balanceAt: (id, past) => run(HISTORY_SQL, [id, Number(past)]),
    async sizeBytes() {
      const { rows } = await pool.query(
        'SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) AS bytes FROM pg_class c ' +
          "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'",
        [PG_SCHEMA_NAME],
      );
      return Number(rows[0]?.bytes ?? 0);
    },
    async close() {
      await pool.query(`DROP SCHEMA IF EXISTS ${PG_SCHEMA_NAME} CASCADE`);
      await pool.end();
    },
  };
}
