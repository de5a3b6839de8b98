/**
 * Byte writer and reader shared by the kernel's codecs (row, command, state). Big-endian
 * fixed-width integers, u32-length-prefixed byte strings and UTF-8 strings, and signed
 * arbitrary-precision integers.
 *
 * Invariants:
 * - `ByteWriter`: 0 <= length <= bytes.length; the buffer only grows (doubling), so encoding n
 *   bytes costs O(n) amortized.
 * - `ByteReader`: 0 <= offset <= bytes.length; every read checks the bytes left first and
 *   throws `KimberliteError` CORRUPTION (naming the offset) when short, so a decoder over
 *   garbage never reads out of range, never allocates more than the input's size per field,
 *   and ends, since every read consumes at least one byte or fails.
 */
import { ErrorCode, KimberliteError } from '../types/index.js';

const utf8Encoder = new TextEncoder();
/** Magnitudes up to 2^53 - 1 are exact doubles: `bigint` encodes them without BigInt ops. */
const SAFE_MAGNITUDE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
/** Six bytes always hold an exact double (2^48 - 1 < 2^53). */
const SAFE_MAGNITUDE_BYTES = 6;
/** Strings up to this many UTF-16 units take the writer's ASCII fast path below. */
const SHORT_STRING_UNITS_MAX = 64;
/**
 * Strings up to this many bytes are read by the reader's ASCII loop. Up to 12 characters each
 * `+=` makes a flat string; from 13 on V8 makes a rope, which costs one object per character and
 * a flattening copy at first use, so longer strings go through TextDecoder (measured: 30 ASCII
 * characters in 130-190 ns against 350-500 ns by the loop; 8 characters in 95 ns against 130).
 */
const SHORT_READ_BYTES_MAX = 12;
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** A decoding failure: bytes that no encoder of ours writes. */
export function corrupt(what: string, offset: number, problem: string): KimberliteError {
  return new KimberliteError(
    ErrorCode.Corruption,
    `malformed ${what} at byte ${offset}: ${problem}`,
  );
}

/** A value an encoder cannot represent: a bug in the caller, or input apply refuses anyway. */
export function unencodable(what: string, problem: string): KimberliteError {
  return new KimberliteError(ErrorCode.InvalidArgument, `cannot encode ${what}: ${problem}`);
}

/**
 * A growable output buffer.
 *
 * @example
 * const writer = new ByteWriter();
 * writer.u8(1);
 * writer.string('patients');
 * const bytes = writer.finish();
 */
export class ByteWriter {
  bytes: Uint8Array;
  view: DataView;
  length = 0;

  constructor(capacityBytes = 256) {
    this.bytes = new Uint8Array(capacityBytes);
    this.view = new DataView(this.bytes.buffer);
  }

  /** Starts over, keeping the buffer (scratch writers reused across calls). */
  reset(): void {
    this.length = 0;
  }

  /**
   * Returns the offset of `count` fresh bytes, growing the buffer when needed. Callers take the
   * offset before touching `bytes` / `view`: growing replaces both.
   */
  reserve(count: number): number {
    const needed = this.length + count;
    if (needed > this.bytes.length) {
      let capacity = this.bytes.length * 2;
      while (capacity < needed) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    const offset = this.length;
    this.length = needed;
    return offset;
  }

  u8(value: number): void {
    const offset = this.reserve(1);
    this.bytes[offset] = value;
  }

  u16(value: number): void {
    const offset = this.reserve(2);
    this.view.setUint16(offset, value);
  }

  u32(value: number): void {
    const offset = this.reserve(4);
    this.view.setUint32(offset, value);
  }

  i32(value: number): void {
    const offset = this.reserve(4);
    this.view.setInt32(offset, value);
  }

  /** An unsigned 64-bit integer; `value` must be in 0..2^64-1. */
  u64(value: bigint): void {
    if (value < 0n || value > U64_MAX) throw unencodable('u64', `${value} is out of range`);
    const offset = this.reserve(8);
    this.view.setBigUint64(offset, value);
  }

  /** A signed 64-bit integer; `value` must be in -2^63..2^63-1. */
  i64(value: bigint): void {
    if (value < I64_MIN || value > I64_MAX) throw unencodable('i64', `${value} is out of range`);
    const offset = this.reserve(8);
    this.view.setBigInt64(offset, value);
  }

  f32(value: number): void {
    const offset = this.reserve(4);
    this.view.setFloat32(offset, value);
  }

  /** A binary64; every NaN is written as the one canonical NaN so equal rows are equal bytes. */
  f64(value: number): void {
    const offset = this.reserve(8);
    if (Number.isNaN(value)) {
      this.view.setUint32(offset, 0x7ff8_0000);
      this.view.setUint32(offset + 4, 0);
    } else {
      this.view.setFloat64(offset, value);
    }
  }

  /** A safe non-negative integer (0..2^53-1) as 8 bytes. */
  safeInteger(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw unencodable('integer', `${value} is not a safe non-negative integer`);
    }
    this.u64(BigInt(value));
  }

