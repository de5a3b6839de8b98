/**
 * Row codec: a row's bytes in its table's store space. Rows are stored by column id, not by
 * position, so a row written before `add_column` / `drop_column` still reads correctly after.
 *
 * Format (version 1), all integers big-endian:
 *   u8 format (1) | u16 count | count x (u16 column id, value)
 * Only non-NULL values are stored (an absent column reads as NULL), in increasing column id.
 * A value's layout follows its column's type (types never change for a column id):
 *   smallint i16, integer i32, bigint i64, real f32, double f64 (one canonical NaN),
 *   decimal (u8 sign, u16 n, n magnitude bytes; the scale is the column's), text / varchar /
 *   json (u32 n, n UTF-8 bytes), bytea (u32 n, n bytes), boolean u8, date i32, timestamp i64,
 *   uuid 16 bytes.
 *
 * Invariants:
 * - Deterministic: equal rows of one table encode to equal bytes (the kernel compares a
 *   change's `before` with the stored row by bytes).
 * - `decodeRow` throws `KimberliteError` CORRUPTION on malformed bytes (unknown column id, ids
 *   out of order, short input, trailing bytes), never anything else.
 */
import { type ColumnType, SQL_NULL, type SqlValue, unreachable } from '../types/index.js';
import { ByteReader, ByteWriter, unencodable } from './binary.js';
import { planOf, type TablePlan } from './catalog.js';
import type { ColumnDef, RowImage, TableDef } from './types.js';

export const ROW_FORMAT = 1;

/** Reused across calls: encoding is synchronous, and `finish` copies out. */
const scratch = new ByteWriter(1024);

/**
 * Encodes `row` (aligned with `liveColumns(table, at)`). Values must fit their columns (the
 * kernel validates rows first); a value of the wrong kind throws INVALID_ARGUMENT.
 *
 * @example
 * const bytes = encodeRow(patients, [{ kind: 'integer', value: 1n }, SQL_NULL]);
 */
export function encodeRow(table: TableDef, row: RowImage, at?: bigint): Uint8Array {
  return encodePlannedRow(planOf(table, at), row);
}

/** `encodeRow` by the table's plan (the write path has it at hand: no plan lookup per row). */
export function encodePlannedRow(plan: TablePlan, row: RowImage): Uint8Array {
  const { live, table } = plan;
  if (row.length !== live.length) {
    throw unencodable('row', `${row.length} values for ${live.length} columns of ${table.name}`);
  }
  const writer = scratch;
  writer.reset();
  writer.u8(ROW_FORMAT);
  const countAt = writer.reserve(2);
  let count = 0;
  for (let position = 0; position < live.length; position++) {
    const value = row[position] as SqlValue;
    if (value.kind === 'null') continue;
    const column = live[position] as ColumnDef;
    writer.u16(column.id);
    writeValue(writer, column, value);
    count++;
  }
  writer.view.setUint16(countAt, count);
  return writer.finish();
}

function mismatch(column: ColumnDef, value: SqlValue): never {
  throw unencodable(
    `column ${column.name}`,
    `a ${column.type.kind} column cannot hold this ${value.kind} value`,
  );
}

