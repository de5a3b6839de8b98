/**
 * State codec: one tenant's kernel state as bytes (stored with the tenant's projections at
 * each checkpoint), and the hash of the whole kernel state.
 *
 * Format (version 1), integers big-endian, strings u32 length + UTF-8, positions u64:
 *   u8 version (1) | u32 id | string name | blob keyId | u64 createdAt | u8 sealed
 *   | u32 nextObjectId
 *   | u32 n, n tables by id: u32 id, string name, u64 createdAt, opt droppedAt,
 *       u32 c, c columns: u16 id, string name, column type, u8 notNull, u64 addedAt, opt droppedAt;
 *       u32 k, k u16 key column ids; u32 i, i indexes: u32 id, string name, u64 createdAt,
 *       u32 m, m u16 column ids
 *   | u32 n, n streams by id: u32 id, string name, u64 nextOffset, u64 createdAt
 *   | u32 n, n sessions by client id: u32 clientId, u64 requestNumber, u64 position, outcome
 * opt = u8 0, or u8 1 and a u64. Outcome: u8 1, u64 position, result (u8 1 done | 2 created
 * u32 id | 3 rows u32 count | 4 appended u64 firstOffset, u32 count), or u8 0, string code,
 * string message. Column types as in the command codec.
 *
 * Invariants:
 * - Deterministic: maps are written sorted by id, so a state rebuilt by replay and one decoded
 *   from a snapshot encode to the same bytes (and hash the same).
 * - `decodeTenantState` throws `KimberliteError` CORRUPTION on malformed bytes, including
 *   references that cannot hold (a key column that does not exist), never anything else.
 */
import type { HashFunction } from '../crypto/index.js';
import { ErrorCode, unreachable } from '../types/index.js';
import { ByteReader, ByteWriter } from './binary.js';
import { readColumnType, writeColumnType } from './command_codec.js';
import type {
  ClientSession,
  ColumnDef,
  CommandResult,
  IndexDef,
  KernelState,
  Outcome,
  StreamDef,
  TableDef,
  TenantState,
} from './types.js';

const STATE_FORMAT = 1;
const ERROR_CODES = new Set<string>(Object.values(ErrorCode));

function byKey<T>(map: ReadonlyMap<number, T>): T[] {
  return [...map.entries()].sort((a, b) => a[0] - b[0]).map((entry) => entry[1]);
}

function writeOptional(writer: ByteWriter, value: bigint | undefined): void {
  if (value === undefined) {
    writer.u8(0);
  } else {
    writer.u8(1);
    writer.u64(value);
  }
}

function readOptional(reader: ByteReader): bigint | undefined {
  return reader.bool() ? reader.u64() : undefined;
}

/**
 * Encodes one tenant's state, deterministically.
 *
 * @example
 * const snapshot = encodeTenantState(state.tenants.get(7)!);
 */
export function encodeTenantState(tenant: TenantState): Uint8Array {
  const writer = new ByteWriter(1024);
  writer.u8(STATE_FORMAT);
  writer.u32(tenant.id);
  writer.string(tenant.name);
  writer.blob(tenant.keyId);
  writer.u64(tenant.createdAt);
  writer.u8(tenant.sealed ? 1 : 0);
  writer.u32(tenant.nextObjectId);
  const tables = byKey(tenant.tables);
  writer.u32(tables.length);
  for (const table of tables) writeTable(writer, table);
  const streams = byKey(tenant.streams);
  writer.u32(streams.length);
  for (const stream of streams) {
    writer.u32(stream.id);
    writer.string(stream.name);
    writer.u64(stream.nextOffset);
    writer.u64(stream.createdAt);
  }
  const sessions = byKey(tenant.sessions);
  writer.u32(sessions.length);
  for (const session of sessions) {
    writer.u32(session.clientId);
    writer.safeInteger(session.requestNumber);
    writer.u64(session.position);
    writeOutcome(writer, session.outcome);
  }
  return writer.finish();
}

function writeTable(writer: ByteWriter, table: TableDef): void {
  writer.u32(table.id);
  writer.string(table.name);
  writer.u64(table.createdAt);
  writeOptional(writer, table.droppedAt);
  writer.u32(table.columns.length);
  for (const column of table.columns) {
    writer.u16(column.id);
    writer.string(column.name);
    writeColumnType(writer, column.type);
    writer.u8(column.notNull ? 1 : 0);
    writer.u64(column.addedAt);
    writeOptional(writer, column.droppedAt);
  }
  writer.u32(table.primaryKey.length);
  for (const id of table.primaryKey) writer.u16(id);
  writer.u32(table.indexes.length);
  for (const index of table.indexes) {
    writer.u32(index.id);
    writer.string(index.name);
    writer.u64(index.createdAt);
    writer.u32(index.columns.length);
    for (const id of index.columns) writer.u16(id);
  }
}

function writeOutcome(writer: ByteWriter, outcome: Outcome): void {
  if (!outcome.ok) {
    writer.u8(0);
    writer.string(outcome.error.code);
    writer.string(outcome.error.message);
    return;
  }
  writer.u8(1);
  writer.u64(outcome.position);
  const { result } = outcome;
  switch (result.kind) {
    case 'done':
      writer.u8(1);
      return;
    case 'created':
      writer.u8(2);
      writer.u32(result.id);
      return;
    case 'rows':
      writer.u8(3);
      writer.u32(result.rowsAffected);
      return;
    case 'appended':
      writer.u8(4);
      writer.u64(result.firstOffset);
      writer.u32(result.count);
      return;
    default:
      unreachable(result);
  }
}