  /** Any bigint: a sign byte (0 non-negative, 1 negative), a u16 byte count, the magnitude. */
  bigint(value: bigint): void {
    const negative = value < 0n;
    let magnitude = negative ? -value : value;
    if (magnitude <= SAFE_MAGNITUDE_MAX) {
      // The common case (every 53-bit value) in doubles: a BigInt op per byte allocates.
      this.#safeMagnitude(negative, Number(magnitude));
      return;
    }
    const digits: number[] = [];
    while (magnitude > 0n) {
      digits.push(Number(magnitude & 0xffn));
      magnitude >>= 8n;
    }
    if (digits.length > 0xffff) throw unencodable('bigint', 'magnitude exceeds 65535 bytes');
    this.u8(negative ? 1 : 0);
    this.u16(digits.length);
    const offset = this.reserve(digits.length);
    for (let index = 0; index < digits.length; index++) {
      this.bytes[offset + index] = digits[digits.length - 1 - index] ?? 0;
    }
  }

  /** `bigint`'s layout for a magnitude below 2^53: sign, byte count, big-endian bytes. */
  #safeMagnitude(negative: boolean, magnitude: number): void {
    let count = 0;
    for (let rest = magnitude; rest > 0; rest = Math.floor(rest / 256)) count++;
    this.u8(negative ? 1 : 0);
    this.u16(count);
    const offset = this.reserve(count);
    let rest = magnitude;
    for (let index = count - 1; index >= 0; index--) {
      this.bytes[offset + index] = rest % 256;
      rest = Math.floor(rest / 256);
    }
  }

  /** A u32 length, then the bytes. */
  blob(data: Uint8Array): void {
    this.u32(data.length);
    const offset = this.reserve(data.length);
    this.bytes.set(data, offset);
  }

  /** A u32 byte length, then UTF-8 (lone surrogates would not round-trip: refused). */
  string(text: string): void {
    if (text.length <= SHORT_STRING_UNITS_MAX && this.#ascii(text)) return;
    if (/[\ud800-\udfff]/.test(text) && !isWellFormedUtf16(text)) {
      throw unencodable('string', 'it holds a lone surrogate');
    }
    // Reserve the worst case (3 bytes per UTF-16 unit) and encode in place.
    const start = this.reserve(4 + text.length * 3);
    const { written } = utf8Encoder.encodeInto(
      text,
      this.bytes.subarray(start + 4, start + 4 + text.length * 3),
    );
    this.view.setUint32(start, written);
    this.length = start + 4 + written;
  }

  /**
   * Writes a short all-ASCII string byte by byte (a call into TextEncoder costs more than the
   * loop for the names and values rows mostly hold); false, writing nothing, when it is not.
   */
  #ascii(text: string): boolean {
    const start = this.reserve(4 + text.length);
    const bytes = this.bytes;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      if (unit >= 0x80) {
        this.length = start;
        return false;
      }
      bytes[start + 4 + i] = unit;
    }
    this.view.setUint32(start, text.length);
    return true;
  }

  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** True when every surrogate in `text` is part of a pair. */
