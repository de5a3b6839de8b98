/**
 * Order-preserving key codec: turns a tuple of SQL values into bytes whose unsigned
 * lexicographic order is the SQL order of the tuples, so the B+tree compares keys with one
 * `compareKeys` and never decodes them.
 *
 * Invariants (checked by property tests in test/kernel/key_codec.test.ts):
 * - Order: for values `a`, `b` of column types `t`,
 *   `sign(compareKeys(encodeKey(t, a), encodeKey(t, b))) === sign(sqlCompare(t, a, b))`, where
 *   tuples compare column by column, each column ascending with NULLs FIRST. Descending columns
 *   and NULLS LAST are the planner's business (it reverses a range), not the codec's.
 * - Prefix: `encodeKey(t.slice(0, k), a.slice(0, k))` is a byte prefix of `encodeKey(t, a)`, and
 *   a key sorts before every key it is a prefix of, so a prefix range scan is a byte range.
 *   Every column starts with a tag byte below 0xff, so `prefix ++ [0xff]` bounds the range.
 * - Round trip: `decodeKey(t, encodeKey(t, a))` equals `a`, except that -0 decodes as 0 and every
 *   NaN as the canonical NaN (SQL treats them as equal, so keys must too).
 * - Size: an encoded key is at most `LIMITS.keySizeBytesMax` bytes; a longer one is rejected
 *   (LIMIT_EXCEEDED), never truncated, because a truncated key would merge distinct rows.
 *
 * Layout: per column one tag byte (0x01 NULL, 0x02 value) and, for a value, its body:
 * - smallint / integer / bigint: 8 bytes big-endian two's complement with the sign bit flipped.
 * - real / double: the binary64 bits big-endian; negatives have every bit inverted, others only
 *   the sign bit, -0 is written as 0 and NaN as one canonical NaN above +Infinity (PostgreSQL).
 * - decimal: a header 0x80 for zero, 0x80 + n for a positive unscaled magnitude of n bytes,
 *   0x80 - n for a negative one; then the n magnitude bytes big-endian without leading zeros,
 *   inverted when negative. All values of a column share its scale, so unscaled order is order.
 * - text / varchar / json: UTF-8 (so byte order is code point order, PostgreSQL's C collation);
 *   bytea: the raw bytes. Both escaped: 0x00 becomes 0x00 0xff and the body ends 0x00 0x01, so
 *   a shorter string sorts first and embedded zero bytes keep their place.
 * - boolean: 0x00 false, 0x01 true. date: 4 bytes big-endian, sign bit flipped.
 * - timestamp: as bigint. uuid: its 16 bytes as they are.
 */
import {
  assert,
  type ColumnType,
  ErrorCode,
  KimberliteError,
  LIMITS,
  SQL_NULL,
  type SqlValue,
  type SqlValueKind,
  unreachable,
} from '../types/index.js';

const TAG_NULL = 0x01;
const TAG_VALUE = 0x02;
const ESCAPE = 0x00;
const ESCAPED_ZERO = 0xff;
const TERMINATOR = 0x01;

const SIGN_BIT_64 = 1n << 63n;
const CANONICAL_NAN_BITS = 0x7ff8_0000_0000_0000n;
const UUID_BYTES = 16;
const DECIMAL_HEADER_ZERO = 0x80;
/** The header byte must stay in 0x01..0xff, so a magnitude has at most 127 bytes (~305 digits). */
const DECIMAL_MAGNITUDE_BYTES_MAX = 127;

/** The values each integer column type admits; also the row validation's bounds (rows.ts). */
export const INTEGER_RANGES = {
  smallint: [-(1n << 15n), (1n << 15n) - 1n],
  integer: [-(1n << 31n), (1n << 31n) - 1n],
  bigint: [-(1n << 63n), (1n << 63n) - 1n],
} as const;
/** A date is a 32-bit day count. */
export const INT32_MIN = -0x8000_0000;
export const INT32_MAX = 0x7fff_ffff;

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

type ValueOf<K extends SqlValueKind> = Extract<SqlValue, { kind: K }>;

function invalid(column: number, type: ColumnType, problem: string): KimberliteError {
  return new KimberliteError(
    ErrorCode.InvalidArgument,
    `key column ${column} (${type.kind}): ${problem}`,
  );
}

function corrupt(offset: number, problem: string): KimberliteError {
  return new KimberliteError(ErrorCode.Corruption, `malformed key at byte ${offset}: ${problem}`);
}

