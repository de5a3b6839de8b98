/**
 * Dates and timestamps: calendar arithmetic (proleptic Gregorian, computed, never through the
 * host's `Date`, so results do not depend on the platform), text input and output in
 * PostgreSQL's formats, EXTRACT and date_trunc.
 *
 * Dates are days since 1970-01-01; timestamps are microseconds since 1970-01-01T00:00:00 UTC.
 * Text output is PostgreSQL's `timestamp` style: `2026-01-15 10:30:00.5` (fraction without
 * trailing zeros, no zone). Text input accepts `YYYY-MM-DD`, optionally followed by
 * `[ T]HH:MM[:SS[.ffffff]]` and a zone (`Z`, `+02`, `+02:00`, `-0530`), which is applied.
 */
import { ErrorCode, KimberliteError } from '../../types/index.js';
import type { Decimal } from './decimal.js';

export const MICROS_PER_SECOND = 1_000_000n;
export const MICROS_PER_DAY = 86_400_000_000n;

export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const shiftedMonth = (month + 9) % 12;
  const dayOfYear = Math.floor((153 * shiftedMonth + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** The calendar date of a day number (the inverse of `daysFromCivil`). */
export function civilFromDays(days: number): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36524) -
      Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

/** The day number of a date that exists, else undefined (`2026-02-30`). */
function validDays(year: number, month: number, day: number): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const days = daysFromCivil(year, month, day);
  const back = civilFromDays(days);
  return back.month === month && back.day === day ? days : undefined;
}

/** Splits a timestamp into its day number and microseconds into that day. */
export function splitTimestamp(micros: bigint): { days: number; time: bigint } {
  let days = micros / MICROS_PER_DAY;
  let time = micros % MICROS_PER_DAY;
  if (time < 0n) {
    time += MICROS_PER_DAY;
    days -= 1n;
  }
  return { days: Number(days), time };
}

const DATETIME_TEXT = new RegExp(
  [
    '^(\\d{4,6})-(\\d{1,2})-(\\d{1,2})', // date
    '(?:[T ]+(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d+))?)?)?', // time of day
    '\\s*(Z|UTC|[+-]\\d{2}(?::?\\d{2})?)?$', // zone
  ].join(''),
  'i',
);

interface ParsedDateTime {
  readonly days: number;
  /** Microseconds into the day, before the zone is applied. */
  readonly time: bigint;
  readonly offsetMinutes: number;
}

function zoneMinutes(zone: string | undefined): number {
  if (zone === undefined || /^(z|utc)$/i.test(zone)) return 0;
  const digits = zone.replace(':', '');
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5) || '0');
  return digits[0] === '-' ? -minutes : minutes;
}

function fractionMicros(fraction: string | undefined): bigint {
  if (fraction === undefined) return 0n;
  const micros = BigInt(fraction.padEnd(7, '0').slice(0, 6));
  return fraction.length > 6 && Number(fraction[6]) >= 5 ? micros + 1n : micros;
}

function parseDateTime(text: string): ParsedDateTime | undefined {
  const match = DATETIME_TEXT.exec(text.trim());
  if (match === null) return undefined;
  const days = validDays(Number(match[1]), Number(match[2]), Number(match[3]));
  const [hour, minute, second] = [
    Number(match[4] ?? 0),
    Number(match[5] ?? 0),
    Number(match[6] ?? 0),
  ];
  if (days === undefined || hour > 24 || minute > 59 || second > 59) return undefined;
  const seconds = BigInt(hour * 3600 + minute * 60 + second);
  const time = seconds * MICROS_PER_SECOND + fractionMicros(match[7]);
  if (time > MICROS_PER_DAY) return undefined;
  return { days, time, offsetMinutes: zoneMinutes(match[8]) };
}

/** Days since the epoch of date text (a time part, if any, is ignored as PostgreSQL does). */
export function parseDateText(text: string): number | undefined {
  return parseDateTime(text)?.days;
}

