/**
 * `write_rows` (ts/kernel/rows.ts): value validation per column type, the checks of each row
 * change against the current rows and the command's own earlier changes, and the effects on
 * the table's space and every index's space.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeRow,
  encodeRow,
  indexKeyOf,
  primaryKeyOf,
  type RowChange,
  tableByName,
} from '../../ts/kernel/index.js';
import { type ColumnType, ErrorCode, LIMITS, type SqlValue } from '../../ts/types/index.js';
import { hex, int, KEY_ID, NULL, patient, patientsRunner, Runner, text } from './fixture.js';

function write(runner: Runner, changes: RowChange[], table = 'patients') {
  return runner.op(1, { kind: 'write_rows', table, changes });
}

function errorOf(result: { outcome: unknown }): { code: string; message: string } {
  const outcome = result.outcome as { ok: boolean; error: { code: string; message: string } };
  expect(outcome.ok).toBe(false);
  return outcome.error;
}

/** A runner with table t(k bigint key, v <type>). */
function typedRunner(type: ColumnType, notNull = false): Runner {
  const runner = new Runner();
  runner.op(1, { kind: 'create_tenant', name: 't', keyId: KEY_ID });
  runner.op(1, {
    kind: 'create_table',
    name: 't',
    columns: [
      { name: 'k', type: { kind: 'bigint' }, notNull: true },
      { name: 'v', type, notNull },
    ],
    primaryKey: ['k'],
  });
  return runner;
}

describe('value validation', () => {
  const cases: [string, ColumnType, SqlValue, boolean][] = [
    ['smallint max', { kind: 'smallint' }, int(32767), true],
    ['smallint past max', { kind: 'smallint' }, int(32768), false],
    ['integer min', { kind: 'integer' }, int(-(2 ** 31)), true],
    ['integer past min', { kind: 'integer' }, int(-(2 ** 31) - 1), false],
    ['bigint max', { kind: 'bigint' }, int((1n << 63n) - 1n), true],
    ['bigint past max', { kind: 'bigint' }, int(1n << 63n), false],
    ['integer as text', { kind: 'integer' }, text('1'), false],
    ['smallint min', { kind: 'smallint' }, int(-32768), true],
    ['smallint past min', { kind: 'smallint' }, int(-32769), false],
    ['integer past max', { kind: 'integer' }, int(2 ** 31), false],
    ['bigint past min', { kind: 'bigint' }, int(-(1n << 63n) - 1n), false],
    [
      'integer holding a number, not a bigint',
      { kind: 'integer' },
      { kind: 'integer', value: 1 } as unknown as SqlValue,
      false,
    ],
    ['real binary32-exact', { kind: 'real' }, { kind: 'float', value: 0.5 }, true],
    ['real NaN', { kind: 'real' }, { kind: 'float', value: Number.NaN }, true],
    ['real Infinity', { kind: 'real' }, { kind: 'float', value: -Infinity }, true],
    ['real not binary32', { kind: 'real' }, { kind: 'float', value: 0.1 }, false],
    ['double 0.1', { kind: 'double' }, { kind: 'float', value: 0.1 }, true],
    [
      'decimal fits',
      { kind: 'decimal', precision: 4, scale: 2 },
      { kind: 'decimal', unscaled: -9999n, scale: 2 },
      true,
    ],
    [
      'decimal too many digits',
      { kind: 'decimal', precision: 4, scale: 2 },
      { kind: 'decimal', unscaled: 10000n, scale: 2 },
      false,
    ],
    [
      'decimal other scale',
      { kind: 'decimal', precision: 4, scale: 2 },
      { kind: 'decimal', unscaled: 1n, scale: 1 },
      false,
    ],
    ['varchar at length in code points', { kind: 'varchar', length: 2 }, text('😀😀'), true],
    ['varchar past length', { kind: 'varchar', length: 2 }, text('abc'), false],
    ['varchar at length in units', { kind: 'varchar', length: 2 }, text('ab'), true],
    ['varchar past length in code points', { kind: 'varchar', length: 2 }, text('😀😀😀'), false],
    ['varchar lone surrogate', { kind: 'varchar', length: 9 }, text('\udc00a'), false],
    ['json lone surrogate', { kind: 'json' }, { kind: 'json', value: '"\ud800"' }, false],
    [
      'text holding a number, not a string',
      { kind: 'text' },
      { kind: 'text', value: 1 } as unknown as SqlValue,
      false,
    ],
    ['text lone surrogate', { kind: 'text' }, text('a\ud800'), false],
    ['json', { kind: 'json' }, { kind: 'json', value: '{"a":1}' }, true],
    ['json as text kind', { kind: 'json' }, text('{}'), false],
    ['uuid 16 bytes', { kind: 'uuid' }, { kind: 'uuid', value: new Uint8Array(16) }, true],
    ['uuid 15 bytes', { kind: 'uuid' }, { kind: 'uuid', value: new Uint8Array(15) }, false],
    ['date int32', { kind: 'date' }, { kind: 'date', value: -719162 }, true],
    ['date fraction', { kind: 'date' }, { kind: 'date', value: 1.5 }, false],
    ['timestamp', { kind: 'timestamp' }, { kind: 'timestamp', value: -1n }, true],
    ['timestamp past i64', { kind: 'timestamp' }, { kind: 'timestamp', value: 1n << 64n }, false],
    ['boolean', { kind: 'boolean' }, { kind: 'boolean', value: false }, true],
    ['bytea', { kind: 'bytea' }, { kind: 'bytes', value: new Uint8Array([0, 1]) }, true],
    ['NULL in a nullable column', { kind: 'bytea' }, NULL, true],
  ];

  it.each(cases)('%s', (_, type, value, fits) => {
    const runner = typedRunner(type);
    const result = write(runner, [{ kind: 'insert', row: [int(1), value] }], 't');
    if (fits) {
      expect(result.outcome.ok).toBe(true);
      const table = tableByName(runner.tenant(1), 't');
      const stored = runner.rows.space(1, 1)[0];
      expect(table && stored && decodeRow(table, stored)).toEqual([int(1), value]);
    } else {
      const error = errorOf(result);
      expect(error.code).toBe(ErrorCode.InvalidRow);
      expect(error.message).toMatch(/^Invalid value for column v: /);
    }
  });

  it('NULL in a NOT NULL column fails NOT_NULL_VIOLATION naming the column', () => {
    const runner = patientsRunner();
    const error = errorOf(write(runner, [{ kind: 'insert', row: [int(1), NULL, NULL] }]));
    expect(error).toEqual({
      code: ErrorCode.NotNullViolation,
      message: 'NULL value in NOT NULL column name',
    });
  });

  it('a row of the wrong width fails INVALID_ROW', () => {
    const runner = patientsRunner();
    const error = errorOf(write(runner, [{ kind: 'insert', row: [int(1), text('A')] }]));
    expect(error.code).toBe(ErrorCode.InvalidRow);
    expect(error.message).toBe('A row for patients has 2 values; the table has 3 columns');
  });

  it('a key past keySizeBytesMax fails LIMIT_EXCEEDED', () => {
    const runner = typedRunner({ kind: 'text' });
    runner.op(1, {
      kind: 'create_table',
      name: 'u',
      columns: [{ name: 'k', type: { kind: 'text' }, notNull: true }],
      primaryKey: ['k'],
    });
    const long = text('x'.repeat(LIMITS.keySizeBytesMax));
    const error = errorOf(write(runner, [{ kind: 'insert', row: [long] }], 'u'));
    expect(error.code).toBe(ErrorCode.LimitExceeded);
  });
});

