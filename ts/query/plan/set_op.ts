/**
 * UNION / INTERSECT / EXCEPT, with and without ALL, on whole rows where NULLs are equal (as
 * set operations treat them). Both inputs already have the unified column types. Distinct
 * forms hold at most `sortRowsMax` rows.
 */
import { groupKey } from '../expr/index.js';
import type { Row } from '../types.js';
import { checkLimit } from './limits.js';

function counts(rows: Iterable<Row>): Map<string, number> {
  const seen = new Map<string, number>();
  for (const row of rows) {
    const key = groupKey(row);
    seen.set(key, (seen.get(key) ?? 0) + 1);
    checkLimit(seen.size, 'sortRowsMax', 'set operation input');
  }
  return seen;
}

export function* distinctRows(rows: Iterable<Row>, what: string): Generator<Row> {
  const seen = new Set<string>();
  for (const row of rows) {
    const key = groupKey(row);
    if (seen.has(key)) continue;
    seen.add(key);
    checkLimit(seen.size, 'sortRowsMax', what);
    yield row;
  }
}

export function* union(left: Iterable<Row>, right: Iterable<Row>, all: boolean) {
  if (all) {
    yield* left;
    yield* right;
    return;
  }
  yield* distinctRows(
    (function* () {
      yield* left;
      yield* right;
    })(),
    'UNION',
  );
}

/** INTERSECT keeps left rows found on the right; EXCEPT those not found. ALL counts copies. */
export function* intersectOrExcept(
  left: Iterable<Row>,
  right: Iterable<Row>,
  options: { all: boolean; intersect: boolean },
): Generator<Row> {
  const remaining = counts(right);
  const emitted = new Set<string>();
  for (const row of left) {
    const key = groupKey(row);
    const available = remaining.get(key) ?? 0;
    if (options.all) {
      if (available > 0) remaining.set(key, available - 1);
      if (available > 0 === options.intersect) yield row;
      continue;
    }
    if (emitted.has(key) || available > 0 !== options.intersect) continue;
    emitted.add(key);
    checkLimit(emitted.size, 'sortRowsMax', 'set operation output');
    yield row;
  }
}
