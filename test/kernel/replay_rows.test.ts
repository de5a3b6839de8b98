/**
 * Replay's fast path for inserts (ts/kernel/replay_rows.ts): for every command it takes, its
 * effects equal those of `apply` with `replay: true`, byte for byte; every other command (and
 * every command a fast read cannot vouch for) is left to the regular decoding.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  apply,
  type ColumnSpec,
  type Command,
  encodeCommand,
  type RowChange,
  type RowImage,
} from '../../ts/kernel/index.js';
import { replayInserts } from '../../ts/kernel/replay_rows.js';
import type { ColumnType, SqlValue } from '../../ts/types/index.js';
import { prngFor, SEED_NOTE } from '../crypto/random.js';
import { fittingValue } from './arbitraries.js';
import { int, KEY_ID, NULL, Runner, text } from './fixture.js';

const COLUMNS: readonly ColumnSpec[] = [
  { name: 'id', type: { kind: 'bigint' }, notNull: true },
  { name: 'name', type: { kind: 'text' }, notNull: true },
  { name: 'ward', type: { kind: 'varchar', length: 3 }, notNull: false },
  { name: 'visits', type: { kind: 'integer' }, notNull: false },
  { name: 'small', type: { kind: 'smallint' }, notNull: false },
  { name: 'big', type: { kind: 'bigint' }, notNull: false },
  { name: 'doc', type: { kind: 'json' }, notNull: false },
  { name: 'score', type: { kind: 'double' }, notNull: false },
  { name: 'price', type: { kind: 'decimal', precision: 8, scale: 2 }, notNull: false },
  { name: 'seen', type: { kind: 'date' }, notNull: false },
];

/** A tenant with table `t` (the columns above, keyed by id) and `u` (the same, one index). */
function runner(): Runner {
  const run = new Runner();
  run.op(1, { kind: 'create_tenant', name: 'clinic', keyId: KEY_ID });
  for (const name of ['t', 'u']) {
    run.run({
      tenant: 1,
      origin: 1,
      operation: { kind: 'create_table', name, columns: [...COLUMNS], primaryKey: ['id'] },
    });
  }
  run.op(1, { kind: 'create_index', table: 'u', name: 'u_by_ward', columns: ['ward'] });
  return run;
}

/** Replays `command` both ways on the runner's state; the fast path's answer and apply's. */
function bothWays(run: Runner, command: Command) {
  const bytes = encodeCommand(command);
  const fast = replayInserts(run.state, bytes);
  const slow = apply(run.state, command, {
    position: run.position + 1n,
    timestampNs: 0n,
    rows: run.rows,
    replay: true,
  });
  return { fast, slow };
}

function expectSame(run: Runner, command: Command): void {
  const { fast, slow } = bothWays(run, command);
  expect(slow.outcome.ok).toBe(true);
  expect(fast).toBeDefined();
  expect(fast?.effects).toEqual(slow.effects);
  expect(slow.outcome.ok && slow.outcome.result).toEqual({
    kind: 'rows',
    rowsAffected: fast?.rowsAffected,
  });
}

const cell = (type: ColumnType, notNull: boolean): fc.Arbitrary<SqlValue> =>
  notNull ? fittingValue(type) : fc.oneof(fc.constant(NULL), fittingValue(type));

const row: fc.Arbitrary<RowImage> = fc.tuple(
  ...COLUMNS.map((column) => cell(column.type, column.notNull)),
);

function inserts(table: string, rows: RowImage[]): Command {
  const changes = rows.map((r): RowChange => ({ kind: 'insert', row: r }));
  return { tenant: 1, origin: 1, operation: { kind: 'write_rows', table, changes } };
}