describe('row changes', () => {
  it('insert puts the encoded row under its primary key', () => {
    const runner = patientsRunner();
    const result = write(runner, [{ kind: 'insert', row: patient(1, 'Jane', 40) }]);
    expect(result.outcome).toMatchObject({ ok: true, result: { kind: 'rows', rowsAffected: 1 } });
    const table = tableByName(runner.tenant(1), 'patients');
    if (table === undefined) throw new Error('no table');
    expect(result.effects).toEqual([
      {
        kind: 'store_put',
        tenant: 1,
        space: 1,
        key: primaryKeyOf(table, patient(1, 'Jane', 40)),
        value: encodeRow(table, patient(1, 'Jane', 40)),
      },
    ]);
  });

  it('a duplicate insert fails DUPLICATE_PRIMARY_KEY listing the key', () => {
    const runner = patientsRunner();
    write(runner, [{ kind: 'insert', row: patient(1, 'Jane', 40) }]);
    const error = errorOf(write(runner, [{ kind: 'insert', row: patient(1, 'John', 41) }]));
    expect(error).toEqual({
      code: ErrorCode.DuplicatePrimaryKey,
      message: 'Duplicate primary key in patients: (1)',
    });
  });

  it('changes of one command see the earlier ones (insert then update then delete)', () => {
    const runner = patientsRunner();
    const result = write(runner, [
      { kind: 'insert', row: patient(1, 'A', 1) },
      { kind: 'update', before: patient(1, 'A', 1), after: patient(1, 'B', 2) },
      { kind: 'insert', row: patient(2, 'C', 3) },
      { kind: 'delete', before: patient(2, 'C', 3) },
    ]);
    expect(result.outcome).toMatchObject({ ok: true, result: { rowsAffected: 4 } });
    expect(runner.rows.space(1, 1).length).toBe(1);
    const dup = write(runner, [
      { kind: 'insert', row: patient(5, 'A', 1) },
      { kind: 'insert', row: patient(5, 'A', 1) },
    ]);
    expect(errorOf(dup).code).toBe(ErrorCode.DuplicatePrimaryKey);
    expect(runner.rows.space(1, 1).length).toBe(1);
  });

  it('update and delete check the before image: ROW_NOT_FOUND, ROW_CHANGED', () => {
    const runner = patientsRunner();
    write(runner, [{ kind: 'insert', row: patient(1, 'A', 1) }]);
    const absent = write(runner, [
      { kind: 'update', before: patient(2, 'A', 1), after: patient(2, 'B', 1) },
    ]);
    expect(errorOf(absent)).toEqual({
      code: ErrorCode.RowNotFound,
      message: 'Row not found in patients: (2)',
    });
    const changed = write(runner, [{ kind: 'delete', before: patient(1, 'A', 2) }]);
    expect(errorOf(changed).code).toBe(ErrorCode.RowChanged);
    expect(write(runner, [{ kind: 'delete', before: patient(1, 'A', 1) }]).outcome.ok).toBe(true);
    expect(errorOf(write(runner, [{ kind: 'delete', before: patient(1, 'A', 1) }])).code).toBe(
      ErrorCode.RowNotFound,
    );
  });

  it('an update that changes the key moves the row; the new key must be free', () => {
    const runner = patientsRunner();
    write(runner, [
      { kind: 'insert', row: patient(1, 'A', 1) },
      { kind: 'insert', row: patient(2, 'B', 1) },
    ]);
    const taken = write(runner, [
      { kind: 'update', before: patient(1, 'A', 1), after: patient(2, 'A', 1) },
    ]);
    expect(errorOf(taken).code).toBe(ErrorCode.DuplicatePrimaryKey);
    const moved = write(runner, [
      { kind: 'update', before: patient(1, 'A', 1), after: patient(3, 'A', 1) },
    ]);
    expect(moved.effects.map((effect) => effect.kind)).toEqual(['store_delete', 'store_put']);
    expect(runner.rows.space(1, 1).length).toBe(2);
  });

  it('upsert: before null needs an absent key, otherwise the current row', () => {
    const runner = patientsRunner();
    expect(
      write(runner, [{ kind: 'upsert', before: null, after: patient(1, 'A', 1) }]).outcome.ok,
    ).toBe(true);
    const raced = write(runner, [{ kind: 'upsert', before: null, after: patient(1, 'B', 1) }]);
    expect(errorOf(raced).code).toBe(ErrorCode.RowChanged);
    const ok = write(runner, [
      { kind: 'upsert', before: patient(1, 'A', 1), after: patient(1, 'B', 1) },
    ]);
    expect(ok.outcome.ok).toBe(true);
    const stale = write(runner, [
      { kind: 'upsert', before: patient(1, 'A', 1), after: patient(1, 'C', 1) },
    ]);
    expect(errorOf(stale).code).toBe(ErrorCode.RowChanged);
    const rekey = write(runner, [
      { kind: 'upsert', before: patient(1, 'B', 1), after: patient(2, 'B', 1) },
    ]);
    expect(errorOf(rekey).code).toBe(ErrorCode.InvalidRow);
  });

  it('rows written before a drop_column still match their before image after it', () => {
    const runner = patientsRunner();
    write(runner, [{ kind: 'insert', row: patient(1, 'A', 1) }]);
    runner.op(1, { kind: 'drop_column', table: 'patients', column: 'age' });
    const result = write(runner, [{ kind: 'delete', before: [int(1), text('A')] }]);
    expect(result.outcome.ok).toBe(true);
  });

  it('refuses an unknown table and more than rowChangesPerCommandMax changes', () => {
    const runner = patientsRunner();
    expect(errorOf(write(runner, [], 'patiens'))).toEqual({
      code: ErrorCode.UnknownTable,
      message: 'Unknown table: patiens',
    });
    const changes: RowChange[] = Array.from({ length: LIMITS.rowChangesPerCommandMax + 1 }, () => ({
      kind: 'insert',
      row: patient(1, 'A', 1),
    }));
    expect(errorOf(write(runner, changes)).code).toBe(ErrorCode.LimitExceeded);
  });
});

