/** DDL and DML translated to our AST (ts/query/parse/statement.ts). */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../ts/types/index.js';
import {
  bin,
  col,
  errorOf,
  int,
  item,
  param,
  query,
  select,
  star,
  statementOf,
  str,
  table,
} from './helpers.js';

describe('CREATE TABLE', () => {
  it('translates every column type, NOT NULL and an inline PRIMARY KEY', () => {
    const sql = `CREATE TABLE IF NOT EXISTS Patients (
      id BIGINT PRIMARY KEY, a SMALLINT, b INTEGER NOT NULL, c INT, d REAL, e DOUBLE PRECISION,
      f DECIMAL(10, 2), g NUMERIC(5), h TEXT, i VARCHAR(20), j BOOLEAN, k DATE, l TIMESTAMP,
      m UUID, n JSON, o BYTEA, "MixedCase" TEXT NULL)`;
    const column = (name: string, type: object, notNull = false, primaryKey = false) => ({
      name,
      type,
      notNull,
      primaryKey,
    });
    expect(statementOf(sql)).toEqual({
      kind: 'create_table',
      name: 'patients',
      ifNotExists: true,
      columns: [
        column('id', { kind: 'bigint' }, true, true),
        column('a', { kind: 'smallint' }),
        column('b', { kind: 'integer' }, true),
        column('c', { kind: 'integer' }),
        column('d', { kind: 'real' }),
        column('e', { kind: 'double' }),
        column('f', { kind: 'decimal', precision: 10, scale: 2 }),
        column('g', { kind: 'decimal', precision: 5, scale: 0 }),
        column('h', { kind: 'text' }),
        column('i', { kind: 'varchar', length: 20 }),
        column('j', { kind: 'boolean' }),
        column('k', { kind: 'date' }),
        column('l', { kind: 'timestamp' }),
        column('m', { kind: 'uuid' }),
        column('n', { kind: 'json' }),
        column('o', { kind: 'bytea' }),
        column('MixedCase', { kind: 'text' }),
      ],
      primaryKey: ['id'],
    });
  });

  it('translates a table-level composite PRIMARY KEY in key order', () => {
    expect(statementOf('CREATE TABLE t (a INT, b TEXT, PRIMARY KEY (b, a))')).toEqual({
      kind: 'create_table',
      name: 't',
      ifNotExists: false,
      columns: [
        { name: 'a', type: { kind: 'integer' }, notNull: false, primaryKey: false },
        { name: 'b', type: { kind: 'text' }, notNull: false, primaryKey: false },
      ],
      primaryKey: ['b', 'a'],
    });
  });

  it('leaves a table without a key to the statement layer', () => {
    const statement = statementOf('CREATE TABLE t (a INT)');
    expect(statement.kind === 'create_table' && statement.primaryKey).toEqual([]);
  });

  it.each([
    ['CREATE TABLE t (a VARCHAR(0))', 'VARCHAR(0): the length must be between 1 and 10485760'],
    ['CREATE TABLE t (a DECIMAL(2, 5))', 'DECIMAL(2,5): the scale cannot exceed the precision'],
  ])('refuses %s', (sql, message) => {
    expect(errorOf(() => statementOf(sql), ErrorCode.InvalidSchema).message).toBe(message);
  });

  it('names an unknown type', () => {
    const error = errorOf(() => statementOf('CREATE TABLE t (a FOO)'), ErrorCode.InvalidSchema);
    expect(error.message).toMatch(/^unknown type FOO for column a: use SMALLINT, /);
  });

  it.each([
    ['CREATE TABLE t (a NUMERIC)', 'NUMERIC without precision; declare NUMERIC(p, s)'],
    ['CREATE TABLE t (a INT DEFAULT 1)', 'DEFAULT values'],
    ['CREATE TABLE t (a INT UNIQUE)', 'UNIQUE constraints'],
    ['CREATE TABLE t (a INT REFERENCES u (a))', 'REFERENCES (foreign keys)'],
    ['CREATE TABLE t (a INT, UNIQUE (a))', 'UNIQUE table constraints'],
    ['CREATE TABLE t AS SELECT 1', 'CREATE TABLE ... AS / LIKE'],
    ['CREATE TEMPORARY TABLE t (a INT)', 'temporary tables'],
    ['CREATE TABLE t (a INT) PARTITION BY RANGE (a)', 'CREATE with TABLE OPTIONS'],
  ])('says %s is not supported', (sql, what) => {
    expect(errorOf(() => statementOf(sql), ErrorCode.NotSupported).message).toBe(
      `Not supported: ${what}`,
    );
  });
});