/** Microseconds since the epoch, UTC, of timestamp text (a date alone is its midnight). */
export function parseTimestampText(text: string): bigint | undefined {
  const parsed = parseDateTime(text);
  if (parsed === undefined) return undefined;
  const offset = BigInt(parsed.offsetMinutes) * 60n * MICROS_PER_SECOND;
  return BigInt(parsed.days) * MICROS_PER_DAY + parsed.time - offset;
}

function pad(value: number | bigint, width: number): string {
  return String(value).padStart(width, '0');
}

/** `2026-01-15`. */
export function formatDateText(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** `2026-01-15 10:30:00`, with `.5` style fractions when there are any. */
export function formatTimestampText(micros: bigint): string {
  const { days, time } = splitTimestamp(micros);
  const seconds = Number(time / MICROS_PER_SECOND);
  const fraction = time % MICROS_PER_SECOND;
  const clock = `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}`;
  const tail = fraction === 0n ? '' : `.${pad(fraction, 6).replace(/0+$/, '')}`;
  return `${formatDateText(days)} ${clock}:${pad(seconds % 60, 2)}${tail}`;
}

/** 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday). */
function dayOfWeek(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

function dayOfYear(days: number, year: number): number {
  return days - daysFromCivil(year, 1, 1) + 1;
}

/** ISO 8601 week-numbering year and week of a day. */
function isoWeek(days: number): { year: number; week: number } {
  const isoDow = dayOfWeek(days) || 7;
  const thursday = days - isoDow + 4;
  const year = civilFromDays(thursday).year;
  return { year, week: Math.floor((dayOfYear(thursday, year) - 1) / 7) + 1 };
}

function integral(value: number | bigint): Decimal {
  return { unscaled: BigInt(value), scale: 0 };
}

function notSupported(field: string, typeLabel: string): KimberliteError {
  return new KimberliteError(
    ErrorCode.NotSupported,
    `EXTRACT unit "${field}" is not supported for type ${typeLabel}`,
  );
}

const DATE_FIELDS = new Set([
  'year',
  'month',
  'day',
  'dow',
  'isodow',
  'doy',
  'quarter',
  'week',
  'isoyear',
  'decade',
  'century',
  'millennium',
  'epoch',
]);
const TIME_FIELDS = new Set([
  'hour',
  'minute',
  'second',
  'millisecond',
  'milliseconds',
  'microsecond',
  'microseconds',
]);

/** The scale of EXTRACT's numeric result: seconds keep microseconds as PostgreSQL does. */
export function extractScale(field: string, source: 'date' | 'timestamp'): number {
  if (field === 'second' || (field === 'epoch' && source === 'timestamp')) return 6;
  if (field === 'millisecond' || field === 'milliseconds') return 3;
  return 0;
}

/** Throws NOT_SUPPORTED when EXTRACT cannot take `field` from a `source`. */
export function checkExtractField(field: string, source: 'date' | 'timestamp'): void {
  if (DATE_FIELDS.has(field)) return;
  if (source === 'timestamp' && TIME_FIELDS.has(field)) return;
  throw notSupported(field, source);
}

function dateField(field: string, days: number): Decimal {
  const { year, month, day } = civilFromDays(days);
  switch (field) {
    case 'year':
      return integral(year);
    case 'month':
      return integral(month);
    case 'day':
      return integral(day);
    case 'dow':
      return integral(dayOfWeek(days));
    case 'isodow':
      return integral(dayOfWeek(days) || 7);
    case 'doy':
      return integral(dayOfYear(days, year));
    case 'quarter':
      return integral(Math.floor((month - 1) / 3) + 1);
    case 'week':
      return integral(isoWeek(days).week);
    case 'isoyear':
      return integral(isoWeek(days).year);
    case 'decade':
      return integral(Math.floor(year / 10));
    case 'century':
      return integral(year > 0 ? Math.floor((year + 99) / 100) : -Math.floor((99 - year) / 100));
    case 'millennium':
      return integral(
        year > 0 ? Math.floor((year + 999) / 1000) : -Math.floor((999 - year) / 1000),
      );
    case 'epoch':
      return integral(BigInt(days) * 86_400n);
    default:
      throw notSupported(field, 'date');
  }
}

function timeField(field: string, time: bigint): Decimal {
  const secondMicros = time % 60_000_000n;
  switch (field) {
    case 'hour':
      return integral(time / 3_600_000_000n);
    case 'minute':
      return integral((time / 60_000_000n) % 60n);
    case 'second':
      return { unscaled: secondMicros, scale: 6 };
    case 'millisecond':
    case 'milliseconds':
      return { unscaled: secondMicros, scale: 3 };
    case 'microsecond':
    case 'microseconds':
      return integral(secondMicros);
    default:
      throw notSupported(field, 'timestamp');
  }
}

/** EXTRACT(field FROM date), as a numeric. */
export function extractFromDate(field: string, days: number): Decimal {
  return dateField(field, days);
}

/** EXTRACT(field FROM timestamp), as a numeric (seconds and epoch with six decimals). */
export function extractFromTimestamp(field: string, micros: bigint): Decimal {
  if (field === 'epoch') return { unscaled: micros, scale: 6 };
  const { days, time } = splitTimestamp(micros);
  return TIME_FIELDS.has(field) ? timeField(field, time) : dateField(field, days);
}

const TRUNC_TIME_UNITS: Readonly<Record<string, bigint>> = {
  microseconds: 1n,
  microsecond: 1n,
  milliseconds: 1000n,
  millisecond: 1000n,
  second: MICROS_PER_SECOND,
  seconds: MICROS_PER_SECOND,
  minute: 60n * MICROS_PER_SECOND,
  minutes: 60n * MICROS_PER_SECOND,
  hour: 3600n * MICROS_PER_SECOND,
  hours: 3600n * MICROS_PER_SECOND,
  day: MICROS_PER_DAY,
  days: MICROS_PER_DAY,
};

function truncDays(unit: string, days: number): number | undefined {
  const { year, month } = civilFromDays(days);
  switch (unit) {
    case 'week':
      return days - ((dayOfWeek(days) + 6) % 7);
    case 'month':
      return daysFromCivil(year, month, 1);
    case 'quarter':
      return daysFromCivil(year, Math.floor((month - 1) / 3) * 3 + 1, 1);
    case 'year':
      return daysFromCivil(year, 1, 1);
    case 'decade':
      return daysFromCivil(Math.floor(year / 10) * 10, 1, 1);
    case 'century':
      return daysFromCivil(Math.floor((year - 1) / 100) * 100 + 1, 1, 1);
    case 'millennium':
      return daysFromCivil(Math.floor((year - 1) / 1000) * 1000 + 1, 1, 1);
    default:
      return undefined;
  }
}

/** Whether date_trunc knows `unit`. */
export function isTruncUnit(unit: string): boolean {
  return unit in TRUNC_TIME_UNITS || truncDays(unit, 0) !== undefined;
}

/** date_trunc(unit, timestamp): the timestamp floored to the start of its unit. Units are
 * microseconds..day, week (Monday), month, quarter, year, decade, century, millennium. */
export function dateTrunc(unit: string, micros: bigint): bigint {
  const step = TRUNC_TIME_UNITS[unit];
  if (step !== undefined) {
    const rest = ((micros % step) + step) % step;
    return micros - rest;
  }
  const days = truncDays(unit, splitTimestamp(micros).days);
  if (days === undefined) {
    throw new KimberliteError(ErrorCode.InvalidValue, `date_trunc unit "${unit}" not recognized`);
  }
  return BigInt(days) * MICROS_PER_DAY;
}