/**
 * Appends to one key, enforcing the key size limit on every write so that a huge text value
 * fails after at most `keySizeBytesMax` bytes of work.
 * Invariant: 0 <= length <= bytes.length === LIMITS.keySizeBytesMax.
 */
class KeyWriter {
  readonly bytes = new Uint8Array(LIMITS.keySizeBytesMax);
  readonly view = new DataView(this.bytes.buffer);
  length = 0;
  column = 0;

  /** Returns the offset of `count` fresh bytes. */
  reserve(count: number): number {
    if (this.length + count > this.bytes.length) {
      throw new KimberliteError(
        ErrorCode.LimitExceeded,
        `key exceeds keySizeBytesMax (${LIMITS.keySizeBytesMax} bytes) at column ${this.column}`,
      );
    }
    const offset = this.length;
    this.length += count;
    return offset;
  }

  byte(value: number): void {
    this.bytes[this.reserve(1)] = value;
  }

  /** One body byte of text or bytea, escaped so the terminator stays unique. */
  escapedByte(value: number): void {
    if (value === ESCAPE) {
      const offset = this.reserve(2);
      this.bytes[offset] = ESCAPE;
      this.bytes[offset + 1] = ESCAPED_ZERO;
    } else {
      this.byte(value);
    }
  }

  terminate(): void {
    this.byte(ESCAPE);
    this.byte(TERMINATOR);
  }

  u64(value: bigint): void {
    this.view.setBigUint64(this.reserve(8), value);
  }
}

const scratchWriter = new KeyWriter();

/**
 * Encodes a key of one or more columns; `values[i]` must fit `types[i]`.
 * Throws `KimberliteError` INVALID_ARGUMENT for a value that does not fit its column (naming
 * the column index) and LIMIT_EXCEEDED past `LIMITS.keySizeBytesMax`.
 *
 * @example
 * const key = encodeKey([{ kind: 'bigint' }, { kind: 'text' }], [
 *   { kind: 'integer', value: 7n },
 *   { kind: 'text', value: 'Jane' },
 * ]);
 */
export function encodeKey(types: readonly ColumnType[], values: readonly SqlValue[]): Uint8Array {
  if (types.length !== values.length) {
    throw new KimberliteError(
      ErrorCode.InvalidArgument,
      `key has ${values.length} values for ${types.length} columns`,
    );
  }
  return encodeKeyAt(types, values, undefined);
}

/**
 * `encodeKey(types, positions.map((p) => row[p]))` without building that array: the write path
 * encodes a row's key columns straight from the row (`positions` as long as `types`; without
 * `positions`, `row` holds the key's values in order).
 *
 * @example
 * const key = encodeKeyAt([{ kind: 'bigint' }], row, [0]); // the key of row[0]
 */
export function encodeKeyAt(
  types: readonly ColumnType[],
  row: readonly SqlValue[],
  positions: readonly number[] | undefined,
): Uint8Array {
  // One scratch writer serves every call: encoding is synchronous and the result is a copy, so
  // the hot write path does not allocate a 1 KiB buffer per key.
  const writer = scratchWriter;
  writer.length = 0;
  writer.column = 0;
  for (let column = 0; column < types.length; column++) {
    const type = types[column];
    const value = row[positions === undefined ? column : (positions[column] as number)];
    assert(type !== undefined && value !== undefined, 'a value per key column');
    writer.column = column;
    if (value.kind === 'null') {
      writer.byte(TAG_NULL);
    } else {
      writer.byte(TAG_VALUE);
      encodeColumn(writer, type, value);
    }
  }
  return writer.bytes.slice(0, writer.length);
}

function expectKind<K extends SqlValueKind>(
  writer: KeyWriter,
  type: ColumnType,
  value: SqlValue,
  kind: K,
): ValueOf<K> {
  if (value.kind !== kind) {
    throw invalid(writer.column, type, `expected a ${kind} value, got ${value.kind}`);
  }
  return value as ValueOf<K>;
}

