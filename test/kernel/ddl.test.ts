/**
 * Schema changes (ts/kernel/ddl.ts) through `apply`: each succeeds with the right result and
 * state, and each refusal carries its error code and a message naming the object at fault.
 */
import { describe, expect, it } from 'vitest';
import type { ColumnSpec, Operation } from '../../ts/kernel/index.js';
import { liveColumns, tableByName } from '../../ts/kernel/index.js';
import { ErrorCode, LIMITS } from '../../ts/types/index.js';
import { BIGINT, KEY_ID, patient, patientsRunner, Runner, TEXT } from './fixture.js';

function failure(result: { outcome: { ok: boolean } }) {
  const { outcome } = result as {
    outcome: { ok: false; error: { code: string; message: string } };
  };
  expect(outcome.ok).toBe(false);
  return outcome.error;
}

function createTable(name: string, columns: ColumnSpec[], primaryKey: string[]): Operation {
  return { kind: 'create_table', name, columns, primaryKey };
}

const ID: ColumnSpec = { name: 'id', type: BIGINT, notNull: false };

describe('create_table', () => {
  it('creates a table with an id from the tenant counter, key columns NOT NULL', () => {
    const runner = new Runner();
    runner.op(1, { kind: 'create_tenant', name: 't', keyId: KEY_ID });
    const result = runner.op(1, createTable('Patients', [ID], ['ID']));
    expect(result.outcome).toEqual({ ok: true, result: { kind: 'created', id: 1 }, position: 2n });
    const table = tableByName(runner.tenant(1), 'PATIENTS');
    expect(table?.name).toBe('Patients');
    expect(table?.columns[0]?.notNull).toBe(true);
    expect(runner.tenant(1).nextObjectId).toBe(2);
  });

  it('refuses a second live table of the same name, case-insensitively', () => {
    const runner = patientsRunner();
    const error = failure(runner.op(1, createTable('PATIENTS', [ID], ['id'])));
    expect(error.code).toBe(ErrorCode.TableExists);
    expect(error.message).toBe('Table already exists: PATIENTS');
  });

  it.each([
    ['no columns', createTable('t', [], ['id']), ErrorCode.InvalidSchema],
    ['an empty name', createTable('', [ID], ['id']), ErrorCode.InvalidSchema],
    [
      'a name past identifierBytesMax',
      createTable('x'.repeat(LIMITS.identifierBytesMax + 1), [ID], ['id']),
      ErrorCode.InvalidSchema,
    ],
    [
      'duplicate columns',
      createTable('t', [ID, { ...ID, name: 'ID' }], ['id']),
      ErrorCode.InvalidSchema,
    ],
    ['an empty primary key', createTable('t', [ID], []), ErrorCode.InvalidSchema],
    ['a key of an unknown column', createTable('t', [ID], ['idd']), ErrorCode.UnknownColumn],
    ['a key naming a column twice', createTable('t', [ID], ['id', 'ID']), ErrorCode.InvalidSchema],
    [
      'varchar(0)',
      createTable(
        't',
        [ID, { name: 'v', type: { kind: 'varchar', length: 0 }, notNull: false }],
        ['id'],
      ),
      ErrorCode.InvalidSchema,
    ],
    [
      'decimal(1001, 0)',
      createTable(
        't',
        [ID, { name: 'd', type: { kind: 'decimal', precision: 1001, scale: 0 }, notNull: false }],
        ['id'],
      ),
      ErrorCode.InvalidSchema,
    ],
    [
      'decimal scale above precision',
      createTable(
        't',
        [ID, { name: 'd', type: { kind: 'decimal', precision: 4, scale: 5 }, notNull: false }],
        ['id'],
      ),
      ErrorCode.InvalidSchema,
    ],
    [
      'more columns than columnsPerTableMax',
      createTable(
        't',
        Array.from({ length: LIMITS.columnsPerTableMax + 1 }, (_, i) => ({ ...ID, name: `c${i}` })),
        ['c0'],
      ),
      ErrorCode.InvalidSchema,
    ],
    [
      'a key past keyColumnsMax',
      createTable(
        't',
        Array.from({ length: LIMITS.keyColumnsMax + 1 }, (_, i) => ({ ...ID, name: `c${i}` })),
        Array.from({ length: LIMITS.keyColumnsMax + 1 }, (_, i) => `c${i}`),
      ),
      ErrorCode.InvalidSchema,
    ],
  ])('refuses a table with %s', (_, operation, code) => {
    const runner = patientsRunner();
    expect(failure(runner.op(1, operation)).code).toBe(code);
  });

  it('names the unknown key column', () => {
    const runner = patientsRunner();
    const error = failure(runner.op(1, createTable('t', [ID], ['idd'])));
    expect(error.message).toBe('Unknown column in the primary key of t: idd');
  });
});

describe('drop_table', () => {
  it('keeps the table for time travel and frees its name for a new table', () => {
    const runner = patientsRunner();
    expect(runner.op(1, { kind: 'drop_table', table: 'patients' }).outcome.ok).toBe(true);
    expect(tableByName(runner.tenant(1), 'patients')).toBeUndefined();
    expect(tableByName(runner.tenant(1), 'patients', 2n)?.id).toBe(1);
    const created = runner.op(1, createTable('patients', [ID], ['id']));
    expect(created.outcome).toMatchObject({ ok: true, result: { kind: 'created', id: 2 } });
    expect(tableByName(runner.tenant(1), 'patients')?.id).toBe(2);
    expect(tableByName(runner.tenant(1), 'patients', 2n)?.id).toBe(1);
  });

  it('refuses an unknown table by name', () => {
    const error = failure(patientsRunner().op(1, { kind: 'drop_table', table: 'patiens' }));
    expect(error).toEqual({ code: ErrorCode.UnknownTable, message: 'Unknown table: patiens' });
  });
});