/** Writes one non-NULL value of `column` in the row format (throws on a kind mismatch). */
export function writeValue(writer: ByteWriter, column: ColumnDef, value: SqlValue): void {
  const type = column.type;
  switch (type.kind) {
    case 'smallint':
      if (value.kind !== 'integer') mismatch(column, value);
      if (value.value < -32768n || value.value > 32767n) mismatch(column, value);
      {
        const offset = writer.reserve(2);
        writer.view.setInt16(offset, Number(value.value));
      }
      return;
    case 'integer':
      if (value.kind !== 'integer') mismatch(column, value);
      if (value.value < -2147483648n || value.value > 2147483647n) mismatch(column, value);
      writer.i32(Number(value.value));
      return;
    case 'bigint':
      if (value.kind !== 'integer') mismatch(column, value);
      writer.i64(value.value);
      return;
    case 'real':
      if (value.kind !== 'float') mismatch(column, value);
      writer.f32(value.value);
      return;
    case 'double':
      if (value.kind !== 'float') mismatch(column, value);
      writer.f64(value.value);
      return;
    case 'decimal':
      if (value.kind !== 'decimal') mismatch(column, value);
      writer.bigint(value.unscaled);
      return;
    case 'text':
    case 'varchar':
      if (value.kind !== 'text') mismatch(column, value);
      writer.string(value.value);
      return;
    case 'json':
      if (value.kind !== 'json') mismatch(column, value);
      writer.string(value.value);
      return;
    case 'bytea':
      if (value.kind !== 'bytes') mismatch(column, value);
      writer.blob(value.value);
      return;
    case 'boolean':
      if (value.kind !== 'boolean') mismatch(column, value);
      writer.u8(value.value ? 1 : 0);
      return;
    case 'date':
      if (value.kind !== 'date') mismatch(column, value);
      writer.i32(value.value);
      return;
    case 'timestamp':
      if (value.kind !== 'timestamp') mismatch(column, value);
      writer.i64(value.value);
      return;
    case 'uuid':
      if (value.kind !== 'uuid' || value.value.length !== 16) mismatch(column, value);
      {
        const offset = writer.reserve(16);
        writer.bytes.set(value.value, offset);
      }
      return;
    default:
      unreachable(type);
  }
}

/**
 * Decodes a stored row into values aligned with `liveColumns(table, at)`: columns absent in
 * the bytes read as NULL, columns not live at `at` are skipped.
 *
 * @example
 * const row = decodeRow(patients, bytes); // [{ kind: 'integer', value: 1n }, ...]
 */
export function decodeRow(table: TableDef, bytes: Uint8Array, at?: bigint): SqlValue[] {
  const plan = planOf(table, at);
  const row: SqlValue[] = new Array<SqlValue>(plan.live.length).fill(SQL_NULL);
  const reader = new ByteReader(bytes, `row of ${table.name}`);
  const format = reader.u8();
  if (format !== ROW_FORMAT) throw reader.fail(`unknown row format ${format}`, 0);
  const count = reader.u16();
  let previousId = 0;
  for (let pair = 0; pair < count; pair++) {
    const pairAt = reader.offset;
    const id = reader.u16();
    if (id <= previousId) throw reader.fail(`column id ${id} after ${previousId}`, pairAt);
    previousId = id;
    const column = plan.columnById[id];
    if (column === undefined) throw reader.fail(`unknown column id ${id}`, pairAt);
    const value = readValue(reader, column.type);
    const position = plan.livePositionById[id] ?? -1;
    if (position >= 0) row[position] = value;
  }
  reader.end();
  return row;
}

function readValue(reader: ByteReader, type: ColumnType): SqlValue {
  switch (type.kind) {
    case 'smallint':
      return { kind: 'integer', value: BigInt(reader.view.getInt16(reader.take(2))) };
    case 'integer':
      return { kind: 'integer', value: BigInt(reader.i32()) };
    case 'bigint':
      return { kind: 'integer', value: reader.i64() };
    case 'real':
      return { kind: 'float', value: reader.f32() };
    case 'double':
      return { kind: 'float', value: reader.f64() };
    case 'decimal':
      return { kind: 'decimal', unscaled: reader.bigint(), scale: type.scale };
    case 'text':
    case 'varchar':
      return { kind: 'text', value: reader.string() };
    case 'json':
      return { kind: 'json', value: reader.string() };
    case 'bytea':
      return { kind: 'bytes', value: reader.blob() };
    case 'boolean':
      return { kind: 'boolean', value: reader.bool() };
    case 'date':
      return { kind: 'date', value: reader.i32() };
    case 'timestamp':
      return { kind: 'timestamp', value: reader.i64() };
    case 'uuid': {
      const start = reader.take(16);
      return { kind: 'uuid', value: reader.bytes.slice(start, start + 16) };
    }
    default:
      return unreachable(type);
  }
}
