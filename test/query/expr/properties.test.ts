/**
 * Property tests for the invariants the query engine relies on: groupKey agrees with
 * compareValues on numbers of every kind, compareValues is antisymmetric, and decimal
 * arithmetic round-trips (a + b - b = a, (a * b) / b = a at the quotient's scale).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDecimal,
  compareDecimal,
  type Decimal,
  divDecimal,
  mulDecimal,
  subDecimal,
} from '../../../ts/query/expr/decimal.js';
import { compareValues, groupKey } from '../../../ts/query/expr/index.js';
import type { SqlValue } from '../../../ts/types/index.js';
import { prngFor, SEED_NOTE } from '../../crypto/random.js';

/** Runs a property with a seed derived from the run's seed and `name`, naming the seed on
 * failure so the run replays. */
function check(name: string, property: fc.IRawProperty<unknown>, numRuns = 500): void {
  try {
    fc.assert(property, { seed: prngFor(name).u32() | 0, numRuns });
  } catch (error) {
    if (error instanceof Error) error.message = `${SEED_NOTE}: ${error.message}`;
    throw error;
  }
}

const decimal = fc
  .record({ unscaled: fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), scale: fc.nat(8) })
  .map((d): Decimal => d);

const numberValue: fc.Arbitrary<SqlValue> = fc.oneof(
  fc
    .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
    .map((value) => ({ kind: 'integer', value }) as const),
  fc
    .integer({ min: -1000, max: 1000 })
    .map((n) => ({ kind: 'integer', value: BigInt(n) }) as const),
  fc.double({ noNaN: false }).map((value) => ({ kind: 'float', value }) as const),
  fc.integer({ min: -1000, max: 1000 }).map((n) => ({ kind: 'float', value: n / 4 }) as const),
  decimal.map((d) => ({ kind: 'decimal', ...d }) as const),
);

describe('value order properties', () => {
  it('groupKey is equal exactly when compareValues says equal', () => {
    check(
      'groupKey agrees with compareValues',
      fc.property(numberValue, numberValue, (a, b) => {
        expect(groupKey([a]) === groupKey([b])).toBe(compareValues(a, b) === 0);
      }),
      2000,
    );
  });

  it('compareValues is antisymmetric and transitive on numbers', () => {
    check(
      'compareValues is a total order',
      fc.property(numberValue, numberValue, numberValue, (a, b, c) => {
        expect(Math.sign(compareValues(a, b)) + Math.sign(compareValues(b, a))).toBe(0);
        if (compareValues(a, b) <= 0 && compareValues(b, c) <= 0) {
          expect(compareValues(a, c)).toBeLessThanOrEqual(0);
        }
      }),
      2000,
    );
  });
});

describe('decimal arithmetic properties', () => {
  it('subtracting what was added gives the number back', () => {
    check(
      'add then subtract',
      fc.property(decimal, decimal, (a, b) => {
        expect(compareDecimal(subDecimal(addDecimal(a, b), b), a)).toBe(0);
      }),
    );
  });

  it('dividing a product by a factor gives the other factor', () => {
    check(
      'multiply then divide',
      fc.property(decimal, decimal, (a, b) => {
        fc.pre(b.unscaled !== 0n);
        expect(compareDecimal(divDecimal(mulDecimal(a, b), b), a)).toBe(0);
      }),
    );
  });
});