function encodeColumn(writer: KeyWriter, type: ColumnType, value: SqlValue): void {
  switch (type.kind) {
    case 'smallint':
    case 'integer':
    case 'bigint': {
      const integer = expectKind(writer, type, value, 'integer').value;
      const [min, max] = INTEGER_RANGES[type.kind];
      if (typeof integer !== 'bigint' || integer < min || integer > max) {
        throw invalid(writer.column, type, `${String(integer)} is outside ${min}..${max}`);
      }
      writer.u64(BigInt.asUintN(64, integer) ^ SIGN_BIT_64);
      return;
    }
    case 'real':
    case 'double':
      encodeFloat(writer, type, expectKind(writer, type, value, 'float'));
      return;
    case 'decimal':
      encodeDecimal(writer, type, expectKind(writer, type, value, 'decimal'));
      return;
    case 'text':
    case 'varchar':
      encodeText(writer, type, expectKind(writer, type, value, 'text').value);
      return;
    case 'json':
      encodeText(writer, type, expectKind(writer, type, value, 'json').value);
      return;
    case 'bytea': {
      const bytes = expectKind(writer, type, value, 'bytes').value;
      if (!(bytes instanceof Uint8Array)) throw invalid(writer.column, type, 'not a Uint8Array');
      for (const byte of bytes) writer.escapedByte(byte);
      writer.terminate();
      return;
    }
    case 'boolean': {
      const flag = expectKind(writer, type, value, 'boolean').value;
      if (typeof flag !== 'boolean') throw invalid(writer.column, type, 'not a boolean');
      writer.byte(flag ? 1 : 0);
      return;
    }
    case 'date': {
      const days = expectKind(writer, type, value, 'date').value;
      if (!Number.isInteger(days) || days < INT32_MIN || days > INT32_MAX) {
        throw invalid(writer.column, type, `${String(days)} days is not a 32-bit integer`);
      }
      writer.view.setInt32(writer.reserve(4), days ^ INT32_MIN);
      return;
    }
    case 'timestamp': {
      const micros = expectKind(writer, type, value, 'timestamp').value;
      const [min, max] = INTEGER_RANGES.bigint;
      if (typeof micros !== 'bigint' || micros < min || micros > max) {
        throw invalid(writer.column, type, `${String(micros)} us is not a 64-bit integer`);
      }
      writer.u64(BigInt.asUintN(64, micros) ^ SIGN_BIT_64);
      return;
    }
    case 'uuid': {
      const bytes = expectKind(writer, type, value, 'uuid').value;
      if (!(bytes instanceof Uint8Array) || bytes.length !== UUID_BYTES) {
        throw invalid(writer.column, type, `a uuid is ${UUID_BYTES} bytes`);
      }
      writer.bytes.set(bytes, writer.reserve(UUID_BYTES));
      return;
    }
    default:
      unreachable(type);
  }
}

function encodeFloat(writer: KeyWriter, type: ColumnType, value: ValueOf<'float'>): void {
  const float = value.value;
  if (typeof float !== 'number') throw invalid(writer.column, type, 'not a number');
  // A real holds binary32 values; a wider one would silently change when stored as real.
  if (type.kind === 'real' && !Number.isNaN(float) && Math.fround(float) !== float) {
    throw invalid(writer.column, type, `${float} is not representable as a real (binary32)`);
  }
  const offset = writer.reserve(8);
  if (Number.isNaN(float)) {
    writer.view.setBigUint64(offset, CANONICAL_NAN_BITS);
  } else {
    // `+ 0` turns -0 into 0: they are equal in SQL, so they must be one key.
    writer.view.setFloat64(offset, float + 0);
  }
  const high = writer.bytes[offset] ?? 0;
  if ((high & 0x80) !== 0) {
    for (let index = offset; index < offset + 8; index++) {
      writer.bytes[index] = ~(writer.bytes[index] ?? 0) & 0xff;
    }
  } else {
    writer.bytes[offset] = high | 0x80;
  }
}

function encodeDecimal(writer: KeyWriter, type: ColumnType, value: ValueOf<'decimal'>): void {
  assert(type.kind === 'decimal', 'checked by the caller');
  assert(
    Number.isInteger(type.precision) && type.precision >= 1 && Number.isInteger(type.scale),
    'the catalog checks decimal precision and scale',
  );
  const { unscaled, scale } = value;
  if (typeof unscaled !== 'bigint') throw invalid(writer.column, type, 'unscaled is not a bigint');
  if (scale !== type.scale) {
    throw invalid(writer.column, type, `scale ${scale} differs from the column's ${type.scale}`);
  }
  let magnitude = unscaled < 0n ? -unscaled : unscaled;
  if (magnitude >= 10n ** BigInt(type.precision)) {
    throw invalid(writer.column, type, `${unscaled} has more than ${type.precision} digits`);
  }
  const digits: number[] = [];
  while (magnitude > 0n) {
    digits.push(Number(magnitude & 0xffn));
    magnitude >>= 8n;
  }
  if (digits.length > DECIMAL_MAGNITUDE_BYTES_MAX) {
    throw new KimberliteError(
      ErrorCode.LimitExceeded,
      `key column ${writer.column} (decimal): magnitude exceeds ` +
        `${DECIMAL_MAGNITUDE_BYTES_MAX} bytes`,
    );
  }
  const negative = unscaled < 0n;
  writer.byte(DECIMAL_HEADER_ZERO + (negative ? -digits.length : digits.length));
  for (let index = digits.length - 1; index >= 0; index--) {
    const digit = digits[index] ?? 0;
    writer.byte(negative ? 0xff - digit : digit);
  }
}

