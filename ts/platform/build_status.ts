/**
 * Where the package's built artifacts live and whether their build succeeded. `npm install`
 * runs `native/build.mjs` and `wasm/build.mjs`; each writes `build/status.json` in its folder,
 * `{ "built": true }` or `{ "built": false, "reason": "..." }`, and never fails the install.
 * Tests use the status to tell "not built here" (skipped, by name) from "built but does not
 * load" (a failure).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: this file is `ts/platform/x.ts` or `dist/platform/x.js`. */
export function packageRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export type ArtifactName = 'native' | 'wasm';

export interface BuildStatus {
  readonly built: boolean;
  /** Why the build was skipped or failed; absent when built. */
  readonly reason?: string;
}

/** The recorded build status of `native/` or `wasm/`; "not built" when never attempted. */
export function buildStatus(artifact: ArtifactName): BuildStatus {
  const path = join(packageRoot(), artifact, 'build', 'status.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { built: false, reason: `no build was attempted (${path} is missing)` };
  }
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || !('built' in parsed)) {
    return { built: false, reason: `${path} is malformed` };
  }
  const built = parsed.built === true;
  const reason = 'reason' in parsed && typeof parsed.reason === 'string' ? parsed.reason : '';
  return built ? { built } : { built, reason: reason || 'build failed' };
}
