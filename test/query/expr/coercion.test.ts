import { describe, expect, it } from 'vitest';
import { commonType, typeName } from '../../../ts/query/expr/index.js';
import type { SqlType } from '../../../ts/query/types.js';

const t = (kind: string): SqlType => ({ kind }) as SqlType;
const numeric = (precision: number, scale: number): SqlType => ({
  kind: 'decimal',
  precision,
  scale,
});

describe('typeName', () => {
  it('spells types as PostgreSQL does', () => {
    expect(typeName(t('integer'))).toBe('integer');
    expect(typeName(t('double'))).toBe('double precision');
    expect(typeName(numeric(10, 2))).toBe('numeric(10,2)');
    expect(typeName(numeric(1000, 3))).toBe('numeric');
    expect(typeName({ kind: 'varchar', length: 5 })).toBe('varchar(5)');
    expect(typeName(t('unknown'))).toBe('unknown');
  });
});

describe('commonType', () => {
  it('widens integers, then numeric, then double', () => {
    expect(commonType([t('smallint'), t('integer')], 'UNION')).toEqual(t('integer'));
    expect(commonType([t('bigint'), t('integer')], 'UNION')).toEqual(t('bigint'));
    expect(commonType([t('integer'), numeric(10, 2)], 'UNION')).toEqual(numeric(1000, 2));
    expect(commonType([numeric(10, 2), numeric(10, 2)], 'UNION')).toEqual(numeric(10, 2));
    expect(commonType([numeric(10, 2), numeric(5, 4)], 'UNION')).toEqual(numeric(1000, 4));
    expect(commonType([numeric(10, 2), t('real')], 'UNION')).toEqual(t('double'));
  });

  it('ignores unknowns, leaving all-unknown for the context to decide', () => {
    expect(commonType([t('unknown'), t('date')], 'VALUES')).toEqual(t('date'));
    expect(commonType([t('unknown'), t('unknown')], 'VALUES')).toEqual(t('unknown'));
  });

  it('joins strings into text and dates into timestamps', () => {
    expect(commonType([{ kind: 'varchar', length: 3 }, t('text')], 'CASE')).toEqual(t('text'));
    expect(
      commonType(
        [
          { kind: 'varchar', length: 3 },
          { kind: 'varchar', length: 3 },
        ],
        'CASE',
      ),
    ).toEqual({ kind: 'varchar', length: 3 });
    expect(commonType([t('date'), t('timestamp')], 'CASE')).toEqual(t('timestamp'));
  });

  it('refuses types of different categories, naming the context and both types', () => {
    expect(() => commonType([t('integer'), t('text')], 'UNION')).toThrow(
      expect.objectContaining({
        code: 'TYPE_MISMATCH',
        message: 'UNION types integer and text cannot be matched',
      }),
    );
    expect(() => commonType([t('uuid'), t('json')], 'VALUES')).toThrow(
      expect.objectContaining({ code: 'TYPE_MISMATCH' }),
    );
  });
});
