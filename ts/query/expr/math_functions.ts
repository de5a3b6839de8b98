/**
 * Numeric functions: abs (at the argument type, so abs of the minimum integer overflows),
 * round / trunc (numeric exact, half away from zero, negative places allowed; double rounds
 * half to even as PostgreSQL's rint), ceil / floor, sign, and power, sqrt, exp and logarithms
 * in double precision with PostgreSQL's domain errors.
 *
 * Where Kimberlite differs from PostgreSQL: power and sqrt of a numeric compute in double
 * precision; round, trunc, ceil and floor of an integer give a numeric; round(double, n) is
 * accepted and computes in numeric.
 */
import type { ColumnType, SqlValue } from '../../types/index.js';
import type { SqlType } from '../types.js';
import { checkFloat, negate } from './arithmetic.js';
import { BIGINT, DOUBLE, numericType } from './coercion.js';
import {
  ceilDecimal,
  DECIMAL_DIGITS_MAX,
  type Decimal,
  floorDecimal,
  pow10,
  rescale,
  truncate,
} from './decimal.js';
import {
  float,
  int,
  invalid,
  isIntegerish,
  isNumberish,
  type ScalarFunction,
  strict,
} from './function_kit.js';

function numericArg(t: SqlType): SqlType {
  if (t.kind === 'unknown') return numericType(0);
  if (t.kind === 'smallint' || t.kind === 'integer' || t.kind === 'bigint') return numericType(0);
  return t;
}

function decimalValue(v: SqlValue): Decimal {
  return v.kind === 'decimal' ? v : { unscaled: 0n, scale: 0 };
}

function decimalResult(d: Decimal): SqlValue {
  return { kind: 'decimal', unscaled: d.unscaled, scale: d.scale };
}

/** rint: round half to even, as PostgreSQL's round(double precision). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** round / ceil / floor / trunc: numeric exact, double in floating point. */
function roundingFunction(
  name: string,
  exact: (d: Decimal, places: number) => Decimal,
  approximate: (x: number) => number,
): ScalarFunction {
  // round and trunc take a number of places; ceil and floor do not.
  const placesAllowed = name === 'round' || name === 'trunc';
  return {
    accepts: `${name}(numeric${placesAllowed ? '[, integer]' : ''}), ${name}(double precision)`,
    resolve: (args) => {
      const [x, places] = args;
      if (x === undefined || args.length > (placesAllowed ? 2 : 1) || !isNumberish(x)) {
        return undefined;
      }
      if (places !== undefined && !isIntegerish(places)) return undefined;
      if (args.length === 1 && (x.kind === 'real' || x.kind === 'double')) {
        return strict(DOUBLE, [DOUBLE], ([v]) => ({
          kind: 'float',
          value: approximate(float(v as SqlValue)),
        }));
      }
      const argType = x.kind === 'real' || x.kind === 'double' ? numericType(0) : numericArg(x);
      const types = places === undefined ? [argType] : [argType, BIGINT];
      return strict(numericType(0), types, ([v, n]) =>
        decimalResult(exact(decimalValue(v as SqlValue), n === undefined ? 0 : Number(int(n)))),
      );
    },
  };
}

/** `d` rounded (or truncated) at `places` digits after the point; negative places round to
 * tens, hundreds...; the result keeps max(places, 0) digits. */
function atPlaces(d: Decimal, places: number, round: boolean): Decimal {
  const bounded = Math.max(-DECIMAL_DIGITS_MAX, Math.min(DECIMAL_DIGITS_MAX, places));
  const cut = (x: Decimal, scale: number): Decimal =>
    round ? rescale(x, scale) : truncate(x, scale);
  if (bounded >= 0) return cut(d, bounded);
  // Negative places: divide by 10^-places (a scale shift), cut to an integer, multiply back.
  const shifted = { unscaled: d.unscaled, scale: d.scale - bounded };
  return { unscaled: cut(shifted, 0).unscaled * pow10(-bounded), scale: 0 };
}

