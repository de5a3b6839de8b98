/**
 * The SQL front end: statement text to a `ParsedStatement` (ts/query/ast.ts). The pre-lexer
 * (prelex.ts) handles what node-sql-parser cannot (time travel, SHOW, limits), node-sql-parser
 * parses, and the translator (statement.ts, query.ts, expr.ts) turns its tree into ours.
 *
 * Parsing costs 0.25-1 ms per statement, so results are cached by text in an LRU of
 * `LIMITS.statementCacheEntriesMax` entries; a hit returns the same deeply frozen object.
 */

import { LIMITS } from '../../types/index.js';
import type { ParsedStatement, Statement } from '../ast.js';
import { type BulkValues, bulkValues, withBulkRows } from './bulk_values.js';
import { Context } from './context.js';
import { notSupported, parseTree } from './node.js';
import { type Prelexed, prelex } from './prelex.js';
import { translateStatement } from './statement.js';

export type { Prelexed, SpecialStatement } from './prelex.js';
export { prelex } from './prelex.js';

/** Parsed statements by text, least recently used first (a Map keeps insertion order). */
const cache = new Map<string, ParsedStatement>();

/**
 * Parses one SQL statement. Throws a `KimberliteError`: SYNTAX_ERROR (with the line and
 * column in `sql`), NOT_SUPPORTED, LIMIT_EXCEEDED or INVALID_VALUE.
 *
 * @example
 * parseStatement('SELECT name FROM patients AT OFFSET 42').timeTravel;
 * // { kind: 'position', position: 42n }
 */
export function parseStatement(sql: string): ParsedStatement {
  const hit = cache.get(sql);
  if (hit !== undefined) {
    cache.delete(sql);
    cache.set(sql, hit);
    return hit;
  }
  const parsed = deepFreeze(parseUncached(sql));
  if (cache.size >= LIMITS.statementCacheEntriesMax) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(sql, parsed);
  return parsed;
}

function parseUncached(sql: string): ParsedStatement {
  const prelexed = prelex(sql);
  const bulk = bulkValues(sql);
  if (bulk !== undefined) {
    const statement = bulkStatement(prelexed, bulk);
    if (statement !== undefined) {
      return { statement, timeTravel: prelexed.timeTravel, paramCount: prelexed.paramCount };
    }
  }
  return {
    statement: statementOf(prelexed),
    timeTravel: prelexed.timeTravel,
    paramCount: prelexed.paramCount,
  };
}

/**
 * A bulk parameter INSERT parsed from its first row (bulk_values.ts); undefined when the
 * shortcut does not apply. The whole text was pre-lexed (limits, parameter count).
 */
function bulkStatement(prelexed: Prelexed, bulk: BulkValues): Statement | undefined {
  if (prelexed.special !== undefined || prelexed.explain || prelexed.timeTravel !== undefined) {
    return undefined;
  }
  let reduced: Prelexed;
  try {
    reduced = prelex(bulk.reduced);
  } catch {
    return undefined;
  }
  if (reduced.special !== undefined || reduced.explain || reduced.timeTravel !== undefined) {
    return undefined;
  }
  let statement: Statement;
  try {
    statement = statementOf(reduced);
  } catch {
    return undefined; // the full parse reports the error, at its place in the whole text
  }
  return withBulkRows(statement, bulk);
}

function statementOf(prelexed: Prelexed): Statement {
  if (prelexed.special !== undefined) {
    if (prelexed.explain)
      throw notSupported(`EXPLAIN of ${prelexed.special.kind.replace('_', ' ')}`);
    return prelexed.special;
  }
  const cx = new Context(prelexed.strings);
  const statement = translateStatement(cx, parseTree(prelexed));
  if (!prelexed.explain) return statement;
  if (statement.kind !== 'query')
    throw notSupported(`EXPLAIN of ${statement.kind.replace('_', ' ')}`);
  return { kind: 'explain', query: statement.query };
}

function deepFreeze<T>(value: T): T {
  // Iterative, with a visited set: the tree is acyclic but may share nodes.
  const stack: unknown[] = [value];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item !== 'object' || item === null || seen.has(item)) continue;
    if (ArrayBuffer.isView(item)) continue;
    seen.add(item);
    Object.freeze(item);
    for (const child of Object.values(item)) stack.push(child);
  }
  return value;
}