/** UTF-8 encodes `text` straight into the key, escaped; rejects lone surrogates. */
function encodeText(writer: KeyWriter, type: ColumnType, text: string): void {
  if (typeof text !== 'string') throw invalid(writer.column, type, 'not a string');
  let codePoints = 0;
  for (let index = 0; index < text.length; index++) {
    let code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdfff) {
      const low = text.charCodeAt(index + 1);
      if (code > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) {
        throw invalid(writer.column, type, `lone surrogate at UTF-16 index ${index}`);
      }
      code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
      index++;
    }
    codePoints++;
    if (code < 0x80) {
      writer.escapedByte(code);
    } else if (code < 0x800) {
      writer.byte(0xc0 | (code >> 6));
      writer.byte(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      writer.byte(0xe0 | (code >> 12));
      writer.byte(0x80 | ((code >> 6) & 0x3f));
      writer.byte(0x80 | (code & 0x3f));
    } else {
      writer.byte(0xf0 | (code >> 18));
      writer.byte(0x80 | ((code >> 12) & 0x3f));
      writer.byte(0x80 | ((code >> 6) & 0x3f));
      writer.byte(0x80 | (code & 0x3f));
    }
  }
  if (type.kind === 'varchar' && codePoints > type.length) {
    throw invalid(writer.column, type, `${codePoints} characters exceed varchar(${type.length})`);
  }
  writer.terminate();
}

/**
 * Unsigned lexicographic byte comparison: -1, 0 or 1. A key sorts before every longer key it
 * is a prefix of.
 *
 * @example
 * compareKeys(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0)); // -1
 */
export function compareKeys(a: Uint8Array, b: Uint8Array): -1 | 0 | 1 {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const left = a[index] ?? 0;
    const right = b[index] ?? 0;
    if (left !== right) return left < right ? -1 : 1;
  }
  if (a.length === b.length) return 0;
  return a.length < b.length ? -1 : 1;
}

/**
 * Reads one key back. Keys come from checksummed pages, so a malformed key means a bug or
 * undetected corruption: it throws `KimberliteError` CORRUPTION with the byte offset.
 * Value ranges (smallint bounds, varchar length) are not re-checked; structure is.
 *
 * @example
 * const [id] = decodeKey([{ kind: 'bigint' }], key); // { kind: 'integer', value: 7n }
 */
export function decodeKey(types: readonly ColumnType[], bytes: Uint8Array): SqlValue[] {
  const reader = new KeyReader(bytes);
  const values: SqlValue[] = [];
  for (const type of types) {
    const tag = reader.byte();
    if (tag === TAG_NULL) {
      values.push(SQL_NULL);
    } else if (tag === TAG_VALUE) {
      values.push(decodeColumn(reader, type));
    } else {
      throw corrupt(reader.offset - 1, `unknown column tag ${tag}`);
    }
  }
  if (reader.offset !== bytes.length) {
    throw corrupt(reader.offset, `${bytes.length - reader.offset} bytes after the last column`);
  }
  return values;
}

/**
 * The smallest byte string after every key that starts with `prefix` (an encoded key or
 * key prefix): `prefix ++ 0xff`, since every encoded column starts with a tag byte below 0xff.
 * An exclusive upper bound for "keys starting with `prefix`", an inclusive lower bound for
 * "keys after every key starting with `prefix`".
 *
 * @example
 * store.scan(space, { lower: prefix, upper: keyPrefixEnd(prefix), upperInclusive: false });
 */
export function keyPrefixEnd(prefix: Uint8Array): Uint8Array {
  const end = new Uint8Array(prefix.length + 1);
  end.set(prefix);
  end[prefix.length] = 0xff;
  return end;
}

/**
 * The bytes after the first `types.length` columns of a key: for an index entry (index columns
 * then primary key columns) its primary key, encoded exactly as `encodeKey` encodes it, since a
 * key is its columns' encodings one after another.
 *
 * @example
 * const primaryKey = keySuffix(indexColumnTypes, entryKey);
 */
