/**
 * The differential test's schema and data: 2-4 tables with INTEGER, BIGINT, TEXT, REAL and
 * BOOLEAN columns, a primary key, nullable columns, a secondary index or two, and rows with
 * NULLs, duplicates and skew, all drawn from one seed. Every table has `id` (unique) and `k`
 * (a small, skewed join key shared by all tables, so `USING (k)` always applies).
 *
 * Values are chosen so PostgreSQL and SQLite must agree on them: REAL values are multiples of
 * 0.25 with small magnitude (exact in float4, float8 and SQLite's double), integers stay far
 * from overflow, texts are ASCII without backslashes (PostgreSQL's default LIKE escape).
 */
import type { Prng } from './prng.js';

export type ColumnKind = 'integer' | 'bigint' | 'text' | 'real' | 'boolean';

export interface GenColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly notNull: boolean;
}

export interface GenTable {
  readonly name: string;
  readonly columns: readonly GenColumn[];
  readonly primaryKey: readonly string[];
  readonly indexes: readonly { readonly name: string; readonly columns: readonly string[] }[];
  /** Each row's values as SQL literals, aligned with `columns`. */
  readonly rows: readonly (readonly string[])[];
}

/** Texts with shared prefixes, case variants, LIKE metacharacters, a quote and the empty
 * string, so comparisons, LIKE and DISTINCT all meet duplicates and near-duplicates. */
export const TEXT_POOL = [
  '',
  'a',
  'ab',
  'abc',
  'abd',
  'b',
  'ba',
  'B',
  'Ab',
  'a_c',
  'a%c',
  'xyz',
  'hello',
  'Hello',
  'zz',
  ' a',
  "it's",
] as const;

const EXTRA_KINDS: readonly ColumnKind[] = [
  'integer',
  'integer',
  'bigint',
  'text',
  'real',
  'boolean',
];
const TABLE_ROWS_MAX = 60;

export function sqlText(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A REAL literal: a multiple of 0.25 in [-10, 10]. */
export function realLiteral(prng: Prng): string {
  return (prng.int(-40, 40) / 4).toString();
}

/** An integer drawn with skew: mostly 0..2, sometimes small, rarely up to +-1000. */
export function skewedInt(prng: Prng): number {
  const roll = prng.float();
  if (roll < 0.5) return prng.int(0, 2);
  if (roll < 0.8) return prng.int(-5, 10);
  return prng.int(-1000, 1000);
}

function bigintLiteral(prng: Prng): string {
  const roll = prng.float();
  if (roll < 0.6) return skewedInt(prng).toString();
  if (roll < 0.9) return prng.int(-1_000_000_000, 1_000_000_000).toString();
  return (BigInt(prng.int(-1000, 1000)) * 1_000_000_000n).toString();
}

export function valueLiteral(prng: Prng, column: GenColumn): string {
  if (!column.notNull && prng.chance(0.2)) return 'NULL';
  switch (column.kind) {
    case 'integer':
      return skewedInt(prng).toString();
    case 'bigint':
      return bigintLiteral(prng);
    case 'text':
      return sqlText(prng.pick(TEXT_POOL));
    case 'real':
      return realLiteral(prng);
    case 'boolean':
      return prng.chance(0.5) ? 'TRUE' : 'FALSE';
  }
}

function generateTable(prng: Prng, index: number): GenTable {
  const keyFirst = prng.chance(0.3);
  const columns: GenColumn[] = [
    { name: 'id', kind: 'integer', notNull: true },
    { name: 'k', kind: 'integer', notNull: keyFirst },
  ];
  const extras = prng.int(2, 4);
  for (let i = 0; i < extras; i++) {
    const name = String.fromCharCode('a'.charCodeAt(0) + i);
    columns.push({ name, kind: prng.pick(EXTRA_KINDS), notNull: prng.chance(0.25) });
  }
  const name = `t${index}`;
  const indexed = prng.some(columns.slice(1), 2);
  const indexes = indexed.map((column, i) => ({ name: `${name}_i${i}`, columns: [column.name] }));
  const rowCount = prng.chance(0.05) ? 0 : prng.int(1, TABLE_ROWS_MAX);
  const rows = Array.from({ length: rowCount }, (_, id) =>
    columns.map((column, i) => {
      if (i === 0) return (id * 3 + 1).toString();
      if (i === 1) return prng.chance(0.1) && !column.notNull ? 'NULL' : prng.int(0, 6).toString();
      return valueLiteral(prng, column);
    }),
  );
  return { name, columns, primaryKey: keyFirst ? ['k', 'id'] : ['id'], indexes, rows };
}

export function generateTables(prng: Prng): GenTable[] {
  return Array.from({ length: prng.int(2, 4) }, (_, i) => generateTable(prng, i));
}

const DECLARED: Record<ColumnKind, string> = {
  integer: 'INTEGER',
  bigint: 'BIGINT',
  text: 'TEXT',
  real: 'REAL',
  boolean: 'BOOLEAN',
};

/** CREATE TABLE, CREATE INDEX and INSERT statements, valid in PostgreSQL and SQLite. */
export function setupStatements(tables: readonly GenTable[]): string[] {
  const statements: string[] = [];
  for (const table of tables) {
    const columns = table.columns.map(
      (c) => `${c.name} ${DECLARED[c.kind]}${c.notNull ? ' NOT NULL' : ''}`,
    );
    const key = `PRIMARY KEY (${table.primaryKey.join(', ')})`;
    statements.push(`CREATE TABLE ${table.name} (${[...columns, key].join(', ')})`);
    for (const index of table.indexes) {
      statements.push(`CREATE INDEX ${index.name} ON ${table.name} (${index.columns.join(', ')})`);
    }
    // Some tables name their columns in INSERT, others rely on the table's column order.
    const names = table.name.endsWith('0')
      ? ''
      : ` (${table.columns.map((c) => c.name).join(', ')})`;
    for (let i = 0; i < table.rows.length; i += 16) {
      const values = table.rows.slice(i, i + 16).map((row) => `(${row.join(', ')})`);
      statements.push(`INSERT INTO ${table.name}${names} VALUES ${values.join(', ')}`);
    }
  }
  return statements;
}