describe('add_column and drop_column', () => {
  it('adds a nullable column visible from its position on', () => {
    const runner = patientsRunner();
    const column: ColumnSpec = { name: 'email', type: TEXT, notNull: false };
    expect(runner.op(1, { kind: 'add_column', table: 'patients', column }).outcome.ok).toBe(true);
    const table = tableByName(runner.tenant(1), 'patients');
    expect(table && liveColumns(table).map((c) => c.name)).toEqual(['id', 'name', 'age', 'email']);
    expect(table && liveColumns(table, 2n).map((c) => c.name)).toEqual(['id', 'name', 'age']);
    expect(table?.columns[3]?.id).toBe(4);
  });

  it('refuses a NOT NULL column, an existing name and an unknown table', () => {
    const runner = patientsRunner();
    const notNull = failure(
      runner.op(1, {
        kind: 'add_column',
        table: 'patients',
        column: { name: 'email', type: TEXT, notNull: true },
      }),
    );
    expect(notNull.code).toBe(ErrorCode.InvalidSchema);
    expect(notNull.message).toContain('needs a default, which is not supported yet');
    const exists = failure(
      runner.op(1, { kind: 'add_column', table: 'patients', column: { ...ID, name: 'NAME' } }),
    );
    expect(exists.code).toBe(ErrorCode.ColumnExists);
    const unknown = failure(runner.op(1, { kind: 'add_column', table: 'nope', column: ID }));
    expect(unknown.code).toBe(ErrorCode.UnknownTable);
  });

  it('drops a column; later rows no longer carry it, older reads still see it', () => {
    const runner = patientsRunner();
    expect(runner.op(1, { kind: 'drop_column', table: 'patients', column: 'age' }).outcome.ok).toBe(
      true,
    );
    const table = tableByName(runner.tenant(1), 'patients');
    expect(table && liveColumns(table).map((c) => c.name)).toEqual(['id', 'name']);
    expect(table && liveColumns(table, 2n).map((c) => c.name)).toEqual(['id', 'name', 'age']);
  });

  it('refuses to drop a key column, an indexed column, or an unknown one', () => {
    const runner = patientsRunner();
    runner.op(1, { kind: 'create_index', table: 'patients', name: 'by_name', columns: ['name'] });
    const key = failure(runner.op(1, { kind: 'drop_column', table: 'patients', column: 'id' }));
    expect(key.code).toBe(ErrorCode.InvalidSchema);
    expect(key.message).toContain('primary key');
    const indexed = failure(
      runner.op(1, { kind: 'drop_column', table: 'patients', column: 'name' }),
    );
    expect(indexed.code).toBe(ErrorCode.InvalidSchema);
    expect(indexed.message).toContain('index by_name');
    const unknown = failure(runner.op(1, { kind: 'drop_column', table: 'patients', column: 'x' }));
    expect(unknown.code).toBe(ErrorCode.UnknownColumn);
  });
});

describe('create_index', () => {
  it('creates an index with the next object id and asks the runtime to build it', () => {
    const runner = patientsRunner();
    const result = runner.op(1, {
      kind: 'create_index',
      table: 'patients',
      name: 'by_name',
      columns: ['name'],
    });
    expect(result.outcome).toMatchObject({ ok: true, result: { kind: 'created', id: 2 } });
    expect(result.effects).toEqual([{ kind: 'build_index', tenant: 1, table: 1, index: 2 }]);
  });

  it('refuses a duplicate name, unknown columns, and more than indexesPerTableMax', () => {
    const runner = patientsRunner();
    const op = (name: string, columns: string[]): Operation => ({
      kind: 'create_index',
      table: 'patients',
      name,
      columns,
    });
    runner.op(1, op('i0', ['name']));
    expect(failure(runner.op(1, op('I0', ['age']))).code).toBe(ErrorCode.IndexExists);
    expect(failure(runner.op(1, op('i1', ['nope']))).code).toBe(ErrorCode.UnknownColumn);
    expect(failure(runner.op(1, op('i1', []))).code).toBe(ErrorCode.InvalidSchema);
    for (let i = 1; i < LIMITS.indexesPerTableMax; i++) {
      expect(runner.op(1, op(`i${i}`, ['age'])).outcome.ok).toBe(true);
    }
    expect(failure(runner.op(1, op('one_more', ['age']))).code).toBe(ErrorCode.LimitExceeded);
  });
});

it('a table written after add_column still accepts rows of the new shape', () => {
  const runner = patientsRunner();
  runner.op(1, {
    kind: 'write_rows',
    table: 'patients',
    changes: [{ kind: 'insert', row: patient(1, 'A', 3) }],
  });
  runner.op(1, {
    kind: 'add_column',
    table: 'patients',
    column: { name: 'email', type: TEXT, notNull: false },
  });
  const update = runner.op(1, {
    kind: 'write_rows',
    table: 'patients',
    changes: [
      {
        kind: 'update',
        before: [...patient(1, 'A', 3), { kind: 'null' }],
        after: [...patient(1, 'A', 3), { kind: 'text', value: 'a@b' }],
      },
    ],
  });
  expect(update.outcome.ok).toBe(true);
});
