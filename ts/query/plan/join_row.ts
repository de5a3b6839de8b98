/**
 * Building a join's output row: left values, right values (either side NULL-extended for
 * outer joins), then the USING columns merged as PostgreSQL merges them.
 */
import { SQL_NULL, type SqlValue } from '../../types/index.js';
import type { Row } from '../types.js';
import type { JoinType, MergedColumn } from './plan.js';

export function nullRow(width: number): Row {
  return new Array<SqlValue>(width).fill(SQL_NULL);
}

export function joinRow(
  left: Row,
  right: Row,
  merged: readonly MergedColumn[],
  type: JoinType,
): Row {
  if (merged.length === 0) return [...left, ...right];
  const row: SqlValue[] = [...left, ...right];
  for (const m of merged) {
    const l = left[m.left] as SqlValue;
    const r = right[m.right] as SqlValue;
    row.push(type === 'right' || (type === 'full' && l.kind === 'null') ? r : l);
  }
  return row;
}
