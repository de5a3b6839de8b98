/**
 * One request, already authenticated and authorized, run against the embedded database.
 * Each handler maps the wire's request to the embedded API (ts/runtime) and its result back to
 * the wire's result shape; errors propagate as thrown values (the connection turns them into
 * error replies).
 *
 * Writes carry the client's request id (idempotency) and audit metadata: the actor defaults
 * to the identity's subject, and the statement is the SQL text (or a description of the call).
 */
import type { AuditMeta, RequestId } from '../kernel/index.js';
import type { Kimberlite, WriteOptions } from '../runtime/index.js';
import {
  ErrorCode,
  formatColumnType,
  KimberliteError,
  LIMITS,
  unreachable,
} from '../types/index.js';
import type { Request, Results, TenantInfo, WriteFields } from '../wire/index.js';
import type { Identity } from './auth.js';

/** What a handler may use besides the database. */
export interface HandlerContext {
  readonly db: Kimberlite;
  readonly identity: Identity;
  serverInfo(): Results['server_info'];
  /** Called once per durable write, for the commits metric. */
  onCommit(): void;
}

type Handled = { [T in Request['type']]: { type: T; result: Results[T] } }[Request['type']];

/** Bytes of event data one read reply carries at most, so the reply fits in one frame. */
const READ_BYTES_MAX = LIMITS.frameSizeBytesMax / 2;

function writeOptions(identity: Identity, fields: WriteFields, statement: string): WriteOptions {
  const given = fields.audit ?? {};
  const audit: AuditMeta = {
    actor: given.actor ?? identity.subject,
    ...(given.reason === undefined ? {} : { reason: given.reason }),
    ...(given.correlationId === undefined ? {} : { correlationId: given.correlationId }),
    statement,
  };
  const request: RequestId | undefined = fields.request;
  return { audit, ...(request === undefined ? {} : { request }) };
}

function tenantInfo(db: Kimberlite, id: number): TenantInfo {
  const found = db.tenants().find((t) => t.id === id);
  if (found === undefined) {
    throw new KimberliteError(ErrorCode.UnknownTenant, `Unknown tenant: ${id}`);
  }
  return found;
}

/** The position a read at `at` reads: the one given, else the newest durable one. */
function readPosition(db: Kimberlite, at: bigint | undefined): bigint {
  return at ?? db.position;
}

/** Runs `request` (never a handshake) and returns its result. */
export async function handle(ctx: HandlerContext, request: Request): Promise<Handled> {
  const { db, identity } = ctx;
  switch (request.type) {
    case 'handshake':
      throw new KimberliteError(
        ErrorCode.ProtocolError,
        'a second handshake on one connection: open a new connection to change identity',
      );
    case 'execute': {
      const options = writeOptions(identity, request, request.sql);
      const r = await db.tenant(request.tenant).execute(request.sql, request.params, options);
      if (r.rowsAffected > 0 || r.columns.length === 0) ctx.onCommit();
      return {
        type: 'execute',
        result: {
          columns: r.columns,
          rows: r.rows,
          rowsAffected: r.rowsAffected,
          position: r.position,
        },
      };
    }
    case 'query': {
      const options = request.at === undefined ? {} : { at: request.at };
      const r = await db.tenant(request.tenant).query(request.sql, request.params, options);
      return { type: 'query', result: { columns: r.columns, rows: r.rows, position: r.position } };
    }
    case 'create_stream': {
      const options = writeOptions(identity, request, `create_stream ${request.name}`);
      const r = await db.tenant(request.tenant).createStream(request.name, options);
      ctx.onCommit();
      return { type: 'create_stream', result: { streamId: r.id, position: r.position } };
    }
    case 'append': {
      const statement = `append ${request.events.length} events to ${request.stream}`;
      const options = {
        ...writeOptions(identity, request, statement),
        ...(request.expectedOffset === undefined ? {} : { expectedOffset: request.expectedOffset }),
      };
      const result = await db
        .tenant(request.tenant)
        .append(request.stream, request.events, options);
      ctx.onCommit();
      return { type: 'append', result };
    }
    case 'read':
      return { type: 'read', result: await read(db, request) };
    case 'stream_info': {
      const info = await db.tenant(request.tenant).streamInfo(request.stream);
      return { type: 'stream_info', result: info };
    }
    case 'create_tenant': {
      const options = writeOptions(identity, request, `create_tenant ${request.tenant}`);
      await db.createTenant(request.tenant, { name: request.name, ...options });
      ctx.onCommit();
      const tenant = tenantInfo(db, request.tenant);
      return { type: 'create_tenant', result: { tenant, position: tenant.createdAt } };
    }
    case 'list_tenants': {
      const all = db.tenants();
      const tenants =
        identity.tenant === undefined ? all : all.filter((t) => t.id === identity.tenant);
      return { type: 'list_tenants', result: { tenants } };
    }
    case 'get_tenant':
      return { type: 'get_tenant', result: { tenant: tenantInfo(db, request.tenant) } };
    case 'delete_tenant': {
      const options = writeOptions(identity, request, `delete_tenant ${request.tenant}`);
      const result = await db.deleteTenant(request.tenant, options);
      ctx.onCommit();
      return { type: 'delete_tenant', result };
    }
    case 'list_tables': {
      const position = readPosition(db, request.at);
      const tables = await db.tenant(request.tenant).tables({ at: position });
      return { type: 'list_tables', result: { tables, position } };
    }
    case 'describe_table': {
      const position = readPosition(db, request.at);
      const t = await db.tenant(request.tenant).describe(request.table, { at: position });
      const table = {
        ...t,
        columns: t.columns.map((c) => ({ ...c, type: formatColumnType(c.type) })),
      };
      return { type: 'describe_table', result: { table, position } };
    }
    case 'server_info':
      return { type: 'server_info', result: ctx.serverInfo() };
    case 'verify': {
      const report = await db.verify();
      if (report.ok) {
        return { type: 'verify', result: { ok: true, records: Number(report.records) } };
      }
      const where = report.location;
      const problem =
        `${report.failure} in log ${where.log}, segment ${where.segment}, ` +
        `offset ${where.offset}: ${report.message}`;
      return { type: 'verify', result: { ok: false, records: 0, problem } };
    }
    case 'ping':
      return { type: 'ping', result: {} };
    default:
      return unreachable(request);
  }
}

async function read(
  db: Kimberlite,
  request: Extract<Request, { type: 'read' }>,
): Promise<Results['read']> {
  const position = readPosition(db, request.at);
  const from = request.fromOffset ?? 0n;
  const events = await db.tenant(request.tenant).read(request.stream, {
    fromOffset: from,
    maxEvents: Math.min(request.maxEvents ?? 1000, LIMITS.eventsPerAppendMax),
    at: position,
  });
  const bytesMax = Math.min(request.maxBytes ?? READ_BYTES_MAX, READ_BYTES_MAX);
  let bytes = 0;
  let count = 0;
  for (const event of events) {
    if (count > 0 && bytes + event.data.byteLength > bytesMax) break;
    bytes += event.data.byteLength;
    count += 1;
  }
  const kept = events.slice(0, count);
  const last = kept[kept.length - 1];
  return {
    events: kept,
    nextOffset: last === undefined ? from : last.offset + 1n,
    position,
  };
}
