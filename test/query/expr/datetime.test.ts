import { describe, expect, it } from 'vitest';
import {
  civilFromDays,
  dateTrunc,
  daysFromCivil,
  extractFromDate,
  extractFromTimestamp,
  formatTimestampText,
  parseTimestampText,
} from '../../../ts/query/expr/datetime.js';
import { formatDecimal } from '../../../ts/query/expr/decimal.js';

const JAN_15_2026 = 20468; // a Thursday
const TS = 1_768_473_045_250_000n; // 2026-01-15 10:30:45.25

describe('calendar arithmetic', () => {
  it('round-trips days through the civil calendar across eras and leap years', () => {
    for (const days of [-719468, -141428, -1, 0, 59, 11016, 19782, 2932896]) {
      const { year, month, day } = civilFromDays(days);
      expect(daysFromCivil(year, month, day)).toBe(days);
    }
    expect(civilFromDays(0)).toEqual({ year: 1970, month: 1, day: 1 });
    expect(civilFromDays(11016)).toEqual({ year: 2000, month: 2, day: 29 });
    expect(daysFromCivil(1, 1, 1)).toBe(-719162);
  });

  it('prints and parses timestamps with microsecond fractions', () => {
    expect(formatTimestampText(TS)).toBe('2026-01-15 10:30:45.25');
    expect(formatTimestampText(-1n)).toBe('1969-12-31 23:59:59.999999');
    expect(parseTimestampText('2026-01-15 10:30:45.25')).toBe(TS);
    expect(parseTimestampText('2026-01-15T05:00:45.25-05:30')).toBe(TS);
    expect(parseTimestampText('2026-01-15 25:00')).toBeUndefined();
    expect(parseTimestampText('15/01/2026')).toBeUndefined();
  });
});

describe('EXTRACT', () => {
  const fromDate = (field: string, days = JAN_15_2026): string =>
    formatDecimal(extractFromDate(field, days));
  const fromTs = (field: string, micros = TS): string =>
    formatDecimal(extractFromTimestamp(field, micros));

  it('takes calendar fields from dates', () => {
    expect(fromDate('year')).toBe('2026');
    expect(fromDate('month')).toBe('1');
    expect(fromDate('day')).toBe('15');
    expect(fromDate('dow')).toBe('4');
    expect(fromDate('isodow')).toBe('4');
    expect(fromDate('doy')).toBe('15');
    expect(fromDate('quarter')).toBe('1');
    expect(fromDate('week')).toBe('3');
    expect(fromDate('epoch')).toBe('1768435200');
    expect(fromDate('century')).toBe('21');
    expect(fromDate('millennium')).toBe('3');
    expect(fromDate('decade')).toBe('202');
  });

  it('numbers ISO weeks across year boundaries', () => {
    // 2027-01-01 is a Friday: it belongs to week 53 of ISO year 2026.
    const jan1 = daysFromCivil(2027, 1, 1);
    expect(fromDate('week', jan1)).toBe('53');
    expect(fromDate('isoyear', jan1)).toBe('2026');
    // 2024-12-30 is a Monday: week 1 of ISO year 2025.
    expect(fromDate('week', daysFromCivil(2024, 12, 30))).toBe('1');
    expect(fromDate('dow', daysFromCivil(2024, 12, 29))).toBe('0');
    expect(fromDate('isodow', daysFromCivil(2024, 12, 29))).toBe('7');
  });

  it('takes time fields from timestamps, seconds with microseconds', () => {
    expect(fromTs('hour')).toBe('10');
    expect(fromTs('minute')).toBe('30');
    expect(fromTs('second')).toBe('45.250000');
    expect(fromTs('milliseconds')).toBe('45250.000');
    expect(fromTs('microseconds')).toBe('45250000');
    expect(fromTs('epoch')).toBe('1768473045.250000');
    expect(fromTs('day')).toBe('15');
    expect(fromTs('hour', -1n)).toBe('23');
  });

  it('refuses unknown fields', () => {
    expect(() => extractFromTimestamp('fortnight', TS)).toThrow(
      expect.objectContaining({ code: 'NOT_SUPPORTED' }),
    );
  });
});

describe('date_trunc', () => {
  const trunc = (unit: string, micros = TS): string => formatTimestampText(dateTrunc(unit, micros));

  it('floors to each unit', () => {
    expect(trunc('second')).toBe('2026-01-15 10:30:45');
    expect(trunc('minute')).toBe('2026-01-15 10:30:00');
    expect(trunc('hour')).toBe('2026-01-15 10:00:00');
    expect(trunc('day')).toBe('2026-01-15 00:00:00');
    expect(trunc('week')).toBe('2026-01-12 00:00:00');
    expect(trunc('month')).toBe('2026-01-01 00:00:00');
    expect(trunc('quarter')).toBe('2026-01-01 00:00:00');
    expect(trunc('year')).toBe('2026-01-01 00:00:00');
    expect(trunc('decade')).toBe('2020-01-01 00:00:00');
    expect(trunc('century')).toBe('2001-01-01 00:00:00');
    expect(trunc('hour', -1n)).toBe('1969-12-31 23:00:00');
  });

  it('refuses unknown units', () => {
    expect(() => dateTrunc('fortnight', TS)).toThrow(
      expect.objectContaining({ code: 'INVALID_VALUE' }),
    );
  });
});
