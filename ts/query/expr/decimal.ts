/**
 * Exact decimal arithmetic on `(unscaled, scale)` pairs, as PostgreSQL's `numeric` computes.
 *
 * Result scales (the number of digits after the point), PostgreSQL's rules:
 * - `a + b`, `a - b`, `a % b`: max(scale a, scale b);
 * - `a * b`: scale a + scale b (exact);
 * - `a / b`: at least 16 significant digits, and never fewer than either operand's scale.
 *   The scale is chosen from the operands' magnitudes the way PostgreSQL's `select_div_scale`
 *   does (in base-10000 digit groups), so `1 / 3` is `0.33333333333333333333` and `10 / 3` is
 *   `3.3333333333333333`; the quotient is rounded half away from zero at that scale.
 *
 * Computed decimals have the static type `{ kind: 'decimal', precision: 1000, scale }` (the
 * unconstrained `numeric`): each value keeps its own scale, which may exceed the type's. A
 * value may have at most `DECIMAL_DIGITS_MAX` digits before and after the point; past that
 * arithmetic fails with NUMERIC_OVERFLOW rather than growing without bound.
 */
import { ErrorCode, KimberliteError } from '../../types/index.js';

export interface Decimal {
  readonly unscaled: bigint;
  readonly scale: number;
}

/** The precision that marks a computed, unconstrained decimal type. */
export const DECIMAL_UNCONSTRAINED_PRECISION = 1000;
/** Digits allowed on each side of the point in a computed decimal (PostgreSQL allows
 * 131072 before; 1000 keeps bigint work bounded and is far past any real quantity). */
export const DECIMAL_DIGITS_MAX = 1000;
/** Significant digits a quotient gets at least (PostgreSQL's NUMERIC_MIN_SIG_DIGITS). */
const DIVISION_DIGITS_MIN = 16;

const POWERS: bigint[] = [1n];

/** 10^n as a bigint, for 0 <= n. */
export function pow10(n: number): bigint {
  if (n < POWERS.length) return POWERS[n] as bigint;
  let value = POWERS[POWERS.length - 1] as bigint;
  for (let i = POWERS.length; i <= n; i++) {
    value *= 10n;
    if (i <= 2 * DECIMAL_DIGITS_MAX + 8) POWERS.push(value);
  }
  return value;
}

export function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

/** The number of decimal digits of |n| (1 for zero). */
export function digitCount(n: bigint): number {
  return abs(n).toString().length;
}

/** `n / divisor` rounded half away from zero (divisor > 0). */
export function divRoundHalfAway(n: bigint, divisor: bigint): bigint {
  const quotient = n / divisor;
  const remainder = n % divisor;
  if (2n * abs(remainder) >= divisor) return quotient + (n < 0n ? -1n : 1n);
  return quotient;
}

/** `d` at `scale` digits after the point, rounding half away from zero when it drops digits. */
export function rescale(d: Decimal, scale: number): Decimal {
  if (scale === d.scale) return d;
  if (scale > d.scale) return { unscaled: d.unscaled * pow10(scale - d.scale), scale };
  return { unscaled: divRoundHalfAway(d.unscaled, pow10(d.scale - scale)), scale };
}

/** `d` truncated toward zero at `scale` digits (scale <= d.scale). */
export function truncate(d: Decimal, scale: number): Decimal {
  if (scale >= d.scale) return rescale(d, scale);
  return { unscaled: d.unscaled / pow10(d.scale - scale), scale };
}

/** Throws NUMERIC_OVERFLOW when `d` is past the computed-decimal bounds. */
export function checkBounds(d: Decimal): Decimal {
  if (d.scale > DECIMAL_DIGITS_MAX || digitCount(d.unscaled) - d.scale > DECIMAL_DIGITS_MAX) {
    throw new KimberliteError(
      ErrorCode.NumericOverflow,
      `numeric value out of range: more than ${DECIMAL_DIGITS_MAX} digits`,
    );
  }
  return d;
}

export function addDecimal(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return checkBounds({
    unscaled: rescale(a, scale).unscaled + rescale(b, scale).unscaled,
    scale,
  });
}

export function negateDecimal(a: Decimal): Decimal {
  return { unscaled: -a.unscaled, scale: a.scale };
}

export function subDecimal(a: Decimal, b: Decimal): Decimal {
  return addDecimal(a, negateDecimal(b));
}

export function mulDecimal(a: Decimal, b: Decimal): Decimal {
  return checkBounds({ unscaled: a.unscaled * b.unscaled, scale: a.scale + b.scale });
}

function divisionByZero(): KimberliteError {
  return new KimberliteError(ErrorCode.DivisionByZero, 'division by zero');
}