describe('indexes', () => {
  it('keeps one entry per row: put on insert, moved on update, deleted on delete', () => {
    const runner = patientsRunner();
    runner.op(1, { kind: 'create_index', table: 'patients', name: 'by_age', columns: ['age'] });
    const table = tableByName(runner.tenant(1), 'patients');
    const index = table?.indexes[0];
    if (table === undefined || index === undefined) throw new Error('no index');
    const entry = (row: SqlValue[]) => hex(indexKeyOf(table, index, row));
    const entries = () => [...runner.rows.rows.keys()].filter((k) => k.startsWith('1/2/'));

    const inserted = write(runner, [{ kind: 'insert', row: patient(1, 'A', 30) }]);
    expect(inserted.effects[1]).toMatchObject({
      kind: 'store_put',
      space: 2,
      value: new Uint8Array(0),
    });
    expect(entries()).toEqual([`1/2/${entry(patient(1, 'A', 30))}`]);

    const renamed = write(runner, [
      { kind: 'update', before: patient(1, 'A', 30), after: patient(1, 'B', 30) },
    ]);
    expect(renamed.effects.length).toBe(1);

    write(runner, [{ kind: 'update', before: patient(1, 'B', 30), after: patient(1, 'B', 31) }]);
    expect(entries()).toEqual([`1/2/${entry(patient(1, 'B', 31))}`]);

    write(runner, [{ kind: 'delete', before: patient(1, 'B', 31) }]);
    expect(entries()).toEqual([]);
  });
});