/**
 * Decodes one tenant's state. Throws `KimberliteError` CORRUPTION on malformed bytes.
 *
 * @example
 * state = withTenant(state, decodeTenantState(snapshot));
 */
export function decodeTenantState(bytes: Uint8Array): TenantState {
  const reader = new ByteReader(bytes, 'tenant state');
  const version = reader.u8();
  if (version !== STATE_FORMAT) throw reader.fail(`unknown state format ${version}`, 0);
  const id = reader.u32();
  const name = reader.string();
  const keyId = reader.blob();
  const createdAt = reader.u64();
  const sealed = reader.bool();
  const nextObjectId = reader.u32();
  const tables = new Map<number, TableDef>();
  const tableCount = reader.u32();
  for (let index = 0; index < tableCount; index++) {
    const at = reader.offset;
    const table = readTable(reader);
    if (tables.has(table.id)) throw reader.fail(`table id ${table.id} twice`, at);
    tables.set(table.id, table);
  }
  const streams = new Map<number, StreamDef>();
  const streamCount = reader.u32();
  for (let index = 0; index < streamCount; index++) {
    const at = reader.offset;
    const stream: StreamDef = {
      id: reader.u32(),
      name: reader.string(),
      nextOffset: reader.u64(),
      createdAt: reader.u64(),
    };
    if (streams.has(stream.id)) throw reader.fail(`stream id ${stream.id} twice`, at);
    streams.set(stream.id, stream);
  }
  const sessions = new Map<number, ClientSession>();
  const sessionCount = reader.u32();
  for (let index = 0; index < sessionCount; index++) {
    const at = reader.offset;
    const clientId = reader.u32();
    const requestNumber = reader.safeInteger();
    const position = reader.u64();
    const outcome = readOutcome(reader);
    if (sessions.has(clientId)) throw reader.fail(`client id ${clientId} twice`, at);
    sessions.set(clientId, { clientId, requestNumber, position, outcome });
  }
  reader.end();
  return { id, name, keyId, createdAt, sealed, nextObjectId, tables, streams, sessions };
}

function readIds(reader: ByteReader): number[] {
  const count = reader.u32();
  const ids: number[] = [];
  for (let index = 0; index < count; index++) ids.push(reader.u16());
  return ids;
}

function readTable(reader: ByteReader): TableDef {
  const id = reader.u32();
  const name = reader.string();
  const createdAt = reader.u64();
  const droppedAt = readOptional(reader);
  const columns: ColumnDef[] = [];
  const columnCount = reader.u32();
  for (let index = 0; index < columnCount; index++) {
    const at = reader.offset;
    const column: ColumnDef = {
      id: reader.u16(),
      name: reader.string(),
      type: readColumnType(reader),
      notNull: reader.bool(),
      addedAt: reader.u64(),
      droppedAt: readOptional(reader),
    };
    // The kernel gives column i the id i + 1; the row codec and plans rely on it.
    if (column.id !== index + 1) throw reader.fail(`column id ${column.id} at place ${index}`, at);
    columns.push(column);
  }
  const live = (columnId: number): boolean =>
    columns[columnId - 1] !== undefined && columns[columnId - 1]?.droppedAt === undefined;
  const keyAt = reader.offset;
  const primaryKey = readIds(reader);
  if (primaryKey.length === 0 || !primaryKey.every(live)) {
    throw reader.fail(`table ${name} has a key of missing or dropped columns`, keyAt);
  }
  const indexes: IndexDef[] = [];
  const indexCount = reader.u32();
  for (let index = 0; index < indexCount; index++) {
    const at = reader.offset;
    const indexId = reader.u32();
    const indexName = reader.string();
    const indexCreatedAt = reader.u64();
    const indexColumns = readIds(reader);
    if (indexColumns.length === 0 || !indexColumns.every(live)) {
      throw reader.fail(`index ${indexName} has missing or dropped columns`, at);
    }
    indexes.push({
      id: indexId,
      name: indexName,
      columns: indexColumns,
      createdAt: indexCreatedAt,
    });
  }
  return { id, name, columns, primaryKey, indexes, createdAt, droppedAt };
}

function readOutcome(reader: ByteReader): Outcome {
  if (!reader.bool()) {
    const at = reader.offset;
    const code = reader.string();
    if (!ERROR_CODES.has(code)) throw reader.fail(`unknown error code ${code}`, at);
    return {
      ok: false,
      error: { code: code as ErrorCode, message: reader.string() },
    };
  }
  const position = reader.u64();
  const at = reader.offset;
  const tag = reader.u8();
  let result: CommandResult;
  switch (tag) {
    case 1:
      result = { kind: 'done' };
      break;
    case 2:
      result = { kind: 'created', id: reader.u32() };
      break;
    case 3:
      result = { kind: 'rows', rowsAffected: reader.u32() };
      break;
    case 4: {
      const firstOffset = reader.u64();
      result = { kind: 'appended', firstOffset, count: reader.u32() };
      break;
    }
    default:
      throw reader.fail(`unknown result tag ${tag}`, at);
  }
  return { ok: true, result, position };
}

/**
 * SHA-256 over every tenant's encoding, in tenant id order (each prefixed with its u32
 * length): equal states, however built, hash equally.
 *
 * @example
 * const hash = kernelStateHash(crypto.sha256, state);
 */
export function kernelStateHash(sha256: HashFunction, state: KernelState): Uint8Array {
  const hasher = sha256.createHasher();
  for (const tenant of byKey(state.tenants)) {
    const bytes = encodeTenantState(tenant);
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, bytes.length);
    hasher.update(length);
    hasher.update(bytes);
  }
  return hasher.digest();
}
