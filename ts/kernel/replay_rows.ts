/**
 * Replay's fast path for the commands most logs are made of: `write_rows` of inserts into a
 * table without secondary indexes. It reads the command's bytes straight into the store
 * effects `apply` would return with `replay: true` (each row's key and row-format bytes),
 * without building the command, its row images or their values: a text value's UTF-8 bytes are
 * copied as they are, an integer goes from its encoded magnitude to its fixed width.
 *
 * Invariants (test/kernel/replay_rows.test.ts):
 * - When it returns effects, they are exactly those of `apply(state, decodeCommand(bytes),
 *   { replay: true, ... })`, which would leave the state unchanged (no request is recorded).
 * - Anything else (another operation, an update, a request id, an index, a value it does not
 *   read directly that does not fit its column, malformed bytes) returns `undefined` and the
 *   caller decodes and applies the command as usual, so errors are reported as before.
 */
import { LIMITS, type SqlValue } from '../types/index.js';
import { ByteReader, ByteWriter } from './binary.js';
import { type ColumnCheck, planOf, type TablePlan, tableByName } from './catalog.js';
import {
  COMMAND_FORMAT,
  FLAG_AUDIT,
  FLAG_ORIGIN,
  OPERATION_TAGS,
  readAudit,
  readValue,
  VALUE_TAGS,
} from './command_codec.js';
import { encodeKeyAt } from './key_codec.js';
import { ROW_FORMAT, writeValue } from './row_codec.js';
import { latin1 } from './rows.js';
import type { Effect, KernelState } from './types.js';

const INSERT_TAG = 1;
/** Magnitudes of up to six bytes are exact doubles (2^48 - 1 < 2^53). */
const SAFE_MAGNITUDE_BYTES = 6;
const TWO_POW_32 = 0x1_0000_0000;

/** Reused for every row: encoding is synchronous and `finish` copies out. */
const rowWriter = new ByteWriter(1024);

/** What a replayed insert command did: its effects and the rows it inserted. */
export interface ReplayedRows {
  readonly effects: readonly Effect[];
  readonly rowsAffected: number;
}

/**
 * The effects of replaying the encoded command `bytes` against `state`, when it is a
 * `write_rows` of inserts into an index-free table; `undefined` for anything else.
 *
 * @example
 * const fast = replayInserts(state, plaintext);
 * const effects = fast?.effects ?? apply(state, decodeCommand(plaintext), context).effects;
 */
export function replayInserts(state: KernelState, bytes: Uint8Array): ReplayedRows | undefined {
  const reader = new ByteReader(bytes, 'command');
  try {
    if (reader.u8() !== COMMAND_FORMAT) return undefined;
    const tenantId = reader.u32();
    const flags = reader.u8();
    if ((flags & ~(FLAG_ORIGIN | FLAG_AUDIT)) !== 0) return undefined;
    if ((flags & FLAG_ORIGIN) !== 0 && reader.u32() !== tenantId) return undefined;
    // Audit fields are carried, never applied.
    if ((flags & FLAG_AUDIT) !== 0) readAudit(reader);
    if (reader.u8() !== OPERATION_TAGS.write_rows) return undefined;
    const tenant = state.tenants.get(tenantId);
    if (tenant === undefined || tenant.sealed) return undefined;
    const table = tableByName(tenant, reader.string());
    if (table === undefined) return undefined;
    const plan = planOf(table);
    if (plan.indexes.length > 0) return undefined;
    return readInserts(reader, plan, tenantId);
  } catch {
    // Malformed bytes or a value its column cannot hold: the regular path reports it.
    return undefined;
  }
}

function readInserts(
  reader: ByteReader,
  plan: TablePlan,
  tenant: number,
): ReplayedRows | undefined {
  const count = reader.u32();
  if (count === 0 || count > LIMITS.rowChangesPerCommandMax) return undefined;
  const space = plan.table.id;
  // Two inserts of one key in one command never applied: such a command is not fast-pathed.
  const seen = count > 1 ? new Set<string>() : undefined;
  const keyValues: SqlValue[] = new Array<SqlValue>(plan.keyPositions.length);
  const effects: Effect[] = [];
  for (let change = 0; change < count; change++) {
    if (reader.u8() !== INSERT_TAG) return undefined;
    const value = readRowBytes(reader, plan, keyValues);
    if (value === undefined) return undefined;
    const key = encodeKeyAt(plan.keyTypes, keyValues, undefined);
    if (seen !== undefined) {
      const text = latin1(key);
      if (seen.has(text)) return undefined;
      seen.add(text);
    }
    effects.push({ kind: 'store_put', tenant, space, key, value });
  }
  if (reader.remaining !== 0) return undefined;
  return { effects, rowsAffected: count };
}

/**
 * Reads one encoded row image into the row format (as `encodeRow` writes it) and its key
 * values into `keyValues`; `undefined` when a value is not what its column holds.
 */
