/**
 * JSON member and element access: `json -> 'key'`, `json -> 2` (negative counts from the
 * end) give json; `->>` gives text (a JSON string unquoted, JSON null as SQL NULL, anything
 * else its JSON text). A missing key or element, or the wrong container, gives NULL, as in
 * PostgreSQL.
 */
import type { SqlValue } from '../../types/index.js';
import { canonicalJson, SQL_NULL } from '../../types/index.js';

function member(document: unknown, selector: SqlValue): unknown {
  if (selector.kind === 'text') {
    if (document === null || typeof document !== 'object' || Array.isArray(document)) {
      return undefined;
    }
    const record = document as Record<string, unknown>;
    return Object.hasOwn(record, selector.value) ? record[selector.value] : undefined;
  }
  if (selector.kind === 'integer' && Array.isArray(document)) {
    const index = Number(selector.value);
    return document[index < 0 ? document.length + index : index];
  }
  return undefined;
}

/**
 * `json -> selector` (asText false) or `json ->> selector` (asText true).
 *
 * @example
 * jsonAccess({ kind: 'json', value: '{"a":[1,2]}' }, { kind: 'text', value: 'a' }, false);
 * // { kind: 'json', value: '[1,2]' }
 */
export function jsonAccess(json: SqlValue, selector: SqlValue, asText: boolean): SqlValue {
  if (json.kind !== 'json' || selector.kind === 'null') return SQL_NULL;
  const found = member(JSON.parse(json.value) as unknown, selector);
  if (found === undefined) return SQL_NULL;
  if (!asText) return { kind: 'json', value: canonicalJson(found) };
  if (found === null) return SQL_NULL;
  if (typeof found === 'string') return { kind: 'text', value: found };
  return { kind: 'text', value: canonicalJson(found) };
}
