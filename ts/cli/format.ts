/**
 * Result formatting for `kimberlite query` and the REPL: aligned tables (psql style), JSON
 * (one object per row, column names as keys) and CSV (RFC 4180). Cells are the SDK's values:
 * null, boolean, number, bigint, string, Date, Uint8Array, JSON arrays and objects.
 */

export type OutputFormat = 'table' | 'json' | 'csv';

export interface ResultSet {
  readonly columns: readonly { readonly name: string }[];
  readonly rows: readonly (readonly unknown[])[];
}

/** Parses `--format`; throws with the valid choices. */
export function parseFormat(text: string): OutputFormat {
  if (text === 'table' || text === 'json' || text === 'csv') return text;
  throw new Error(`--format must be table, json or csv, got '${text}'`);
}

function hex(bytes: Uint8Array): string {
  return `\\x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

/** JSON with bigints as numbers when exact, else strings. */
function toJsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return hex(value);
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonValue(v)]));
  }
  return value;
}

/** One cell as text; NULL for null. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return hex(value);
  return JSON.stringify(toJsonValue(value));
}

function rowCount(n: number): string {
  return `(${n} ${n === 1 ? 'row' : 'rows'})`;
}

/** An aligned table and its row count line. */
export function formatTable(result: ResultSet): string {
  const names = result.columns.map((c) => c.name);
  const cells = result.rows.map((row) => names.map((_, i) => cellText(row[i])));
  const widths = names.map((name, i) =>
    Math.max(name.length, ...cells.map((row) => (row[i] ?? '').length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => ` ${v.padEnd(widths[i] ?? 0)} `)
      .join('|')
      .trimEnd();
  const out = [line(names), widths.map((w) => '-'.repeat(w + 2)).join('+')];
  for (const row of cells) out.push(line(row));
  out.push(rowCount(cells.length));
  return out.join('\n');
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function formatCsv(result: ResultSet): string {
  const lines = [result.columns.map((c) => csvField(c.name)).join(',')];
  for (const row of result.rows) {
    lines.push(
      result.columns
        .map((_, i) => {
          const value = row[i];
          return value === null || value === undefined ? '' : csvField(cellText(value));
        })
        .join(','),
    );
  }
  return lines.join('\n');
}

export function formatJson(result: ResultSet): string {
  const rows = result.rows.map((row) =>
    Object.fromEntries(result.columns.map((c, i) => [c.name, toJsonValue(row[i])])),
  );
  return JSON.stringify(rows, null, 2);
}

export function formatResult(result: ResultSet, format: OutputFormat): string {
  switch (format) {
    case 'table':
      return formatTable(result);
    case 'json':
      return formatJson(result);
    case 'csv':
      return formatCsv(result);
  }
}
