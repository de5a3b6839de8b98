/**
 * Whether a key value can be encoded for its key column. The store's key codec refuses
 * values outside a column's range (an integer key beyond 32 bits, a varchar longer than its
 * length), but such a value is a legal SQL operand: `int_col = 5000000000` is simply false.
 * So the scan decides what an unencodable value means instead of failing: no match for an
 * equality, and for a range bound either no rows or no bound at all.
 */
import type { ColumnType, SqlValue } from '../../types/index.js';

export type KeyFit = 'ok' | 'below' | 'above' | 'none';

const INTEGER_RANGES = {
  smallint: [-(2n ** 15n), 2n ** 15n - 1n],
  integer: [-(2n ** 31n), 2n ** 31n - 1n],
} as const;

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

export function keyFit(value: SqlValue, type: ColumnType): KeyFit {
  if ((type.kind === 'smallint' || type.kind === 'integer') && value.kind === 'integer') {
    const [min, max] = INTEGER_RANGES[type.kind];
    return value.value < min ? 'below' : value.value > max ? 'above' : 'ok';
  }
  if (type.kind === 'varchar' && value.kind === 'text') {
    return codePoints(value.value) > type.length ? 'none' : 'ok';
  }
  return 'ok';
}
