/** `latin1` (ts/kernel/rows.ts): key bytes as a map string, one character per byte. */
import { describe, expect, it } from 'vitest';
import { latin1 } from '../../ts/kernel/rows.js';

describe('latin1', () => {
  it('maps every byte to the character of that code, for short and long keys', () => {
    for (const length of [0, 1, 9, 4095, 4096, 4097, 10_000]) {
      const key = Uint8Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff);
      const text = latin1(key);
      expect(text.length).toBe(length);
      expect(Buffer.from(text, 'latin1').equals(Buffer.from(key))).toBe(true);
    }
  });

  it('tells keys apart that differ in one byte', () => {
    expect(latin1(Uint8Array.of(1, 2, 3))).not.toBe(latin1(Uint8Array.of(1, 2, 4)));
  });
});
