/**
 * Command codec: the binary form of a `Command` as the log stores it. Replay decodes these
 * bytes and applies them, so the format is versioned and never changes meaning.
 *
 * Format (version 1), integers big-endian, strings u32 length + UTF-8, blobs u32 length + bytes:
 *   u8 version (1) | u32 tenant | u8 flags (1 origin, 2 request, 4 audit)
 *   [u32 origin] [u32 clientId, u64 requestNumber]
 *   [u8 audit fields (1 actor, 2 reason, 4 correlationId, 8 statement), those strings in order]
 *   u8 operation tag (OPERATION_TAGS) | the operation's fields in declaration order
 * Column types: u8 tag (TYPE_TAGS), then u32 length (varchar) or u32 precision, u32 scale
 * (decimal). Values: u8 tag (VALUE_TAGS), then: integer / decimal unscaled / timestamp as a
 * signed bigint (u8 sign, u16 n, n magnitude bytes), float f64, date i32, text / json string,
 * uuid / bytes blob, decimal then u32 scale. Rows: u32 count, values. Changes: u8 tag
 * (1 insert, 2 update, 3 delete, 4 upsert after a row, 5 upsert of a new row), their rows.
 *
 * Invariants:
 * - `decodeCommand(encodeCommand(c))` equals `c` (NaN payloads aside: one canonical NaN).
 * - `decodeCommand` throws `KimberliteError` CORRUPTION for any input it did not write
 *   (unknown tags, short input, trailing bytes, invalid UTF-8), and nothing else.
 * - `encodeCommand` throws INVALID_ARGUMENT for a value the format cannot hold (a date that is
 *   not a 32-bit integer, a lone surrogate); apply refuses such commands before they are logged.
 */
import { type ColumnType, SQL_NULL, type SqlValue, unreachable } from '../types/index.js';
import { ByteReader, ByteWriter, unencodable } from './binary.js';
import type { AuditMeta, ColumnSpec, Command, Operation, RowChange, RowImage } from './types.js';

export const COMMAND_FORMAT = 1;

export const FLAG_ORIGIN = 1;
export const FLAG_REQUEST = 2;
export const FLAG_AUDIT = 4;
const AUDIT_FIELDS = ['actor', 'reason', 'correlationId', 'statement'] as const;

export const OPERATION_TAGS: Record<Operation['kind'], number> = {
  create_tenant: 1,
  delete_tenant: 2,
  seal_tenant: 3,
  unseal_tenant: 4,
  create_stream: 5,
  append_events: 6,
  create_table: 7,
  drop_table: 8,
  add_column: 9,
  drop_column: 10,
  create_index: 11,
  write_rows: 12,
};

const TYPE_TAGS: Record<ColumnType['kind'], number> = {
  smallint: 1,
  integer: 2,
  bigint: 3,
  real: 4,
  double: 5,
  decimal: 6,
  text: 7,
  varchar: 8,
  boolean: 9,
  date: 10,
  timestamp: 11,
  uuid: 12,
  json: 13,
  bytea: 14,
};
const TYPE_KINDS = inverse(TYPE_TAGS);

export const VALUE_TAGS: Record<SqlValue['kind'], number> = {
  null: 0,
  boolean: 1,
  integer: 2,
  float: 3,
  decimal: 4,
  text: 5,
  date: 6,
  timestamp: 7,
  uuid: 8,
  json: 9,
  bytes: 10,
};

function inverse<K extends string>(tags: Record<K, number>): Map<number, K> {
  const out = new Map<number, K>();
  for (const [kind, tag] of Object.entries(tags) as [K, number][]) out.set(tag, kind);
  return out;
}

/** A u32 field that must hold a non-negative integer. */
function u32Field(writer: ByteWriter, what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw unencodable(what, `${value} is not a u32`);
  }
  writer.u32(value);
}

const SCRATCH_BYTES = 4096;
/** A writer grown past this by a huge command is dropped, not kept for every later one. */
const SCRATCH_KEPT_BYTES_MAX = 1024 * 1024;
/** Reused by every `encodeCommand` (only the result is allocated); reset at each call. */
let scratch = new ByteWriter(SCRATCH_BYTES);

/**
 * Encodes a command for the log.
 *
 * @example
 * const bytes = encodeCommand({ tenant: 7, operation: { kind: 'seal_tenant' } });
 */
