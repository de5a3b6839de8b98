/** Tables and ratios for benchmark results: plain text for people, JSON for tools. */
import type { ResultRow } from './backends.js';

/** Fills `ratio` on every row: ops/s over the reference row of the same workload. */
export function addRatios(rows: ResultRow[]): void {
  for (const row of rows) {
    const peers = rows.filter(
      (other) => other.primitive === row.primitive && other.workload === row.workload,
    );
    const reference =
      peers.find((other) => other.backend.startsWith('baseline')) ??
      peers.find((other) => other.backend.startsWith('ts'));
    if (reference !== undefined && reference !== row) {
      row.ratio = row.measurement.opsPerSecond / reference.measurement.opsPerSecond;
    }
  }
}

/** A rate or count for people: rounded, with thousands separators (`1,234,567`). */
export function grouped(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/**
 * A plain-text table with columns two spaces apart: columns for which `rightAligned` is true
 * (the numbers) padded on the left, the others on the right.
 */
export function formatTable(
  header: readonly string[],
  lines: readonly (readonly string[])[],
  rightAligned: (column: number) => boolean,
): string {
  const table = [header, ...lines];
  const widths = header.map((_, column) =>
    Math.max(...table.map((cells) => (cells[column] ?? '').length)),
  );
  return table
    .map((cells) =>
      cells
        .map((cell, column) =>
          rightAligned(column)
            ? cell.padStart(widths[column] ?? 0)
            : cell.padEnd(widths[column] ?? 0),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatRows(rows: readonly ResultRow[]): string {
  const header = ['primitive', 'backend', 'workload', 'ops/s', 'MB/s', 'vs ref'];
  const lines = rows.map((row) => {
    const ops = row.measurement.opsPerSecond;
    const megabytes = row.bytesPerOp > 0 ? ((ops * row.bytesPerOp) / 1e6).toFixed(1) : '-';
    const ratio = row.ratio === undefined ? 'ref' : `${row.ratio.toFixed(2)}x`;
    return [row.primitive, row.backend, row.workload, grouped(ops), megabytes, ratio];
  });
  return formatTable(header, lines, (column) => column >= 3);
}

export interface Target {
  readonly description: string;
  readonly primitive: string;
  readonly workload: string;
  readonly backendPrefix: string;
  readonly ratioMin: number;
}

/** The targets, checked against the measured rows. */
export const TARGETS: readonly Target[] = [
  {
    description: 'native CRC32C >= 5x the TypeScript reference at 4 KiB',
    primitive: 'crc32c',
    workload: '4 KiB',
    backendPrefix: 'native',
    ratioMin: 5,
  },
  {
    description: 'native hash chain of 1,024 x 128 B >= 3x crypto.hash per record',
    primitive: 'sha256',
    workload: 'hash chain 1024 x 128 B',
    backendPrefix: 'native',
    ratioMin: 3,
  },
  {
    description: 'native AES-GCM batch seal of 1 KiB records >= 5x createCipheriv per record',
    primitive: 'aes-256-gcm',
    workload: 'seal batch 1024 x 1 KiB',
    backendPrefix: 'native',
    ratioMin: 5,
  },
];

export function formatTargets(rows: readonly ResultRow[]): string {
  return TARGETS.map((target) => {
    const row = rows.find(
      (candidate) =>
        candidate.primitive === target.primitive &&
        candidate.workload === target.workload &&
        candidate.backend.startsWith(target.backendPrefix),
    );
    if (row?.ratio === undefined) return `n/a   ${target.description} (backend not loaded)`;
    const verdict = row.ratio >= target.ratioMin ? 'met ' : 'MISS';
    return `${verdict}  ${target.description}: ${row.ratio.toFixed(2)}x`;
  }).join('\n');
}
