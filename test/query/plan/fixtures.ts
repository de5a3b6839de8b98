/**
 * The small clinic database most query tests read: patients, visits (with an index on
 * patient_id), doctors, and a table with a composite key.
 */
import { MemorySnapshot } from './memory_snapshot.js';

export function clinic(): MemorySnapshot {
  return new MemorySnapshot([
    {
      name: 'patients',
      columns: [
        ['id', 'bigint', 'not null'],
        ['name', 'text'],
        ['age', 'integer'],
        ['city', 'text'],
      ],
      primaryKey: ['id'],
      rows: [
        [1, 'Ada', 36, 'London'],
        [2, 'Bo', 25, 'Paris'],
        [3, 'Cy', 41, 'London'],
        [4, 'Di', null, null],
        [5, 'Ed', 25, 'Rome'],
      ],
    },
    {
      name: 'visits',
      columns: [
        ['id', 'bigint', 'not null'],
        ['patient_id', 'bigint'],
        ['doctor_id', 'bigint'],
        ['cost', 'decimal(10,2)'],
      ],
      primaryKey: ['id'],
      indexes: [{ name: 'by_patient', columns: ['patient_id'] }],
      rows: [
        [10, 1, 100, '50.00'],
        [11, 1, 101, '20.50'],
        [12, 2, 100, '75.25'],
        [13, 3, 102, '10.00'],
        [14, 9, 100, '5.00'],
        [15, null, 101, '1.00'],
      ],
    },
    {
      name: 'doctors',
      columns: [
        ['id', 'bigint', 'not null'],
        ['name', 'text'],
      ],
      primaryKey: ['id'],
      rows: [
        [100, 'House'],
        [101, 'Grey'],
        [102, 'Who'],
        [103, 'Strange'],
      ],
    },
    {
      name: 'readings',
      columns: [
        ['device', 'text', 'not null'],
        ['seq', 'integer', 'not null'],
        ['value', 'double'],
      ],
      primaryKey: ['device', 'seq'],
      rows: [
        ['a', 1, 1.5],
        ['a', 2, 2.5],
        ['a', 3, 3.5],
        ['b', 1, 10],
        ['b', 2, 20],
      ],
    },
  ]);
}