export function encodeCommand(command: Command): Uint8Array {
  const writer = scratch;
  writer.reset();
  writer.u8(COMMAND_FORMAT);
  u32Field(writer, 'tenant', command.tenant);
  const flags =
    (command.origin !== undefined ? FLAG_ORIGIN : 0) |
    (command.request !== undefined ? FLAG_REQUEST : 0) |
    (command.audit !== undefined ? FLAG_AUDIT : 0);
  writer.u8(flags);
  if (command.origin !== undefined) u32Field(writer, 'origin', command.origin);
  if (command.request !== undefined) {
    u32Field(writer, 'client id', command.request.clientId);
    writer.safeInteger(command.request.requestNumber);
  }
  if (command.audit !== undefined) writeAudit(writer, command.audit);
  writeOperation(writer, command.operation);
  const bytes = writer.finish();
  if (writer.bytes.length > SCRATCH_KEPT_BYTES_MAX) scratch = new ByteWriter(SCRATCH_BYTES);
  return bytes;
}

function writeAudit(writer: ByteWriter, audit: AuditMeta): void {
  let fields = 0;
  AUDIT_FIELDS.forEach((field, bit) => {
    if (audit[field] !== undefined) fields |= 1 << bit;
  });
  writer.u8(fields);
  for (const field of AUDIT_FIELDS) {
    const text = audit[field];
    if (text !== undefined) writer.string(text);
  }
}

/** Writes a column type (shared with the state codec). */
export function writeColumnType(writer: ByteWriter, type: ColumnType): void {
  writer.u8(TYPE_TAGS[type.kind]);
  if (type.kind === 'varchar') u32Field(writer, 'varchar length', type.length);
  if (type.kind === 'decimal') {
    u32Field(writer, 'decimal precision', type.precision);
    u32Field(writer, 'decimal scale', type.scale);
  }
}

/** Reads a column type (shared with the state codec). */
export function readColumnType(reader: ByteReader): ColumnType {
  const at = reader.offset;
  const kind = TYPE_KINDS.get(reader.u8());
  if (kind === undefined) throw reader.fail('unknown column type tag', at);
  if (kind === 'varchar') return { kind, length: reader.u32() };
  if (kind === 'decimal') return { kind, precision: reader.u32(), scale: reader.u32() };
  return { kind };
}

function writeColumnSpec(writer: ByteWriter, column: ColumnSpec): void {
  writer.string(column.name);
  writeColumnType(writer, column.type);
  writer.u8(column.notNull ? 1 : 0);
}

function readColumnSpec(reader: ByteReader): ColumnSpec {
  const name = reader.string();
  const type = readColumnType(reader);
  return { name, type, notNull: reader.bool() };
}

function writeStrings(writer: ByteWriter, texts: readonly string[]): void {
  writer.u32(texts.length);
  for (const text of texts) writer.string(text);
}

function readStrings(reader: ByteReader): string[] {
  const count = reader.u32();
  const texts: string[] = [];
  for (let index = 0; index < count; index++) texts.push(reader.string());
  return texts;
}

function writeOperation(writer: ByteWriter, operation: Operation): void {
  writer.u8(OPERATION_TAGS[operation.kind]);
  switch (operation.kind) {
    case 'create_tenant':
      writer.string(operation.name);
      writer.blob(operation.keyId);
      return;
    case 'delete_tenant':
    case 'seal_tenant':
    case 'unseal_tenant':
      return;
    case 'create_stream':
      writer.string(operation.name);
      return;
    case 'append_events':
      writer.string(operation.stream);
      if (operation.expectedOffset === undefined) {
        writer.u8(0);
      } else {
        writer.u8(1);
        writer.u64(operation.expectedOffset);
      }
      writer.u32(operation.events.length);
      for (const event of operation.events) writer.blob(event);
      return;
    case 'create_table':
      writer.string(operation.name);
      writer.u32(operation.columns.length);
      for (const column of operation.columns) writeColumnSpec(writer, column);
      writeStrings(writer, operation.primaryKey);
      return;
    case 'drop_table':
      writer.string(operation.table);
      return;
    case 'add_column':
      writer.string(operation.table);
      writeColumnSpec(writer, operation.column);
      return;
    case 'drop_column':
      writer.string(operation.table);
      writer.string(operation.column);
      return;
    case 'create_index':
      writer.string(operation.table);
      writer.string(operation.name);
      writeStrings(writer, operation.columns);
      return;
    case 'write_rows':
      writer.string(operation.table);
      writer.u32(operation.changes.length);
      for (const change of operation.changes) writeChange(writer, change);
      return;
    default:
      unreachable(operation);
  }
}

