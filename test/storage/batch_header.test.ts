/**
 * The batch header codec (ts/storage/batch_header.ts) against the layout in
 * docs/storage-format.md: field offsets, round trips (fast-check), and rejection of bytes
 * that are not a valid header.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BatchHeader, decodeBatchHeader, encodeBatchHeader } from '../../ts/storage/index.js';
import { AssertionError } from '../../ts/types/index.js';

const root = new Uint8Array(32).fill(0xaa);

const sample: BatchHeader = {
  logPosition: 0x0102_0304_0506_0708n,
  timestampNs: 1_763_000_000_000_000_000n,
  placed: true,
  recordCount: 5,
  merkleRoot: root,
  tenants: [
    { tenant: 3, firstOffset: 10n, count: 2 },
    { tenant: 9, firstOffset: 0n, count: 3 },
  ],
};

const headerArbitrary: fc.Arbitrary<BatchHeader> = fc
  .uniqueArray(fc.integer({ min: 1, max: 0xffff_ffff }), { minLength: 0, maxLength: 20 })
  .chain((ids) =>
    fc.record({
      logPosition: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
      timestampNs: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
      placed: fc.constant(true),
      merkleRoot: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      tenants: fc.tuple(
        ...[...ids]
          .sort((a, b) => a - b)
          .map((tenant) =>
            fc.record({
              tenant: fc.constant(tenant),
              firstOffset: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
              count: fc.integer({ min: 1, max: 1000 }),
            }),
          ),
      ),
    }),
  )
  .map((header) => ({
    ...header,
    recordCount: header.tenants.reduce((sum, entry) => sum + entry.count, 0),
  }));

describe('batch header', () => {
  it('writes the fields at the offsets docs/storage-format.md gives', () => {
    const bytes = encodeBatchHeader(sample);
    const view = new DataView(bytes.buffer);
    expect(bytes.length).toBe(64 + 2 * 16);
    expect(view.getUint16(0, true)).toBe(1);
    expect(view.getUint16(2, true)).toBe(1);
    expect(view.getUint32(4, true)).toBe(2);
    expect(view.getBigUint64(8, true)).toBe(sample.logPosition);
    expect(view.getBigUint64(16, true)).toBe(sample.timestampNs);
    expect(view.getUint32(24, true)).toBe(5);
    expect(view.getUint32(28, true)).toBe(0);
    expect(bytes.subarray(32, 64)).toEqual(root);
    expect(view.getUint32(64, true)).toBe(3);
    expect(view.getUint32(68, true)).toBe(2);
    expect(view.getBigUint64(72, true)).toBe(10n);
    expect(view.getUint32(80, true)).toBe(9);
    expect(view.getUint32(84, true)).toBe(3);
    expect(view.getBigUint64(88, true)).toBe(0n);
  });

  it('round-trips any valid header', () => {
    fc.assert(
      fc.property(headerArbitrary, (header) => {
        const decoded = decodeBatchHeader(encodeBatchHeader(header));
        expect(decoded).toEqual({ ok: true, header });
      }),
      { numRuns: 200 },
    );
  });

  it('rejects bytes that are not a valid header, saying why', () => {
    const good = encodeBatchHeader(sample);
    const cases: [string, (bytes: Uint8Array) => Uint8Array, string][] = [
      ['short', (b) => b.subarray(0, 63), 'too short'],
      ['truncated tenants', (b) => b.subarray(0, b.length - 1), 'for 2 tenants'],
      ['version', (b) => patch(b, 0, 2), 'version 2'],
      ['reserved', (b) => patch(b, 28, 1), 'reserved'],
      ['count sum', (b) => patch(b, 24, 6), 'sum to 5'],
      ['tenant order', (b) => patch(b, 80, 3), 'not ascending'],
      ['flags', (b) => patch(b, 0, 0x0004_0001), 'reserved'],
      ['tenant zero', (b) => patch(b, 64, 0), 'not ascending'],
      ['empty tenant', (b) => patch(patch(b, 68, 0), 24, 3), 'count 0'],
    ];
    for (const [name, damage, reason] of cases) {
      const decoded = decodeBatchHeader(damage(good.slice()));
      expect(decoded.ok, name).toBe(false);
      if (!decoded.ok) expect(decoded.reason, name).toContain(reason);
    }
  });

  it('round-trips an unplaced header and rejects one with offsets', () => {
    const unplaced: BatchHeader = {
      ...sample,
      placed: false,
      tenants: sample.tenants.map((entry) => ({ ...entry, firstOffset: 0n })),
    };
    const bytes = encodeBatchHeader(unplaced);
    expect(new DataView(bytes.buffer).getUint16(2, true)).toBe(0);
    expect(decodeBatchHeader(bytes)).toEqual({ ok: true, header: unplaced });
    const decoded = decodeBatchHeader(patch(bytes, 72, 5));
    expect(decoded.ok).toBe(false);
  });

  it('asserts on encoding an invalid header (a bug in the engine)', () => {
    expect(() => encodeBatchHeader({ ...sample, recordCount: 4 })).toThrow(AssertionError);
  });
});

function patch(bytes: Uint8Array, at: number, value: number): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(at, value, true);
  return bytes;
}
