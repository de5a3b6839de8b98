/** The kernel's byte reader and writer (ts/kernel/binary.ts): integer and string fast paths. */
import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter } from '../../ts/kernel/binary.js';

/** The format, written the slow way: sign byte, u16 byte count, big-endian magnitude. */
function reference(value: bigint): number[] {
  const negative = value < 0n;
  let magnitude = negative ? -value : value;
  const digits: number[] = [];
  while (magnitude > 0n) {
    digits.unshift(Number(magnitude & 0xffn));
    magnitude >>= 8n;
  }
  return [negative ? 1 : 0, digits.length >> 8, digits.length & 0xff, ...digits];
}

describe('ByteWriter.bigint / ByteReader.bigint', () => {
  it('write the reference layout and read it back, on both sides of the fast paths', () => {
    const edges = [0n, 1n, 255n, 256n, 2n ** 48n - 1n, 2n ** 48n, 2n ** 53n - 1n, 2n ** 53n];
    const values = [...edges, ...edges.map((v) => -v), 2n ** 63n - 1n, -(2n ** 63n), 10n ** 40n];
    for (const value of values.filter((v, i, all) => all.indexOf(v) === i && !Object.is(v, -0n))) {
      const writer = new ByteWriter(8);
      writer.bigint(value);
      const bytes = writer.finish();
      expect([...bytes], String(value)).toEqual(reference(value));
      expect(new ByteReader(bytes, 'test').bigint(), String(value)).toBe(value);
    }
  });
});

describe('ByteWriter.string / ByteReader.string', () => {
  it('round-trips ASCII, non-ASCII and long strings', () => {
    for (const text of ['', 'patients', 'Zoë', '日本', 'x'.repeat(64), 'y'.repeat(65), 'a😀b']) {
      const writer = new ByteWriter(4);
      writer.string(text);
      const bytes = writer.finish();
      expect(new DataView(bytes.buffer).getUint32(0)).toBe(new TextEncoder().encode(text).length);
      expect(new ByteReader(bytes, 'test').string()).toBe(text);
    }
  });
});