function writeChange(writer: ByteWriter, change: RowChange): void {
  switch (change.kind) {
    case 'insert':
      writer.u8(1);
      writeRow(writer, change.row);
      return;
    case 'update':
      writer.u8(2);
      writeRow(writer, change.before);
      writeRow(writer, change.after);
      return;
    case 'delete':
      writer.u8(3);
      writeRow(writer, change.before);
      return;
    case 'upsert':
      if (change.before === null) {
        writer.u8(5);
      } else {
        writer.u8(4);
        writeRow(writer, change.before);
      }
      writeRow(writer, change.after);
      return;
    default:
      unreachable(change);
  }
}

function writeRow(writer: ByteWriter, row: RowImage): void {
  writer.u32(row.length);
  for (const value of row) writeValue(writer, value);
}

/** Writes one SQL value with its tag (shared with tests and the state codec). */
export function writeValue(writer: ByteWriter, value: SqlValue): void {
  writer.u8(VALUE_TAGS[value.kind]);
  switch (value.kind) {
    case 'null':
      return;
    case 'boolean':
      writer.u8(value.value ? 1 : 0);
      return;
    case 'integer':
    case 'timestamp':
      writer.bigint(value.value);
      return;
    case 'float':
      writer.f64(value.value);
      return;
    case 'decimal':
      writer.bigint(value.unscaled);
      u32Field(writer, 'decimal scale', value.scale);
      return;
    case 'text':
    case 'json':
      writer.string(value.value);
      return;
    case 'date':
      if (
        !Number.isInteger(value.value) ||
        value.value < -0x8000_0000 ||
        value.value > 0x7fff_ffff
      ) {
        throw unencodable('date', `${value.value} is not a 32-bit integer`);
      }
      writer.i32(value.value);
      return;
    case 'uuid':
    case 'bytes':
      writer.blob(value.value);
      return;
    default:
      unreachable(value);
  }
}

/** Reads one SQL value. */
export function readValue(reader: ByteReader): SqlValue {
  const at = reader.offset;
  const tag = reader.u8();
  switch (tag) {
    case VALUE_TAGS.null:
      return SQL_NULL;
    case VALUE_TAGS.boolean:
      return { kind: 'boolean', value: reader.bool() };
    case VALUE_TAGS.integer:
      return { kind: 'integer', value: reader.bigint() };
    case VALUE_TAGS.float:
      return { kind: 'float', value: reader.f64() };
    case VALUE_TAGS.decimal: {
      const unscaled = reader.bigint();
      return { kind: 'decimal', unscaled, scale: reader.u32() };
    }
    case VALUE_TAGS.text:
      return { kind: 'text', value: reader.string() };
    case VALUE_TAGS.date:
      return { kind: 'date', value: reader.i32() };
    case VALUE_TAGS.timestamp:
      return { kind: 'timestamp', value: reader.bigint() };
    case VALUE_TAGS.uuid:
      return { kind: 'uuid', value: reader.blob() };
    case VALUE_TAGS.json:
      return { kind: 'json', value: reader.string() };
    case VALUE_TAGS.bytes:
      return { kind: 'bytes', value: reader.blob() };
    default:
      throw reader.fail(`unknown value tag ${tag}`, at);
  }
}

function readRow(reader: ByteReader): SqlValue[] {
  const count = reader.u32();
  const row: SqlValue[] = [];
  for (let index = 0; index < count; index++) row.push(readValue(reader));
  return row;
}

function readChange(reader: ByteReader): RowChange {
  const at = reader.offset;
  const tag = reader.u8();
  switch (tag) {
    case 1:
      return { kind: 'insert', row: readRow(reader) };
    case 2: {
      const before = readRow(reader);
      return { kind: 'update', before, after: readRow(reader) };
    }
    case 3:
      return { kind: 'delete', before: readRow(reader) };
    case 4: {
      const before = readRow(reader);
      return { kind: 'upsert', before, after: readRow(reader) };
    }
    case 5:
      return { kind: 'upsert', before: null, after: readRow(reader) };
    default:
      throw reader.fail(`unknown row change tag ${tag}`, at);
  }
}

