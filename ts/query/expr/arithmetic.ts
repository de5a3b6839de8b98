/**
 * The arithmetic operators `+ - * / %` on numbers, as PostgreSQL computes them:
 *
 * - integers compute at the wider operand's width and overflow there (`int4 + int4` fails past
 *   2^31 - 1 with `integer out of range`); division truncates toward zero, `%` takes the
 *   dividend's sign;
 * - numerics are exact (decimal.ts gives the result scales);
 * - with a real or double operand the operation is in double precision; a finite operation
 *   that overflows to infinity is NUMERIC_OVERFLOW;
 * - division or modulo by zero is DIVISION_BY_ZERO for every kind.
 *
 * Plus date arithmetic: `date + integer` and `date - integer` give a date, `date - date` the
 * number of days between them.
 *
 * The compiler converts both operands to the result's kind first, so each operation here sees
 * two non-null values of one kind.
 */
import type { ColumnType, SqlValue } from '../../types/index.js';
import { assert, ErrorCode, KimberliteError } from '../../types/index.js';
import { checkIntegerRange } from './cast.js';
import {
  addDecimal,
  type Decimal,
  divDecimal,
  modDecimal,
  mulDecimal,
  subDecimal,
} from './decimal.js';

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%';
export type BinaryFn = (left: SqlValue, right: SqlValue) => SqlValue;

type IntegerKind = 'smallint' | 'integer' | 'bigint';

function divisionByZero(): KimberliteError {
  return new KimberliteError(ErrorCode.DivisionByZero, 'division by zero');
}

function integerOp(op: ArithmeticOp, a: bigint, b: bigint): bigint {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      if (b === 0n) throw divisionByZero();
      return a / b;
    case '%':
      if (b === 0n) throw divisionByZero();
      return a % b;
  }
}

function floatOp(op: ArithmeticOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      if (b === 0) throw divisionByZero();
      return a / b;
    case '%':
      if (b === 0) throw divisionByZero();
      return a % b;
  }
}

function decimalOp(op: ArithmeticOp, a: Decimal, b: Decimal): Decimal {
  switch (op) {
    case '+':
      return addDecimal(a, b);
    case '-':
      return subDecimal(a, b);
    case '*':
      return mulDecimal(a, b);
    case '/':
      return divDecimal(a, b);
    case '%':
      return modDecimal(a, b);
  }
}

function integerValue(v: SqlValue): bigint {
  assert(v.kind === 'integer', `arithmetic expected an integer, got ${v.kind}`);
  return v.value;
}

function floatValue(v: SqlValue): number {
  assert(v.kind === 'float', `arithmetic expected a float, got ${v.kind}`);
  return v.value;
}

function decimalValue(v: SqlValue): Decimal {
  assert(v.kind === 'decimal', `arithmetic expected a decimal, got ${v.kind}`);
  return v;
}

/** Checks a double result: infinity out of finite operands is an overflow. */
export function checkFloat(result: number, a: number, b: number): number {
  if (!Number.isFinite(result) && Number.isFinite(a) && Number.isFinite(b)) {
    throw new KimberliteError(
      ErrorCode.NumericOverflow,
      'value out of range for double precision: overflow',
    );
  }
  return result;
}

/**
 * The operation on two values of the result type's kind (integer kinds, real/double,
 * decimal).
 *
 * @example
 * numericOperation('+', { kind: 'integer' })(int(2147483647n), int(1n)); // NUMERIC_OVERFLOW
 */
export function numericOperation(op: ArithmeticOp, type: ColumnType): BinaryFn {
  switch (type.kind) {
    case 'smallint':
    case 'integer':
    case 'bigint': {
      const kind: IntegerKind = type.kind;
      return (a, b) => ({
        kind: 'integer',
        value: checkIntegerRange(integerOp(op, integerValue(a), integerValue(b)), kind),
      });
    }
    case 'real':
    case 'double':
      return (a, b) => {
        const [x, y] = [floatValue(a), floatValue(b)];
        return { kind: 'float', value: checkFloat(floatOp(op, x, y), x, y) };
      };
    case 'decimal':
      return (a, b) => {
        const result = decimalOp(op, decimalValue(a), decimalValue(b));
        return { kind: 'decimal', unscaled: result.unscaled, scale: result.scale };
      };
    default:
      throw new KimberliteError(ErrorCode.TypeMismatch, `${type.kind} is not a number type`);
  }
}

/** Negation at the operand's width: `-(-2147483648)` overflows an integer. */
export function negate(type: ColumnType): (v: SqlValue) => SqlValue {
  switch (type.kind) {
    case 'smallint':
    case 'integer':
    case 'bigint': {
      const kind: IntegerKind = type.kind;
      return (v) => ({ kind: 'integer', value: checkIntegerRange(-integerValue(v), kind) });
    }
    case 'real':
    case 'double':
      return (v) => ({ kind: 'float', value: -floatValue(v) });
    case 'decimal':
      return (v) => {
        const d = decimalValue(v);
        return { kind: 'decimal', unscaled: -d.unscaled, scale: d.scale };
      };
    default:
      throw new KimberliteError(ErrorCode.TypeMismatch, `${type.kind} is not a number type`);
  }
}

/** Dates stay within PostgreSQL's range of years (4713 BC to 5874897 AD), roughly. */
const DATE_DAYS_MAX = 2_147_483_647 - 2_440_588;

function checkDate(days: bigint): SqlValue {
  if (days > BigInt(DATE_DAYS_MAX) || days < -2_440_588n) {
    throw new KimberliteError(ErrorCode.NumericOverflow, 'date out of range');
  }
  return { kind: 'date', value: Number(days) };
}

/** `date + integer`, `integer + date`, `date - integer`, `date - date`, or undefined. */
export function dateOperation(
  op: ArithmeticOp,
  left: ColumnType,
  right: ColumnType,
): { type: ColumnType; fn: BinaryFn } | undefined {
  const isInt = (t: ColumnType): boolean =>
    t.kind === 'smallint' || t.kind === 'integer' || t.kind === 'bigint';
  const days = (v: SqlValue): bigint => {
    assert(v.kind === 'date' || v.kind === 'integer', `date arithmetic got ${v.kind}`);
    return BigInt(v.value);
  };
  const date: ColumnType = { kind: 'date' };
  if (op === '+' && left.kind === 'date' && isInt(right)) {
    return { type: date, fn: (a, b) => checkDate(days(a) + days(b)) };
  }
  if (op === '+' && isInt(left) && right.kind === 'date') {
    return { type: date, fn: (a, b) => checkDate(days(a) + days(b)) };
  }
  if (op === '-' && left.kind === 'date' && isInt(right)) {
    return { type: date, fn: (a, b) => checkDate(days(a) - days(b)) };
  }
  if (op === '-' && left.kind === 'date' && right.kind === 'date') {
    return {
      type: { kind: 'integer' },
      fn: (a, b) => ({ kind: 'integer', value: days(a) - days(b) }),
    };
  }
  return undefined;
}
