/**
 * Comparing two engines' answers. Values are first normalised to what both engines can
 * express alike: booleans become 1/0 (SQLite has no boolean), bigints and decimal strings
 * become numbers (SQLite answers SUM with an integer and AVG with a float where PostgreSQL
 * answers int8/numeric), -0 becomes 0. Numbers are then equal within a relative tolerance of
 * 1e-9 (AVG is exact numeric in PostgreSQL, a float in SQLite); everything else exactly.
 * Unordered answers are compared as sorted multisets.
 */

export type Outcome =
  | { readonly kind: 'rows'; readonly rows: readonly (readonly unknown[])[] }
  /** A write: how many rows it changed. */
  | { readonly kind: 'changed'; readonly count: number }
  | { readonly kind: 'error'; readonly code: string | undefined; readonly message: string };

const TOLERANCE_RELATIVE = 1e-9;

/** An engine's thrown error as an outcome, keeping its stable `code` when it has one. */
export function errorOutcome(error: unknown): Outcome {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'error', code: typeof code === 'string' ? code : undefined, message };
}

export function normaliseCell(value: unknown, decimal: boolean): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return Object.is(value, -0) ? 0 : value;
  if (typeof value === 'string' && decimal) return Number(value);
  return value;
}

/** `decimal[i]`: column i holds exact decimals as strings (our engine's numeric). */
export function normaliseRows(
  rows: readonly (readonly unknown[])[],
  decimal: readonly boolean[] = [],
): unknown[][] {
  return rows.map((row) => row.map((value, i) => normaliseCell(value, decimal[i] ?? false)));
}

/** A sort key that ignores the last digits of floats, so near-equal values sort alike. */
function rowKey(row: readonly unknown[]): string {
  return JSON.stringify(row.map((v) => (typeof v === 'number' ? `n${v.toPrecision(12)}` : v)));
}

function sorted(rows: readonly (readonly unknown[])[]): (readonly unknown[])[] {
  const keyed = rows.map((row) => ({ key: rowKey(row), row }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.row);
}

function cellsEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === b) return true;
    const scale = Math.max(1, Math.abs(a), Math.abs(b));
    return Math.abs(a - b) <= TOLERANCE_RELATIVE * scale;
  }
  return a === b;
}

/** Undefined when the answers agree, otherwise where they first differ. */
export function compareRows(
  expected: readonly (readonly unknown[])[],
  actual: readonly (readonly unknown[])[],
  ordered: boolean,
): string | undefined {
  if (expected.length !== actual.length) {
    return `row counts differ: expected ${expected.length}, got ${actual.length}`;
  }
  const e = ordered ? expected : sorted(expected);
  const a = ordered ? actual : sorted(actual);
  for (let i = 0; i < e.length; i++) {
    const want = e[i] ?? [];
    const got = a[i] ?? [];
    if (want.length !== got.length) {
      return `column counts differ: expected ${want.length}, got ${got.length}`;
    }
    if (!want.every((value, j) => cellsEqual(value, got[j]))) {
      const which = ordered ? 'row' : 'sorted row';
      return `${which} ${i} differs: expected ${show(want)}, got ${show(got)}`;
    }
  }
  return undefined;
}

/** INTERSECT ALL / EXCEPT ALL of two normalised answers (duplicates counted, NULLs equal). */
export function multisetOperation(
  op: 'intersect' | 'except',
  left: readonly (readonly unknown[])[],
  right: readonly (readonly unknown[])[],
): (readonly unknown[])[] {
  const available = new Map<string, number>();
  for (const row of right) available.set(rowKey(row), (available.get(rowKey(row)) ?? 0) + 1);
  const result: (readonly unknown[])[] = [];
  for (const row of left) {
    const key = rowKey(row);
    const count = available.get(key) ?? 0;
    if (count > 0) available.set(key, count - 1);
    if ((op === 'intersect') === count > 0) result.push(row);
  }
  return result;
}

function show(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

export function showOutcome(outcome: Outcome, rowsMax = 20): string {
  if (outcome.kind === 'error') return `error ${outcome.code ?? ''}: ${outcome.message}`;
  if (outcome.kind === 'changed') return `${outcome.count} rows changed`;
  const rows = outcome.rows.slice(0, rowsMax).map((row) => `  ${show(row)}`);
  const more = outcome.rows.length > rowsMax ? `\n  ... ${outcome.rows.length - rowsMax} more` : '';
  return [`${outcome.rows.length} rows`, ...rows].join('\n') + more;
}
