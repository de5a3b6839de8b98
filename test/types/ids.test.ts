/**
 * Branded ids and positions (ts/types/ids.ts): each brand checks its range once, at
 * construction, and the compiler keeps one brand from standing in for another.
 */
import { describe, expect, it } from 'vitest';
import {
  ClientId,
  ErrorCode,
  KimberliteError,
  LIMITS,
  LogPosition,
  Offset,
  StreamId,
  TableId,
  TenantId,
  ViewNumber,
} from '../../ts/types/index.js';

function expectInvalidId(action: () => unknown): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(KimberliteError);
  expect((caught as KimberliteError).code).toBe(ErrorCode.InvalidId);
}

const U32_IDS = { TenantId, StreamId, TableId, ClientId } as const;

describe('u32 ids', () => {
  for (const [name, brand] of Object.entries(U32_IDS)) {
    it(`${name} accepts 1 through 2^32-1`, () => {
      expect(brand.of(1)).toBe(1);
      expect(brand.of(LIMITS.idMax)).toBe(0xffff_ffff);
      expect(brand.is(7)).toBe(true);
    });

    it(`${name} rejects 0, negatives, non-integers and values past 2^32-1`, () => {
      for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 32, 2 ** 53]) {
        expectInvalidId(() => brand.of(bad));
        expect(brand.is(bad), String(bad)).toBe(false);
      }
      expect(brand.is('1')).toBe(false);
      expect(brand.is(1n)).toBe(false);
    });
  }

  it('says what was wrong in the error message', () => {
    expect(() => TenantId.of(0)).toThrow('TenantId must be an integer from 1 to 4294967295, got 0');
  });
});

describe('ViewNumber', () => {
  it('starts at 0 and rejects negatives and non-integers', () => {
    expect(ViewNumber.of(0)).toBe(0);
    expect(ViewNumber.of(Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of [-1, 0.5, Number.MAX_SAFE_INTEGER + 1])
      expectInvalidId(() => ViewNumber.of(bad));
  });
});

describe('positions (Offset, LogPosition)', () => {
  for (const [name, brand] of Object.entries({ Offset, LogPosition })) {
    it(`${name} accepts bigint and number, from 0 to 2^63-1, as bigint`, () => {
      expect(brand.of(0)).toBe(0n);
      expect(brand.of(0n)).toBe(0n);
      expect(brand.of(42)).toBe(42n);
      expect(brand.of(Number.MAX_SAFE_INTEGER)).toBe(BigInt(Number.MAX_SAFE_INTEGER));
      expect(brand.of(LIMITS.positionMax)).toBe((1n << 63n) - 1n);
      expect(brand.is(5n)).toBe(true);
    });

    it(`${name} rejects negatives, non-integers and values past 2^63-1`, () => {
      for (const bad of [-1, -1n, 0.5, Number.NaN, LIMITS.positionMax + 1n, 1n << 64n]) {
        expectInvalidId(() => brand.of(bad));
      }
      for (const bad of [-1n, 5, '5', LIMITS.positionMax + 1n]) {
        expect(brand.is(bad), String(bad)).toBe(false);
      }
    });
  }
});

describe('brands at compile time', () => {
  it('keeps a TenantId from standing in for a StreamId or a plain number from a TenantId', () => {
    const tenant = TenantId.of(1);
    const useStream = (stream: StreamId): number => stream;
    // @ts-expect-error a TenantId is not a StreamId
    useStream(tenant);
    // @ts-expect-error a plain number is not a StreamId
    useStream(1);
    const useOffset = (offset: Offset): bigint => offset;
    // @ts-expect-error a LogPosition is not an Offset
    useOffset(LogPosition.of(1));
    expect(useStream(StreamId.of(3))).toBe(3);
  });
});