/** The weight (base-10000 position) and first base-10000 digit group of a nonzero decimal. */
function weightAndFirstGroup(d: Decimal): { weight: number; first: bigint } {
  if (d.unscaled === 0n) return { weight: 0, first: 0n };
  const magnitude = abs(d.unscaled);
  const leading = digitCount(magnitude) - 1 - d.scale;
  const weight = Math.floor(leading / 4);
  const shift = d.scale + 4 * weight;
  const first = shift >= 0 ? magnitude / pow10(shift) : magnitude * pow10(-shift);
  return { weight, first };
}

/** The scale PostgreSQL gives `a / b` (see the file comment). */
export function divisionScale(a: Decimal, b: Decimal): number {
  const left = weightAndFirstGroup(a);
  const right = weightAndFirstGroup(b);
  let weight = left.weight - right.weight;
  if (left.first <= right.first) weight--;
  const scale = Math.max(DIVISION_DIGITS_MIN - weight * 4, a.scale, b.scale, 0);
  return Math.min(scale, DECIMAL_DIGITS_MAX);
}

/** `a / b` at `scale` digits, rounded half away from zero. */
export function divideAtScale(a: Decimal, b: Decimal, scale: number): Decimal {
  if (b.unscaled === 0n) throw divisionByZero();
  // a/b = (ua / 10^sa) / (ub / 10^sb); scaled by 10^scale: ua * 10^(scale + sb - sa) / ub.
  const shift = scale + b.scale - a.scale;
  let numerator = a.unscaled;
  let denominator = b.unscaled;
  if (shift >= 0) numerator *= pow10(shift);
  else denominator *= pow10(-shift);
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  return checkBounds({ unscaled: divRoundHalfAway(numerator, denominator), scale });
}

export function divDecimal(a: Decimal, b: Decimal): Decimal {
  if (b.unscaled === 0n) throw divisionByZero();
  return divideAtScale(a, b, divisionScale(a, b));
}

/** The remainder of truncating division, with the dividend's sign, as PostgreSQL's `mod`. */
export function modDecimal(a: Decimal, b: Decimal): Decimal {
  if (b.unscaled === 0n) throw divisionByZero();
  const scale = Math.max(a.scale, b.scale);
  return { unscaled: rescale(a, scale).unscaled % rescale(b, scale).unscaled, scale };
}

export function compareDecimal(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const left = rescale(a, scale).unscaled;
  const right = rescale(b, scale).unscaled;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** `d` without trailing fractional zeros: the canonical form of its number. */
export function normalizeDecimal(d: Decimal): Decimal {
  let { unscaled, scale } = d;
  while (scale > 0 && unscaled % 10n === 0n) {
    unscaled /= 10n;
    scale--;
  }
  return { unscaled, scale };
}

/** `12.50`, `-0.05`, `7`: digits as stored, never exponent notation. */
export function formatDecimal(d: Decimal): string {
  const negative = d.unscaled < 0n;
  const digits = abs(d.unscaled)
    .toString()
    .padStart(d.scale + 1, '0');
  const body = d.scale === 0 ? digits : `${digits.slice(0, -d.scale)}.${digits.slice(-d.scale)}`;
  return negative ? `-${body}` : body;
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d{1,6}))?$/i;

/** The decimal `text` spells (`12.5`, `-.5`, `1e3`, `1.5E-2`), or undefined. The scale is the
 * digits written after the point, adjusted by the exponent, as PostgreSQL reads numerics. */
export function parseDecimal(text: string): Decimal | undefined {
  const match = DECIMAL_TEXT.exec(text.trim());
  if (match === null) return undefined;
  const [, sign, whole = '', fraction = ''] = match;
  if (whole === '' && fraction === '') return undefined;
  const exponent = Number(match[4] ?? '0');
  if (Math.abs(exponent) > DECIMAL_DIGITS_MAX) return undefined;
  let unscaled = BigInt(`${whole}${fraction}` || '0');
  let scale = fraction.length - exponent;
  if (scale < 0) {
    unscaled *= pow10(-scale);
    scale = 0;
  }
  return { unscaled: sign === '-' ? -unscaled : unscaled, scale };
}

/** The decimal a finite double prints as (its shortest round-trip form), PostgreSQL's
 * float-to-numeric conversion. */
export function decimalFromFloat(value: number): Decimal | undefined {
  if (!Number.isFinite(value)) return undefined;
  return parseDecimal(String(value));
}

/** The nearest double to `d`. */
export function decimalToFloat(d: Decimal): number {
  return Number(formatDecimal(d));
}

/** Largest integer <= d, at scale 0. */
export function floorDecimal(d: Decimal): Decimal {
  const truncated = truncate(d, 0);
  const exact = rescale(truncated, d.scale).unscaled === d.unscaled;
  return exact || d.unscaled >= 0n ? truncated : { unscaled: truncated.unscaled - 1n, scale: 0 };
}

/** Smallest integer >= d, at scale 0. */
export function ceilDecimal(d: Decimal): Decimal {
  return negateDecimal(floorDecimal(negateDecimal(d)));
}