export function keySuffix(types: readonly ColumnType[], bytes: Uint8Array): Uint8Array {
  const reader = new KeyReader(bytes);
  for (const type of types) {
    const tag = reader.byte();
    if (tag === TAG_VALUE) decodeColumn(reader, type);
    else if (tag !== TAG_NULL) throw corrupt(reader.offset - 1, `unknown column tag ${tag}`);
  }
  return bytes.subarray(reader.offset);
}

/** Invariant: 0 <= offset <= bytes.length. */
class KeyReader {
  readonly view: DataView;
  offset = 0;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Returns the offset of the next `count` bytes and steps past them. */
  take(count: number): number {
    if (this.offset + count > this.bytes.length) {
      throw corrupt(this.offset, `needs ${count} bytes, ${this.bytes.length - this.offset} left`);
    }
    const offset = this.offset;
    this.offset += count;
    return offset;
  }

  byte(): number {
    return this.bytes[this.take(1)] ?? 0;
  }

  /** The unescaped body of a text or bytea column, up to and past its terminator. */
  escaped(): Uint8Array {
    const out: number[] = [];
    for (;;) {
      const byte = this.byte();
      if (byte !== ESCAPE) {
        out.push(byte);
        continue;
      }
      const next = this.byte();
      if (next === TERMINATOR) return Uint8Array.from(out);
      if (next !== ESCAPED_ZERO) throw corrupt(this.offset - 1, `bad escape 0x00 ${next}`);
      out.push(0);
    }
  }
}

function decodeColumn(reader: KeyReader, type: ColumnType): SqlValue {
  switch (type.kind) {
    case 'smallint':
    case 'integer':
    case 'bigint': {
      const bits = reader.view.getBigUint64(reader.take(8)) ^ SIGN_BIT_64;
      return { kind: 'integer', value: BigInt.asIntN(64, bits) };
    }
    case 'real':
    case 'double':
      return { kind: 'float', value: decodeFloat(reader) };
    case 'decimal':
      return decodeDecimal(reader, type.scale);
    case 'text':
    case 'varchar':
    case 'json':
      return { kind: type.kind === 'json' ? 'json' : 'text', value: decodeText(reader) };
    case 'bytea':
      return { kind: 'bytes', value: reader.escaped() };
    case 'boolean': {
      const flag = reader.byte();
      if (flag > 1) throw corrupt(reader.offset - 1, `boolean byte ${flag}`);
      return { kind: 'boolean', value: flag === 1 };
    }
    case 'date':
      return { kind: 'date', value: reader.view.getInt32(reader.take(4)) ^ INT32_MIN };
    case 'timestamp': {
      const bits = reader.view.getBigUint64(reader.take(8)) ^ SIGN_BIT_64;
      return { kind: 'timestamp', value: BigInt.asIntN(64, bits) };
    }
    case 'uuid': {
      const offset = reader.take(UUID_BYTES);
      return { kind: 'uuid', value: reader.bytes.slice(offset, offset + UUID_BYTES) };
    }
    default:
      return unreachable(type);
  }
}

function decodeFloat(reader: KeyReader): number {
  const offset = reader.take(8);
  const bits = reader.view.getBigUint64(offset);
  // Encoded positives have the top bit set (sign bit flipped); negatives were fully inverted.
  const raw = (bits & SIGN_BIT_64) !== 0n ? bits ^ SIGN_BIT_64 : ~bits & 0xffff_ffff_ffff_ffffn;
  const scratch = new DataView(new ArrayBuffer(8));
  scratch.setBigUint64(0, raw);
  return scratch.getFloat64(0);
}

function decodeDecimal(reader: KeyReader, scale: number): SqlValue {
  const header = reader.byte();
  if (header === 0) throw corrupt(reader.offset - 1, 'decimal header 0x00');
  const negative = header < DECIMAL_HEADER_ZERO;
  const length = negative ? DECIMAL_HEADER_ZERO - header : header - DECIMAL_HEADER_ZERO;
  let magnitude = 0n;
  for (let index = 0; index < length; index++) {
    const stored = reader.byte();
    const digit = negative ? 0xff - stored : stored;
    if (index === 0 && digit === 0) throw corrupt(reader.offset - 1, 'decimal leading zero');
    magnitude = (magnitude << 8n) | BigInt(digit);
  }
  return { kind: 'decimal', unscaled: negative ? -magnitude : magnitude, scale };
}

function decodeText(reader: KeyReader): string {
  const start = reader.offset;
  try {
    return utf8Decoder.decode(reader.escaped());
  } catch (error) {
    if (error instanceof KimberliteError) throw error;
    throw corrupt(start, 'text is not valid UTF-8');
  }
}