describe('DROP, ALTER and CREATE INDEX', () => {
  it('translates DROP TABLE [IF EXISTS]', () => {
    expect(statementOf('DROP TABLE IF EXISTS T')).toEqual({
      kind: 'drop_table',
      name: 't',
      ifExists: true,
    });
    expect(statementOf('DROP TABLE t')).toEqual({ kind: 'drop_table', name: 't', ifExists: false });
  });

  it('translates ALTER TABLE ADD [COLUMN]', () => {
    const expected = {
      kind: 'add_column',
      table: 't',
      column: { name: 'x', type: { kind: 'integer' }, notNull: true, primaryKey: false },
    };
    expect(statementOf('ALTER TABLE t ADD COLUMN x INT NOT NULL')).toEqual(expected);
    expect(statementOf('ALTER TABLE t ADD x INTEGER NOT NULL')).toEqual(expected);
  });

  it('translates ALTER TABLE DROP [COLUMN]', () => {
    const expected = { kind: 'drop_column', table: 't', column: 'x' };
    expect(statementOf('ALTER TABLE t DROP COLUMN x')).toEqual(expected);
    expect(statementOf('ALTER TABLE t DROP x')).toEqual(expected);
  });

  it('translates CREATE INDEX [IF NOT EXISTS]', () => {
    expect(statementOf('CREATE INDEX IF NOT EXISTS by_name ON t (last, First)')).toEqual({
      kind: 'create_index',
      name: 'by_name',
      table: 't',
      columns: ['last', 'first'],
      ifNotExists: true,
    });
  });

  it.each([
    ['DROP TABLE a, b', 'dropping more than one table at once'],
    ['DROP TABLE a CASCADE', 'DROP TABLE ... CASCADE / RESTRICT'],
    ['DROP TABLE a RESTRICT', 'DROP TABLE ... CASCADE / RESTRICT'],
    ['DROP INDEX i', 'DROP INDEX'],
    ['ALTER TABLE t RENAME TO u', 'ALTER TABLE RENAME TABLE'],
    [
      'ALTER TABLE t ADD COLUMN a INT, DROP COLUMN b',
      'several ALTER TABLE actions in one statement',
    ],
    ['CREATE UNIQUE INDEX i ON t (a)', 'UNIQUE indexes'],
    ['CREATE INDEX i ON t (a DESC)', 'ASC / DESC in an index'],
  ])('says %s is not supported', (sql, what) => {
    expect(errorOf(() => statementOf(sql), ErrorCode.NotSupported).message).toBe(
      `Not supported: ${what}`,
    );
  });
});

