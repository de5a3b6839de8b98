/**
 * fast-check arbitraries for the kernel's shapes: column types, values (any, or fitting a
 * column type), and whole commands covering every operation and row change.
 */
import fc from 'fast-check';
import type {
  AuditMeta,
  ColumnSpec,
  Command,
  Operation,
  RequestId,
  RowChange,
} from '../../ts/kernel/index.js';
import type { ColumnType, SqlValue } from '../../ts/types/index.js';

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

export const columnType: fc.Arbitrary<ColumnType> = fc.oneof(
  fc.constantFrom<ColumnType>(
    { kind: 'smallint' },
    { kind: 'integer' },
    { kind: 'bigint' },
    { kind: 'real' },
    { kind: 'double' },
    { kind: 'text' },
    { kind: 'boolean' },
    { kind: 'date' },
    { kind: 'timestamp' },
    { kind: 'uuid' },
    { kind: 'json' },
    { kind: 'bytea' },
  ),
  fc.integer({ min: 1, max: 40 }).map((length): ColumnType => ({ kind: 'varchar', length })),
  fc
    .integer({ min: 1, max: 40 })
    .chain((precision) =>
      fc
        .integer({ min: 0, max: precision })
        .map((scale): ColumnType => ({ kind: 'decimal', precision, scale })),
    ),
);

const text = fc.string({ unit: 'grapheme', maxLength: 20 });

/** Any value, fitting some column or not (the command codec must carry it either way). */
export const sqlValue: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.constant<SqlValue>({ kind: 'null' }),
  fc.boolean().map((value): SqlValue => ({ kind: 'boolean', value })),
  fc.bigInt().map((value): SqlValue => ({ kind: 'integer', value })),
  fc.double().map((value): SqlValue => ({ kind: 'float', value })),
  fc
    .record({ unscaled: fc.bigInt(), scale: fc.nat(30) })
    .map(({ unscaled, scale }): SqlValue => ({ kind: 'decimal', unscaled, scale })),
  text.map((value): SqlValue => ({ kind: 'text', value })),
  fc.integer().map((value): SqlValue => ({ kind: 'date', value })),
  fc.bigInt().map((value): SqlValue => ({ kind: 'timestamp', value })),
  fc
    .uint8Array({ minLength: 16, maxLength: 16 })
    .map((value): SqlValue => ({ kind: 'uuid', value })),
  fc.json().map((value): SqlValue => ({ kind: 'json', value })),
  fc.uint8Array({ maxLength: 20 }).map((value): SqlValue => ({ kind: 'bytes', value })),
);

/** A non-null value that fits a column of `type`. */
export function fittingValue(type: ColumnType): fc.Arbitrary<SqlValue> {
  const integer = (min: bigint, max: bigint) =>
    fc.bigInt(min, max).map((value): SqlValue => ({ kind: 'integer', value }));
  switch (type.kind) {
    case 'smallint':
      return integer(-32768n, 32767n);
    case 'integer':
      return integer(-(2n ** 31n), 2n ** 31n - 1n);
    case 'bigint':
      return integer(I64_MIN, I64_MAX);
    case 'real':
      return fc.float().map((value): SqlValue => ({ kind: 'float', value }));
    case 'double':
      return fc.double().map((value): SqlValue => ({ kind: 'float', value }));
    case 'decimal': {
      const bound = 10n ** BigInt(type.precision) - 1n;
      return fc
        .bigInt(-bound, bound)
        .map((unscaled): SqlValue => ({ kind: 'decimal', unscaled, scale: type.scale }));
    }
    case 'text':
      return text.map((value): SqlValue => ({ kind: 'text', value }));
    case 'varchar':
      return fc
        .string({ maxLength: type.length })
        .map((value): SqlValue => ({ kind: 'text', value }));
    case 'boolean':
      return fc.boolean().map((value): SqlValue => ({ kind: 'boolean', value }));
    case 'date':
      return fc
        .integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
        .map((value): SqlValue => ({ kind: 'date', value }));
    case 'timestamp':
      return fc.bigInt(I64_MIN, I64_MAX).map((value): SqlValue => ({ kind: 'timestamp', value }));
    case 'uuid':
      return fc
        .uint8Array({ minLength: 16, maxLength: 16 })
        .map((value): SqlValue => ({ kind: 'uuid', value }));
    case 'json':
      return fc.json().map((value): SqlValue => ({ kind: 'json', value }));
    case 'bytea':
      return fc.uint8Array({ maxLength: 20 }).map((value): SqlValue => ({ kind: 'bytes', value }));
    default:
      throw new Error('unreachable');
  }
}

const row = fc.array(sqlValue, { maxLength: 5 });
const columnSpec: fc.Arbitrary<ColumnSpec> = fc.record({
  name: text,
  type: columnType,
  notNull: fc.boolean(),
});

export const rowChange: fc.Arbitrary<RowChange> = fc.oneof(
  row.map((r): RowChange => ({ kind: 'insert', row: r })),
  fc.tuple(row, row).map(([before, after]): RowChange => ({ kind: 'update', before, after })),
  row.map((before): RowChange => ({ kind: 'delete', before })),
  fc
    .tuple(fc.option(row, { nil: null }), row)
    .map(([before, after]): RowChange => ({ kind: 'upsert', before, after })),
);

export const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc
    .record({ name: text, keyId: fc.uint8Array({ maxLength: 40 }) })
    .map((o): Operation => ({ kind: 'create_tenant', ...o })),
  fc.constantFrom<Operation>(
    { kind: 'delete_tenant' },
    { kind: 'seal_tenant' },
    { kind: 'unseal_tenant' },
  ),
  text.map((name): Operation => ({ kind: 'create_stream', name })),
  fc
    .record(
      {
        stream: text,
        expectedOffset: fc.bigInt(0n, (1n << 64n) - 1n),
        events: fc.array(fc.uint8Array({ maxLength: 10 }), { maxLength: 4 }),
      },
      { requiredKeys: ['stream', 'events'] },
    )
    .map((o): Operation => ({ kind: 'append_events', ...o })),
  fc
    .record({
      name: text,
      columns: fc.array(columnSpec, { maxLength: 4 }),
      primaryKey: fc.array(text, { maxLength: 3 }),
    })
    .map((o): Operation => ({ kind: 'create_table', ...o })),
  text.map((table): Operation => ({ kind: 'drop_table', table })),
  fc
    .record({ table: text, column: columnSpec })
    .map((o): Operation => ({ kind: 'add_column', ...o })),
  fc.record({ table: text, column: text }).map((o): Operation => ({ kind: 'drop_column', ...o })),
  fc
    .record({ table: text, name: text, columns: fc.array(text, { maxLength: 3 }) })
    .map((o): Operation => ({ kind: 'create_index', ...o })),
  fc
    .record({ table: text, changes: fc.array(rowChange, { maxLength: 4 }) })
    .map((o): Operation => ({ kind: 'write_rows', ...o })),
);

const id = fc.integer({ min: 0, max: 0xffff_ffff });
const request: fc.Arbitrary<RequestId> = fc.record({
  clientId: id,
  requestNumber: fc.maxSafeNat(),
});
const audit: fc.Arbitrary<AuditMeta> = fc.record(
  { actor: text, reason: text, correlationId: text, statement: text },
  { requiredKeys: [] },
);

export const command: fc.Arbitrary<Command> = fc.record(
  { tenant: id, origin: id, request, audit, operation },
  { requiredKeys: ['tenant', 'operation'] },
);
