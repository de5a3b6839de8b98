/**
 * ORDER BY: materialize (at most `sortRowsMax` rows), compute each row's keys once, and sort
 * stably; under a LIMIT, keep only the rows the LIMIT can return. NULLs sort as larger than
 * every value unless NULLS FIRST/LAST says otherwise, whatever the direction, as in
 * PostgreSQL.
 */
import type { SqlValue } from '../../types/index.js';
import { compareValues } from '../expr/index.js';
import type { EvalContext, Row } from '../types.js';
import { checkLimit } from './limits.js';
import type { SortKey } from './plan.js';

/** Compares two rows' precomputed key values under `keys`' directions. */
export function compareKeys(
  keys: readonly SortKey[],
  a: readonly SqlValue[],
  b: readonly SqlValue[],
): number {
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as SortKey;
    const x = a[i] as SqlValue;
    const y = b[i] as SqlValue;
    const xNull = x.kind === 'null';
    const yNull = y.kind === 'null';
    if (xNull || yNull) {
      if (xNull && yNull) continue;
      return xNull === key.nullsFirst ? -1 : 1;
    }
    const c = compareValues(x, y);
    if (c !== 0) return key.descending ? -c : c;
  }
  return 0;
}

interface Entry {
  readonly row: Row;
  readonly key: readonly SqlValue[];
}

/** Sorts all rows, or keeps only the first `keep` in order (a bounded insertion sort: equal
 * keys keep their input order, so the result is the prefix of the full stable sort). */
export function sortRows(
  input: Iterable<Row>,
  keys: readonly SortKey[],
  options: { readonly ctx: EvalContext; readonly keep: number | undefined },
): Row[] {
  const { ctx, keep } = options;
  if (keep === 0) return [];
  const entries: Entry[] = [];
  for (const row of input) {
    const entry = { row, key: keys.map((k) => k.eval(row, ctx)) };
    if (keep === undefined) {
      entries.push(entry);
    } else {
      insertBounded(entries, entry, keys, keep);
    }
    checkLimit(entries.length, 'sortRowsMax', 'ORDER BY input');
  }
  if (keep === undefined) entries.sort((a, b) => compareKeys(keys, a.key, b.key));
  return entries.map((e) => e.row);
}

function insertBounded(entries: Entry[], entry: Entry, keys: readonly SortKey[], keep: number) {
  const last = entries[entries.length - 1];
  if (entries.length >= keep && last !== undefined && compareKeys(keys, entry.key, last.key) >= 0) {
    return;
  }
  // The first position whose key is greater: after every equal key, which keeps stability.
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (compareKeys(keys, (entries[mid] as Entry).key, entry.key) <= 0) low = mid + 1;
    else high = mid;
  }
  entries.splice(low, 0, entry);
  if (entries.length > keep) entries.pop();
}