describe('replayInserts', () => {
  it(`gives apply's replay effects for random inserts of every value shape (${SEED_NOTE})`, () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 4 }), (rows) => {
        const run = runner();
        // Distinct keys: a command that inserts one key twice never reached the log.
        const keyed = rows.map((r, i): RowImage => [int(i), ...r.slice(1)]);
        expectSame(run, inserts('t', keyed));
      }),
      { numRuns: 300, seed: prngFor('replay_rows').u32() | 0 },
    );
  });

  it('reads integers at the edges of each width and text that is not ASCII', () => {
    const run = runner();
    const edge = (id: bigint, small: bigint, visits: bigint, big: bigint): RowImage => [
      int(id),
      text('Zoë 😀 ünïcode'),
      text('é😀'),
      int(visits),
      int(small),
      int(big),
      { kind: 'json', value: '{"ä":[1,2]}' },
      NULL,
      NULL,
      NULL,
    ];
    const rows = [
      edge(-(2n ** 63n), -32768n, -(2n ** 31n), -(2n ** 63n)),
      edge(2n ** 63n - 1n, 32767n, 2n ** 31n - 1n, 2n ** 63n - 1n),
      edge(-(2n ** 48n) + 1n, -1n, -1n, -(2n ** 48n) + 1n),
      edge(2n ** 48n, 0n, 0n, 2n ** 48n - 1n),
      edge(-(2n ** 32n), 1n, 1n, -(2n ** 32n) - 1n),
    ];
    expectSame(run, inserts('t', rows));
    expectSame(run, { ...inserts('t', [rows[0] as RowImage]), audit: { actor: 'nurse' } });
    expectSame(run, { tenant: 1, operation: inserts('t', [rows[1] as RowImage]).operation });
  });

  it('leaves every other command to the regular path', () => {
    const run = runner();
    const image: RowImage = [int(1), text('a'), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL];
    const other: [string, Command][] = [
      ['a table with an index', inserts('u', [image])],
      ['an unknown table', inserts('nope', [image])],
      ['an update', { ...inserts('t', []), operation: updateOf(image) }],
      ['a request id', { ...inserts('t', [image]), request: { clientId: 1, requestNumber: 1 } }],
      ['another tenant', { ...inserts('t', [image]), tenant: 2, origin: 2 }],
      ['a cross-tenant origin', { ...inserts('t', [image]), origin: 2 }],
      ['a duplicate key in one command', inserts('t', [image, image])],
      ['no changes', inserts('t', [])],
      ['a row of the wrong width', inserts('t', [image.slice(1)])],
      ['a text value in an integer column', inserts('t', [withAt(image, 3, text('1'))])],
      ['an integer out of its column range', inserts('t', [withAt(image, 4, int(40_000))])],
      ['a json value in a text column', inserts('t', [withAt(image, 1, json('"a"'))])],
      ['a text value in a json column', inserts('t', [withAt(image, 6, text('{}'))])],
      ['a tenant command', { tenant: 1, operation: { kind: 'seal_tenant' } }],
    ];
    for (const [, command] of other) {
      expect(replayInserts(run.state, encodeCommand(command))).toBeUndefined();
    }
  });

  it('leaves malformed bytes to the regular decoding', () => {
    const run = runner();
    const image: RowImage = [int(7), text('abc'), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL];
    const bytes = encodeCommand(inserts('t', [image]));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => {
        expect(replayInserts(run.state, bytes.subarray(0, cut))).toBeUndefined();
      }),
      { numRuns: 100, seed: prngFor('replay_rows_cut').u32() | 0 },
    );
    const trailing = new Uint8Array(bytes.length + 1);
    trailing.set(bytes);
    expect(replayInserts(run.state, trailing)).toBeUndefined();
  });
});

function withAt(image: RowImage, at: number, value: SqlValue): RowImage {
  return image.map((cellValue, i) => (i === at ? value : cellValue));
}

function json(value: string): SqlValue {
  return { kind: 'json', value };
}

function updateOf(image: RowImage): Command['operation'] {
  return {
    kind: 'write_rows',
    table: 't',
    changes: [{ kind: 'update', before: image, after: image }],
  };
}