/**
 * Decodes a command from the log. Throws `KimberliteError` CORRUPTION on malformed bytes.
 *
 * @example
 * const command = decodeCommand(encodeCommand(original));
 */
export function decodeCommand(bytes: Uint8Array): Command {
  const reader = new ByteReader(bytes, 'command');
  const version = reader.u8();
  if (version !== COMMAND_FORMAT) throw reader.fail(`unknown command format ${version}`, 0);
  const tenant = reader.u32();
  const flagsAt = reader.offset;
  const flags = reader.u8();
  if ((flags & ~(FLAG_ORIGIN | FLAG_REQUEST | FLAG_AUDIT)) !== 0) {
    throw reader.fail(`unknown flags ${flags}`, flagsAt);
  }
  const origin = (flags & FLAG_ORIGIN) !== 0 ? reader.u32() : undefined;
  let request: Command['request'];
  if ((flags & FLAG_REQUEST) !== 0) {
    const clientId = reader.u32();
    request = { clientId, requestNumber: reader.safeInteger() };
  }
  const audit = (flags & FLAG_AUDIT) !== 0 ? readAudit(reader) : undefined;
  const operation = readOperation(reader);
  reader.end();
  // The common shapes without spreading (this runs per record of every replay).
  if (request === undefined && audit === undefined) {
    return origin === undefined ? { tenant, operation } : { tenant, origin, operation };
  }
  return {
    tenant,
    ...(origin !== undefined ? { origin } : {}),
    ...(request !== undefined ? { request } : {}),
    ...(audit !== undefined ? { audit } : {}),
    operation,
  };
}

export function readAudit(reader: ByteReader): AuditMeta {
  const at = reader.offset;
  const fields = reader.u8();
  if (fields > 0xf) throw reader.fail(`unknown audit fields ${fields}`, at);
  const audit: { -readonly [K in keyof AuditMeta]: AuditMeta[K] } = {};
  AUDIT_FIELDS.forEach((field, bit) => {
    if ((fields & (1 << bit)) !== 0) audit[field] = reader.string();
  });
  return audit;
}

function readOperation(reader: ByteReader): Operation {
  const at = reader.offset;
  const tag = reader.u8();
  switch (tag) {
    case OPERATION_TAGS.create_tenant: {
      const name = reader.string();
      return { kind: 'create_tenant', name, keyId: reader.blob() };
    }
    case OPERATION_TAGS.delete_tenant:
      return { kind: 'delete_tenant' };
    case OPERATION_TAGS.seal_tenant:
      return { kind: 'seal_tenant' };
    case OPERATION_TAGS.unseal_tenant:
      return { kind: 'unseal_tenant' };
    case OPERATION_TAGS.create_stream:
      return { kind: 'create_stream', name: reader.string() };
    case OPERATION_TAGS.append_events: {
      const stream = reader.string();
      const expected = reader.bool() ? reader.u64() : undefined;
      const count = reader.u32();
      const events: Uint8Array[] = [];
      for (let index = 0; index < count; index++) events.push(reader.blob());
      return {
        kind: 'append_events',
        stream,
        ...(expected !== undefined ? { expectedOffset: expected } : {}),
        events,
      };
    }
    case OPERATION_TAGS.create_table: {
      const name = reader.string();
      const count = reader.u32();
      const columns: ColumnSpec[] = [];
      for (let index = 0; index < count; index++) columns.push(readColumnSpec(reader));
      return { kind: 'create_table', name, columns, primaryKey: readStrings(reader) };
    }
    case OPERATION_TAGS.drop_table:
      return { kind: 'drop_table', table: reader.string() };
    case OPERATION_TAGS.add_column: {
      const table = reader.string();
      return { kind: 'add_column', table, column: readColumnSpec(reader) };
    }
    case OPERATION_TAGS.drop_column: {
      const table = reader.string();
      return { kind: 'drop_column', table, column: reader.string() };
    }
    case OPERATION_TAGS.create_index: {
      const table = reader.string();
      const name = reader.string();
      return { kind: 'create_index', table, name, columns: readStrings(reader) };
    }
    case OPERATION_TAGS.write_rows: {
      const table = reader.string();
      const count = reader.u32();
      const changes: RowChange[] = [];
      for (let index = 0; index < count; index++) changes.push(readChange(reader));
      return { kind: 'write_rows', table, changes };
    }
    default:
      throw reader.fail(`unknown operation tag ${tag}`, at);
  }
}
