/**
 * Test helpers: parse SQL, plan it against a snapshot, run it, and show rows as plain JS
 * values (integers as numbers, decimals as their text, NULL as null) for exact assertions.
 */
import { parseStatement } from '../../../ts/query/parse/index.js';
import { planQuery } from '../../../ts/query/plan/index.js';
import type { PreparedQuery, Snapshot, SqlType } from '../../../ts/query/types.js';
import type { SqlValue } from '../../../ts/types/index.js';

export function plain(value: SqlValue): unknown {
  switch (value.kind) {
    case 'null':
      return null;
    case 'integer':
      return Number(value.value);
    case 'decimal': {
      const negative = value.unscaled < 0n;
      const digits = (negative ? -value.unscaled : value.unscaled)
        .toString()
        .padStart(value.scale + 1, '0');
      const text =
        value.scale === 0
          ? digits
          : `${digits.slice(0, -value.scale)}.${digits.slice(-value.scale)}`;
      return negative ? `-${text}` : text;
    }
    case 'uuid':
    case 'bytes':
      return Array.from(value.value);
    default:
      return value.value;
  }
}

export function typeOf(value: unknown): SqlType {
  if (typeof value === 'bigint' || typeof value === 'number') return { kind: 'bigint' };
  if (typeof value === 'string') return { kind: 'text' };
  return { kind: 'unknown' };
}

export function toValue(value: unknown): SqlValue {
  if (typeof value === 'number') return { kind: 'integer', value: BigInt(value) };
  if (typeof value === 'bigint') return { kind: 'integer', value };
  if (typeof value === 'string') return { kind: 'text', value };
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  return { kind: 'null' };
}

export function prepare(snapshot: Snapshot, sql: string, params: readonly unknown[] = []) {
  const { statement } = parseStatement(sql);
  if (statement.kind !== 'query' && statement.kind !== 'explain') throw new Error('not a query');
  return planQuery(statement.query, snapshot, { paramTypes: params.map(typeOf) });
}

export function runPrepared(
  prepared: PreparedQuery,
  snapshot: Snapshot,
  params: readonly unknown[] = [],
): unknown[][] {
  const ctx = { params: params.map(toValue), nowMicros: 0n };
  return prepared.run(snapshot, ctx).map((row) => row.map(plain));
}

export function rows(snapshot: Snapshot, sql: string, params: readonly unknown[] = []) {
  return runPrepared(prepare(snapshot, sql, params), snapshot, params);
}

export function explain(snapshot: Snapshot, sql: string, params: readonly unknown[] = []) {
  return prepare(snapshot, sql, params).explain();
}

export function columns(snapshot: Snapshot, sql: string, params: readonly unknown[] = []) {
  return prepare(snapshot, sql, params).columns.map((c) => c.name);
}