function readRowBytes(
  reader: ByteReader,
  plan: TablePlan,
  keyValues: SqlValue[],
): Uint8Array | undefined {
  const { checks, keyPositions } = plan;
  if (reader.u32() !== checks.length) return undefined;
  const writer = rowWriter;
  writer.reset();
  writer.u8(ROW_FORMAT);
  const countAt = writer.reserve(2);
  let stored = 0;
  for (let position = 0; position < checks.length; position++) {
    const check = checks[position] as ColumnCheck;
    const keyAt = keyPositions.indexOf(position);
    if (keyAt >= 0) {
      // Key values are few: decoded as values, for the key codec.
      const value = readValue(reader);
      if (value.kind !== 'null' && !writeChecked(writer, check, value)) return undefined;
      if (value.kind !== 'null') stored++;
      keyValues[keyAt] = value;
      continue;
    }
    const tag = reader.u8();
    if (tag === VALUE_TAGS.null) continue;
    stored++;
    if (!writeDirect(reader, writer, check, tag)) return undefined;
  }
  writer.view.setUint16(countAt, stored);
  return writer.finish();
}

/** Writes a decoded value after its column id, if it is of its column's kind. */
function writeChecked(writer: ByteWriter, check: ColumnCheck, value: SqlValue): boolean {
  if (value.kind !== check.kind) return false;
  writer.u16(check.column.id);
  writeValue(writer, check.column, value);
  return true;
}

/** Copies one non-NULL value (its tag read) into the row format; false if it does not fit. */
function writeDirect(
  reader: ByteReader,
  writer: ByteWriter,
  check: ColumnCheck,
  tag: number,
): boolean {
  if (check.fast === 'integer' && tag === VALUE_TAGS.integer) {
    return writeInteger(reader, writer, check);
  }
  if (check.fast === 'text' && (tag === VALUE_TAGS.text || tag === VALUE_TAGS.json)) {
    if ((tag === VALUE_TAGS.json) !== (check.kind === 'json')) return false;
    return copyText(reader, writer, check);
  }
  reader.offset -= 1;
  return writeChecked(writer, check, readValue(reader));
}

/** An encoded integer (u8 sign, u16 n, n magnitude bytes) as its column's fixed width. */
function writeInteger(reader: ByteReader, writer: ByteWriter, check: ColumnCheck): boolean {
  const start = reader.offset;
  const sign = reader.u8();
  const length = reader.u16();
  if (length > SAFE_MAGNITUDE_BYTES || sign > 1) {
    reader.offset = start;
    return writeChecked(writer, check, { kind: 'integer', value: reader.bigint() });
  }
  const at = reader.take(length);
  const bytes = reader.bytes;
  if (length > 0 && bytes[at] === 0) return false;
  if (length === 0 && sign === 1) return false;
  let magnitude = 0;
  for (let i = 0; i < length; i++) magnitude = magnitude * 256 + (bytes[at + i] as number);
  const integer = sign === 1 ? -magnitude : magnitude;
  if (integer < Number(check.min) || integer > Number(check.max)) return false;
  writer.u16(check.column.id);
  const type = check.column.type.kind;
  if (type === 'smallint') {
    const offset = writer.reserve(2);
    writer.view.setInt16(offset, integer);
  } else if (type === 'integer') {
    writer.i32(integer);
  } else {
    // A bigint's 8 bytes from a double: the high word floors (two's complement), then the low.
    const offset = writer.reserve(8);
    const high = Math.floor(integer / TWO_POW_32);
    writer.view.setInt32(offset, high);
    writer.view.setUint32(offset + 4, integer - high * TWO_POW_32);
  }
  return true;
}

/** An encoded string (u32 n, n UTF-8 bytes) as it is: the row format stores text the same way. */
function copyText(reader: ByteReader, writer: ByteWriter, check: ColumnCheck): boolean {
  const length = reader.u32();
  const start = reader.take(length);
  const source = reader.bytes;
  if (length <= check.textUnitsMax) {
    // Copied byte by byte (short values: cheaper than a subarray and a set) while checking
    // that it is ASCII, valid UTF-8 and one unit per byte.
    const mark = writer.length;
    writer.u16(check.column.id);
    writer.u32(length);
    const at = writer.reserve(length);
    const target = writer.bytes;
    let i = 0;
    for (; i < length; i++) {
      const byte = source[start + i] as number;
      if (byte >= 0x80) break;
      target[at + i] = byte;
    }
    if (i === length) return true;
    writer.length = mark;
  }
  // Not ASCII, or longer than a varchar's units: through a decoded string, which checks the
  // UTF-8 (and is what `apply` encodes).
  reader.offset = start - 4;
  const text = reader.string();
  const value: SqlValue =
    check.kind === 'json' ? { kind: 'json', value: text } : { kind: 'text', value: text };
  return writeChecked(writer, check, value);
}
