/**
 * Row codec (ts/kernel/row_codec.ts): rows of every column type round-trip, rows survive
 * add_column and drop_column (stored by column id), NULLs take no space, and malformed bytes
 * throw CORRUPTION and nothing else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeRow,
  encodeRow,
  liveColumns,
  type TableDef,
  tableByName,
} from '../../ts/kernel/index.js';
import {
  type ColumnType,
  ErrorCode,
  KimberliteError,
  type SqlValue,
} from '../../ts/types/index.js';
import { prngFor, SEED_NOTE } from '../crypto/random.js';
import { columnType, fittingValue } from './arbitraries.js';
import { int, KEY_ID, NULL, patient, patientsRunner, Runner, text } from './fixture.js';

function seeded(name: string) {
  return { seed: prngFor(name).u32() | 0, numRuns: 200 };
}

function check(name: string, property: fc.IRawProperty<unknown>) {
  try {
    fc.assert(property, seeded(name));
  } catch (error) {
    if (error instanceof Error) error.message = `${SEED_NOTE}: ${error.message}`;
    throw error;
  }
}

/** A table (via the kernel, so ids are real) with a bigint key and columns of `types`. */
function tableOf(types: readonly ColumnType[]): TableDef {
  const runner = new Runner();
  runner.op(1, { kind: 'create_tenant', name: 't', keyId: KEY_ID });
  const result = runner.op(1, {
    kind: 'create_table',
    name: 't',
    columns: [
      { name: 'k', type: { kind: 'bigint' }, notNull: true },
      ...types.map((type, i) => ({ name: `c${i}`, type, notNull: false })),
    ],
    primaryKey: ['k'],
  });
  expect(result.outcome.ok).toBe(true);
  const table = tableByName(runner.tenant(1), 't');
  if (table === undefined) throw new Error('no table');
  return table;
}

/** Column types and, per column, a fitting value or NULL (rows keep -0; NaN is one NaN). */
const rowArbitrary = fc
  .array(columnType, { minLength: 1, maxLength: 6 })
  .chain((types) =>
    fc.tuple(
      fc.constant(types),
      fc.tuple(...types.map((type) => fc.option(fittingValue(type), { nil: NULL }))),
    ),
  );

describe('row codec', () => {
  it('round-trips rows of every column type, NULLs included', () => {
    check(
      'row round trip',
      fc.property(rowArbitrary, ([types, values]) => {
        const table = tableOf(types);
        const row: SqlValue[] = [int(1), ...(values as SqlValue[])];
        expect(decodeRow(table, encodeRow(table, row))).toEqual(row);
      }),
    );
  });

  it('stores only non-NULL values: a row of NULLs is 3 bytes plus its key column', () => {
    const table = tableOf([{ kind: 'text' }, { kind: 'bytea' }]);
    const bytes = encodeRow(table, [int(1), NULL, NULL]);
    expect(bytes.length).toBe(1 + 2 + 2 + 8);
  });

  it('rows survive add_column (reads NULL) and drop_column (bytes skipped)', () => {
    const runner = patientsRunner();
    const before = tableByName(runner.tenant(1), 'patients');
    if (before === undefined) throw new Error('no table');
    const bytes = encodeRow(before, patient(1, 'Jane', 40));
    runner.op(1, {
      kind: 'add_column',
      table: 'patients',
      column: { name: 'email', type: { kind: 'text' }, notNull: false },
    });
    runner.op(1, { kind: 'drop_column', table: 'patients', column: 'age' });
    const after = tableByName(runner.tenant(1), 'patients');
    if (after === undefined) throw new Error('no table');
    expect(liveColumns(after).map((c) => c.name)).toEqual(['id', 'name', 'email']);
    expect(decodeRow(after, bytes)).toEqual([int(1), text('Jane'), NULL]);
    // As of the position before the changes, the row reads as it was written.
    expect(decodeRow(after, bytes, 2n)).toEqual(patient(1, 'Jane', 40));
  });

  it('refuses to encode a value of the wrong kind or a row of the wrong width', () => {
    const table = tableOf([{ kind: 'smallint' }]);
    expect(() => encodeRow(table, [int(1), text('x')])).toThrow(KimberliteError);
    expect(() => encodeRow(table, [int(1), int(40000)])).toThrow(KimberliteError);
    expect(() => encodeRow(table, [int(1)])).toThrow(KimberliteError);
  });

  it('decoding garbage, truncations and bit flips throws CORRUPTION or decodes', () => {
    const table = tableOf([{ kind: 'text' }, { kind: 'decimal', precision: 10, scale: 2 }]);
    const valid = encodeRow(table, [
      int(5),
      text('héllo'),
      { kind: 'decimal', unscaled: -12345n, scale: 2 },
    ]);
    const attempt = (bytes: Uint8Array): 'ok' | 'corrupt' => {
      try {
        decodeRow(table, bytes);
        return 'ok';
      } catch (error) {
        expect(error).toBeInstanceOf(KimberliteError);
        expect((error as KimberliteError).code).toBe(ErrorCode.Corruption);
        return 'corrupt';
      }
    };
    for (let length = 0; length < valid.length; length++) {
      expect(attempt(valid.subarray(0, length))).toBe('corrupt');
    }
    check(
      'row garbage',
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), fc.nat(7), (garbage, at, bit) => {
        attempt(garbage);
        attempt(Uint8Array.of(1, ...garbage));
        const flipped = valid.slice();
        const index = at % flipped.length;
        flipped[index] = (flipped[index] ?? 0) ^ (1 << bit);
        attempt(flipped);
      }),
    );
  });
});