export function isWellFormedUtf16(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0xd800 || code > 0xdfff) continue;
    const low = text.charCodeAt(index + 1);
    if (code > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) return false;
    index++;
  }
  return true;
}

/**
 * A bounds-checked input cursor.
 *
 * @example
 * const reader = new ByteReader(bytes, 'command');
 * const version = reader.u8();
 */
export class ByteReader {
  /** Made on first use: a DataView costs more than decoding a small command without one. */
  #view: DataView | undefined;
  offset = 0;

  constructor(
    readonly bytes: Uint8Array,
    readonly what: string,
  ) {}

  get view(): DataView {
    this.#view ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.#view;
  }

  fail(problem: string, offset = this.offset): KimberliteError {
    return corrupt(this.what, offset, problem);
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** Returns the offset of the next `count` bytes and steps past them. */
  take(count: number): number {
    if (count > this.bytes.length - this.offset) {
      throw this.fail(`needs ${count} bytes, ${this.bytes.length - this.offset} left`);
    }
    const offset = this.offset;
    this.offset += count;
    return offset;
  }

  u8(): number {
    return this.bytes[this.take(1)] ?? 0;
  }

  u16(): number {
    const at = this.take(2);
    const bytes = this.bytes;
    return ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
  }

  u32(): number {
    return this.i32() >>> 0;
  }

  i32(): number {
    const at = this.take(4);
    const bytes = this.bytes;
    return (
      ((bytes[at] as number) << 24) |
      ((bytes[at + 1] as number) << 16) |
      ((bytes[at + 2] as number) << 8) |
      (bytes[at + 3] as number)
    );
  }

  u64(): bigint {
    return this.view.getBigUint64(this.take(8));
  }

  i64(): bigint {
    return this.view.getBigInt64(this.take(8));
  }

  f32(): number {
    return this.view.getFloat32(this.take(4));
  }

  f64(): number {
    return this.view.getFloat64(this.take(8));
  }

  safeInteger(): number {
    const at = this.offset;
    const value = this.u64();
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw this.fail(`${value} is not safe`, at);
    return Number(value);
  }

  bool(): boolean {
    const at = this.offset;
    const value = this.u8();
    if (value > 1) throw this.fail(`boolean byte ${value}`, at);
    return value === 1;
  }

  bigint(): bigint {
    const at = this.offset;
    const sign = this.u8();
    if (sign > 1) throw this.fail(`bigint sign byte ${sign}`, at);
    const length = this.u16();
    const start = this.take(length);
    if (length > 0 && this.bytes[start] === 0) throw this.fail('bigint leading zero', start);
    if (length === 0 && sign === 1) throw this.fail('negative zero', at);
    if (length <= SAFE_MAGNITUDE_BYTES) {
      let small = 0;
      for (let index = 0; index < length; index++) {
        small = small * 256 + (this.bytes[start + index] as number);
      }
      return BigInt(sign === 1 ? -small : small);
    }
    let magnitude = 0n;
    for (let index = 0; index < length; index++) {
      magnitude = (magnitude << 8n) | BigInt(this.bytes[start + index] ?? 0);
    }
    return sign === 1 ? -magnitude : magnitude;
  }

  blob(): Uint8Array {
    const length = this.u32();
    const start = this.take(length);
    return this.bytes.slice(start, start + length);
  }

  string(): string {
    const length = this.u32();
    const start = this.take(length);
    if (length <= SHORT_READ_BYTES_MAX) {
      // Short and all ASCII (names, mostly): decoded without a call into TextDecoder.
      const bytes = this.bytes;
      let text = '';
      let i = start;
      for (; i < start + length; i++) {
        const byte = bytes[i] as number;
        if (byte >= 0x80) break;
        text += String.fromCharCode(byte);
      }
      if (i === start + length) return text;
    }
    try {
      return utf8Decoder.decode(this.bytes.subarray(start, start + length));
    } catch {
      throw this.fail('string is not valid UTF-8', start);
    }
  }

  /** Checks that the whole input was consumed. */
  end(): void {
    if (this.offset !== this.bytes.length) {
      throw this.fail(`${this.bytes.length - this.offset} bytes after the end`);
    }
  }
}