const absFunction: ScalarFunction = {
  accepts: 'abs(numeric), abs(integer), abs(double precision)',
  resolve: (args) => {
    const [x] = args;
    if (x === undefined || args.length !== 1 || !isNumberish(x)) return undefined;
    const type = (x.kind === 'unknown' ? numericType(0) : x) as ColumnType;
    const negative = negate(type);
    return strict(type, [type], ([v]) => {
      const value = v as SqlValue;
      const isNegative =
        (value.kind === 'integer' && value.value < 0n) ||
        (value.kind === 'decimal' && value.unscaled < 0n) ||
        (value.kind === 'float' && (value.value < 0 || Object.is(value.value, -0)));
      return isNegative ? negative(value) : value;
    });
  },
};

function floatFunction(
  name: string,
  arity: number,
  fn: (args: readonly number[]) => number,
): ScalarFunction {
  return {
    accepts: `${name}(${Array(arity).fill('double precision').join(', ')})`,
    resolve: (args) =>
      args.length === arity && args.every(isNumberish)
        ? strict(
            DOUBLE,
            args.map(() => DOUBLE),
            (values) => ({
              kind: 'float',
              value: fn(values.map(float)),
            }),
          )
        : undefined,
  };
}

function power([base = 0, exponent = 0]: readonly number[]): number {
  if (base === 0 && exponent < 0) throw invalid('zero raised to a negative power is undefined');
  if (base < 0 && !Number.isInteger(exponent)) {
    throw invalid('a negative number raised to a non-integer power yields a complex result');
  }
  return checkFloat(base ** exponent, base, exponent);
}

function sqrt([x = 0]: readonly number[]): number {
  if (x < 0) throw invalid('cannot take square root of a negative number');
  return Math.sqrt(x);
}

const signFunction: ScalarFunction = {
  accepts: 'sign(numeric), sign(double precision)',
  resolve: (args) => {
    const [x] = args;
    if (x === undefined || args.length !== 1 || !isNumberish(x)) return undefined;
    if (x.kind === 'real' || x.kind === 'double') {
      return strict(DOUBLE, [DOUBLE], ([v]) => ({
        kind: 'float',
        value: Math.sign(float(v as SqlValue)),
      }));
    }
    return strict(numericType(0), [numericArg(x)], ([v]) => {
      const unscaled = decimalValue(v as SqlValue).unscaled;
      return decimalResult({ unscaled: unscaled > 0n ? 1n : unscaled < 0n ? -1n : 0n, scale: 0 });
    });
  },
};

function logarithm(base: number): (args: readonly number[]) => number {
  return ([x = 0]) => {
    if (x === 0) throw invalid('cannot take logarithm of zero');
    if (x < 0) throw invalid('cannot take logarithm of a negative number');
    return base === Math.E
      ? Math.log(x)
      : base === 10
        ? Math.log10(x)
        : Math.log(x) / Math.log(base);
  };
}

function exp([x = 0]: readonly number[]): number {
  return checkFloat(Math.exp(x), x, x);
}

function roundExact(d: Decimal, places: number): Decimal {
  return atPlaces(d, places, true);
}

function truncExact(d: Decimal, places: number): Decimal {
  return atPlaces(d, places, false);
}

export const MATH_FUNCTIONS: readonly (readonly [string, ScalarFunction])[] = [
  ['abs', absFunction],
  ['round', roundingFunction('round', roundExact, roundHalfEven)],
  ['trunc', roundingFunction('trunc', truncExact, Math.trunc)],
  ['ceil', roundingFunction('ceil', (d) => ceilDecimal(d), Math.ceil)],
  ['ceiling', roundingFunction('ceiling', (d) => ceilDecimal(d), Math.ceil)],
  ['floor', roundingFunction('floor', (d) => floorDecimal(d), Math.floor)],
  ['power', floatFunction('power', 2, power)],
  ['pow', floatFunction('pow', 2, power)],
  ['sqrt', floatFunction('sqrt', 1, sqrt)],
  ['sign', signFunction],
  ['exp', floatFunction('exp', 1, exp)],
  ['ln', floatFunction('ln', 1, logarithm(Math.E))],
  ['log10', floatFunction('log10', 1, logarithm(10))],
  ['log', floatFunction('log', 1, logarithm(10))],
  ['pi', floatFunction('pi', 0, () => Math.PI)],
];
