/**
 * `kimberlite --version`: the package version, the platform, and which backend each hot-path
 * primitive got (ARCHITECTURE.md section 4). With an explicit `KIMBERLITE_BACKEND` that cannot
 * load, selection fails and the caller prints the error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendChoice, SelectionReport } from '../crypto/index.js';
import { packageRoot } from '../platform/index.js';
import { loadBackends } from '../storage/index.js';

/** The `version` field of the package's own package.json. */
export function packageVersion(): string {
  const text = readFileSync(join(packageRoot(), 'package.json'), 'utf8');
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed === 'object' && parsed !== null && 'version' in parsed) {
    return String(parsed.version);
  }
  return 'unknown';
}

/** One line per primitive: `crc32c: native (sse4.2)`, with a note when there is one. */
export function formatReport(report: readonly SelectionReport[]): string[] {
  return report.map((line) => {
    const head = `${line.primitive}: ${line.kind} (${line.name})`;
    return line.note === undefined ? head : `${head}  # ${line.note}`;
  });
}

export async function versionText(choice: BackendChoice): Promise<string> {
  const backends = await loadBackends({ choice });
  return [
    `kimberlite ${packageVersion()} (node ${process.version}, ${process.platform} ${process.arch})`,
    `backend choice: ${choice} (KIMBERLITE_BACKEND)`,
    ...formatReport(backends.report),
  ].join('\n');
}