describe('INSERT', () => {
  it('translates a column list and several VALUES rows', () => {
    expect(statementOf("INSERT INTO t (a, B) VALUES (1, 'x'), (2, $1)")).toEqual({
      kind: 'insert',
      table: 't',
      columns: ['a', 'b'],
      source: query({
        kind: 'values',
        rows: [
          [int(1), str('x')],
          [int(2), param(1)],
        ],
      }),
      onConflict: undefined,
      returning: undefined,
    });
  });

  it('translates INSERT ... SELECT without a column list', () => {
    expect(statementOf('INSERT INTO t SELECT * FROM u')).toEqual({
      kind: 'insert',
      table: 't',
      columns: undefined,
      source: query(select({ columns: [star], from: [table('u')] })),
      onConflict: undefined,
      returning: undefined,
    });
  });

  it('translates ON CONFLICT DO UPDATE with EXCLUDED, WHERE and RETURNING', () => {
    const sql =
      "INSERT INTO t (a, b) VALUES (1, 'x') ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b " +
      "WHERE t.b <> 'y' RETURNING *, a AS z";
    expect(statementOf(sql)).toEqual({
      kind: 'insert',
      table: 't',
      columns: ['a', 'b'],
      source: query({ kind: 'values', rows: [[int(1), str('x')]] }),
      onConflict: {
        target: ['a'],
        action: {
          kind: 'update',
          set: [{ column: 'b', value: col('b', 'excluded') }],
          where: bin('<>', col('b', 't'), str('y')),
        },
      },
      returning: [star, item(col('a'), 'z')],
    });
  });

  it('translates ON CONFLICT DO NOTHING without a column list', () => {
    expect(statementOf('INSERT INTO t VALUES (1) ON CONFLICT (a) DO NOTHING')).toEqual({
      kind: 'insert',
      table: 't',
      columns: undefined,
      source: query({ kind: 'values', rows: [[int(1)]] }),
      onConflict: { target: ['a'], action: { kind: 'nothing' } },
      returning: undefined,
    });
  });

  it('says DEFAULT in VALUES is not supported, but a quoted "default" is a column', () => {
    const error = errorOf(
      () => statementOf('INSERT INTO t VALUES (DEFAULT)'),
      ErrorCode.NotSupported,
    );
    expect(error.message).toBe('Not supported: DEFAULT (write the value, or leave the column out)');
    const statement = statementOf('INSERT INTO t VALUES ("default")');
    expect(statement.kind === 'insert' && statement.source.body).toEqual({
      kind: 'values',
      rows: [[col('default')]],
    });
  });

  it('takes rows of any width without a column list (regression: one-wide marker list)', () => {
    expect(statementOf("INSERT INTO t VALUES (1, 'a', (2)), (3, 'b', 4)")).toEqual({
      kind: 'insert',
      table: 't',
      columns: undefined,
      source: query({
        kind: 'values',
        rows: [
          [int(1), str('a'), int(2)],
          [int(3), str('b'), int(4)],
        ],
      }),
      onConflict: undefined,
      returning: undefined,
    });
  });

  it('refuses VALUES rows that do not match the column list', () => {
    const error = errorOf(
      () => statementOf('INSERT INTO t (a) VALUES (1, 2)'),
      ErrorCode.SyntaxError,
    );
    expect(error.message).toBe("syntax error: column count doesn't match value count at row 1");
  });

  it('gives ON CONFLICT without a target an empty target', () => {
    const statement = statementOf('INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING');
    expect(statement.kind === 'insert' && statement.onConflict).toEqual({
      target: [],
      action: { kind: 'nothing' },
    });
  });
});

describe('UPDATE and DELETE', () => {
  it('translates UPDATE with an alias, SET, WHERE and RETURNING', () => {
    expect(statementOf('UPDATE t AS x SET a = a + 1, b = $2 WHERE id = 3 RETURNING a')).toEqual({
      kind: 'update',
      table: 't',
      alias: 'x',
      set: [
        { column: 'a', value: bin('+', col('a'), int(1)) },
        { column: 'b', value: param(2) },
      ],
      where: bin('=', col('id'), int(3)),
      returning: [item(col('a'))],
    });
  });

  it('translates DELETE with an alias, WHERE and RETURNING', () => {
    expect(statementOf('DELETE FROM t x WHERE a = 1 RETURNING *')).toEqual({
      kind: 'delete',
      table: 't',
      alias: 'x',
      where: bin('=', col('a'), int(1)),
      returning: [star],
    });
  });

  it('translates DELETE without WHERE', () => {
    expect(statementOf('DELETE FROM t')).toEqual({
      kind: 'delete',
      table: 't',
      alias: undefined,
      where: undefined,
      returning: undefined,
    });
  });

  it('says UPDATE ... FROM is not supported', () => {
    const error = errorOf(
      () => statementOf('UPDATE t SET a = 1 FROM u WHERE t.a = u.a'),
      ErrorCode.NotSupported,
    );
    expect(error.message).toBe('Not supported: UPDATE ... FROM');
  });
});

describe('SHOW and EXPLAIN', () => {
  it('translates SHOW TABLES and SHOW COLUMNS FROM', () => {
    expect(statementOf('SHOW TABLES')).toEqual({ kind: 'show_tables' });
    expect(statementOf('SHOW COLUMNS FROM t;')).toEqual({ kind: 'show_columns', table: 't' });
  });

  it('translates EXPLAIN of a query', () => {
    expect(statementOf('EXPLAIN SELECT a FROM t')).toEqual({
      kind: 'explain',
      query: query(select({ columns: [item(col('a'))], from: [table('t')] })),
    });
  });

  it('says EXPLAIN of anything but a query is not supported', () => {
    const error = errorOf(() => statementOf('EXPLAIN DELETE FROM t'), ErrorCode.NotSupported);
    expect(error.message).toBe('Not supported: EXPLAIN of delete');
    const show = errorOf(() => statementOf('EXPLAIN SHOW TABLES'), ErrorCode.NotSupported);
    expect(show.message).toBe('Not supported: EXPLAIN of show tables');
  });
});
