import { describe, expect, it } from 'vitest';
import {
  addDecimal,
  ceilDecimal,
  checkBounds,
  compareDecimal,
  type Decimal,
  divDecimal,
  divisionScale,
  floorDecimal,
  formatDecimal,
  modDecimal,
  mulDecimal,
  normalizeDecimal,
  parseDecimal,
  rescale,
  subDecimal,
} from '../../../ts/query/expr/decimal.js';

function d(text: string): Decimal {
  const parsed = parseDecimal(text);
  if (parsed === undefined) throw new Error(`bad decimal ${text}`);
  return parsed;
}

function f(value: Decimal): string {
  return formatDecimal(value);
}

describe('decimal arithmetic', () => {
  it('adds and subtracts at the larger scale', () => {
    expect(f(addDecimal(d('1.5'), d('2.25')))).toBe('3.75');
    expect(f(subDecimal(d('1'), d('0.001')))).toBe('0.999');
    expect(f(addDecimal(d('-1.50'), d('1.5')))).toBe('0.00');
  });

  it('multiplies exactly with the sum of the scales', () => {
    expect(f(mulDecimal(d('1.5'), d('1.25')))).toBe('1.875');
    expect(f(mulDecimal(d('0.10'), d('0.10')))).toBe('0.0100');
    expect(f(mulDecimal(d('-3'), d('0.5')))).toBe('-1.5');
  });

  it('divides with at least 16 significant digits as PostgreSQL chooses them', () => {
    expect(f(divDecimal(d('1'), d('3')))).toBe('0.33333333333333333333');
    expect(f(divDecimal(d('2'), d('3')))).toBe('0.66666666666666666667');
    expect(f(divDecimal(d('10'), d('3')))).toBe('3.3333333333333333');
    expect(f(divDecimal(d('10'), d('4')))).toBe('2.5000000000000000');
    expect(f(divDecimal(d('123456789.0'), d('3')))).toBe('41152263.000000000000');
    expect(f(divDecimal(d('-1'), d('3')))).toBe('-0.33333333333333333333');
    expect(f(divDecimal(d('1'), d('-8')))).toBe('-0.12500000000000000000');
  });

  it('keeps an operand scale larger than the computed division scale', () => {
    expect(divisionScale(d('1.00000000000000000000000'), d('1'))).toBe(23);
    // 1e-23 has its leading base-10000 group at weight -6: 16 + 24 digits.
    expect(divDecimal(d('0.000000000000000000000010'), d('1'))).toEqual({
      unscaled: 10n ** 17n,
      scale: 40,
    });
  });

  it('fails division and modulo by zero', () => {
    expect(() => divDecimal(d('1'), d('0.00'))).toThrow(
      expect.objectContaining({ code: 'DIVISION_BY_ZERO' }),
    );
    expect(() => modDecimal(d('1'), d('0'))).toThrow(
      expect.objectContaining({ code: 'DIVISION_BY_ZERO' }),
    );
  });

  it('takes the remainder with the dividend sign', () => {
    expect(f(modDecimal(d('10.5'), d('3')))).toBe('1.5');
    expect(f(modDecimal(d('-10.5'), d('3')))).toBe('-1.5');
    expect(f(modDecimal(d('7'), d('-2.5')))).toBe('2.0');
  });

  it('rounds half away from zero when dropping digits', () => {
    expect(f(rescale(d('2.5'), 0))).toBe('3');
    expect(f(rescale(d('-2.5'), 0))).toBe('-3');
    expect(f(rescale(d('2.449'), 1))).toBe('2.4');
    expect(f(rescale(d('2.45'), 1))).toBe('2.5');
    expect(f(rescale(d('1.2'), 3))).toBe('1.200');
  });

  it('floors and ceils toward the right integers', () => {
    expect(f(floorDecimal(d('-1.5')))).toBe('-2');
    expect(f(floorDecimal(d('1.5')))).toBe('1');
    expect(f(floorDecimal(d('-2.000')))).toBe('-2');
    expect(f(ceilDecimal(d('-1.5')))).toBe('-1');
    expect(f(ceilDecimal(d('1.01')))).toBe('2');
  });

  it('compares across scales', () => {
    expect(compareDecimal(d('1.0'), d('1.000'))).toBe(0);
    expect(compareDecimal(d('-0.01'), d('0'))).toBe(-1);
    expect(compareDecimal(d('10'), d('9.999'))).toBe(1);
  });

  it('parses exponents and leading points, and rejects junk', () => {
    expect(parseDecimal('1.5e3')).toEqual({ unscaled: 1500n, scale: 0 });
    expect(parseDecimal('1.5E-2')).toEqual({ unscaled: 15n, scale: 3 });
    expect(parseDecimal(' -.5 ')).toEqual({ unscaled: -5n, scale: 1 });
    expect(parseDecimal('5.')).toEqual({ unscaled: 5n, scale: 0 });
    expect(parseDecimal('abc')).toBeUndefined();
    expect(parseDecimal('.')).toBeUndefined();
    expect(parseDecimal('1e')).toBeUndefined();
  });

  it('normalizes trailing zeros away', () => {
    expect(normalizeDecimal(d('1.500'))).toEqual({ unscaled: 15n, scale: 1 });
    expect(normalizeDecimal(d('0.00'))).toEqual({ unscaled: 0n, scale: 0 });
  });

  it('refuses numbers past a thousand digits', () => {
    expect(() => checkBounds({ unscaled: 10n ** 1001n, scale: 0 })).toThrow(
      expect.objectContaining({ code: 'NUMERIC_OVERFLOW' }),
    );
    expect(() =>
      mulDecimal({ unscaled: 10n ** 600n, scale: 0 }, { unscaled: 10n ** 600n, scale: 0 }),
    ).toThrow(expect.objectContaining({ code: 'NUMERIC_OVERFLOW' }));
  });
});
