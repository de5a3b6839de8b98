/**
 * SQL types and values (ts/types/value.ts): every column type maps to exactly one value kind.
 */
import { describe, expect, it } from 'vitest';
import { type ColumnType, SQL_NULL, valueKindOf } from '../../ts/types/index.js';

describe('valueKindOf', () => {
  it('maps each column type to the value kind its codecs expect', () => {
    const expected: [ColumnType, string][] = [
      [{ kind: 'smallint' }, 'integer'],
      [{ kind: 'integer' }, 'integer'],
      [{ kind: 'bigint' }, 'integer'],
      [{ kind: 'real' }, 'float'],
      [{ kind: 'double' }, 'float'],
      [{ kind: 'decimal', precision: 10, scale: 2 }, 'decimal'],
      [{ kind: 'text' }, 'text'],
      [{ kind: 'varchar', length: 5 }, 'text'],
      [{ kind: 'boolean' }, 'boolean'],
      [{ kind: 'date' }, 'date'],
      [{ kind: 'timestamp' }, 'timestamp'],
      [{ kind: 'uuid' }, 'uuid'],
      [{ kind: 'json' }, 'json'],
      [{ kind: 'bytea' }, 'bytes'],
    ];
    for (const [type, kind] of expected) expect(valueKindOf(type)).toBe(kind);
  });

  it('SQL_NULL is one frozen value', () => {
    expect(SQL_NULL).toEqual({ kind: 'null' });
    expect(Object.isFrozen(SQL_NULL)).toBe(true);
  });
});
