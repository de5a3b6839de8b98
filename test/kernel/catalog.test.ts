/**
 * Catalog lookups (ts/kernel/catalog.ts): names compare case-insensitively, lookups at a past
 * position see the objects of that time, and row / index keys are the key codec's encodings.
 */
import { describe, expect, it } from 'vitest';
import {
  compareKeys,
  encodeKey,
  indexByName,
  indexKeyOf,
  liveColumns,
  primaryKeyOf,
  streamByName,
  tableByName,
} from '../../ts/kernel/index.js';
import { patient, patientsRunner } from './fixture.js';

describe('catalog', () => {
  it('finds tables, streams and indexes by case-insensitive name', () => {
    const runner = patientsRunner();
    runner.op(1, { kind: 'create_stream', name: 'Events' });
    runner.op(1, { kind: 'create_index', table: 'patients', name: 'By_Age', columns: ['AGE'] });
    const tenant = runner.tenant(1);
    expect(tableByName(tenant, 'PaTiEnTs')?.id).toBe(1);
    expect(streamByName(tenant, 'events')?.id).toBe(2);
    expect(indexByName(tenant, 'by_age')).toMatchObject({ table: { id: 1 }, index: { id: 3 } });
    expect(tableByName(tenant, 'nope')).toBeUndefined();
  });

  it('looks up the objects visible at a past position', () => {
    const runner = patientsRunner(); // tenant at 1, table at 2
    runner.op(1, { kind: 'create_stream', name: 's' }); // 3
    runner.op(1, { kind: 'create_index', table: 'patients', name: 'i', columns: ['age'] }); // 4
    runner.op(1, { kind: 'drop_table', table: 'patients' }); // 5
    const tenant = runner.tenant(1);
    expect(tableByName(tenant, 'patients', 1n)).toBeUndefined();
    expect(tableByName(tenant, 'patients', 4n)?.id).toBe(1);
    expect(tableByName(tenant, 'patients', 5n)).toBeUndefined();
    expect(streamByName(tenant, 's', 2n)).toBeUndefined();
    expect(streamByName(tenant, 's', 3n)?.id).toBe(2);
    expect(indexByName(tenant, 'i', 3n)).toBeUndefined();
    expect(indexByName(tenant, 'i', 4n)?.index.id).toBe(3);
    expect(indexByName(tenant, 'i')).toBeUndefined();
    const dropped = tableByName(tenant, 'patients', 4n);
    expect(dropped && liveColumns(dropped, 1n)).toEqual([]);
  });

  it('primaryKeyOf and indexKeyOf are key codec encodings (index columns, then the key)', () => {
    const runner = patientsRunner();
    runner.op(1, { kind: 'create_index', table: 'patients', name: 'i', columns: ['name'] });
    const table = tableByName(runner.tenant(1), 'patients');
    const index = table?.indexes[0];
    if (table === undefined || index === undefined) throw new Error('no index');
    const row = patient(7, 'Jane', null);
    const [id, name] = row;
    if (id === undefined || name === undefined) throw new Error('no values');
    expect(primaryKeyOf(table, row)).toEqual(encodeKey([{ kind: 'bigint' }], [id]));
    expect(indexKeyOf(table, index, row)).toEqual(
      encodeKey([{ kind: 'text' }, { kind: 'bigint' }], [name, id]),
    );
    expect(
      compareKeys(indexKeyOf(table, index, patient(9, 'Ann', 1)), indexKeyOf(table, index, row)),
    ).toBe(-1);
    expect(liveColumns(table).length).toBe(3);
  });
});
