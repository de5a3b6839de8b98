/**
 * Backend selection, done once at start-up by the shell (CLI, server, embedded `open`) and
 * passed down: pure layers never choose a backend themselves.
 *
 * - `auto`: per primitive, the first candidate that loads (candidates are listed fastest
 *   first); failures are kept in the report.
 * - an explicit kind: that kind for every primitive that has one; if it has one and it does
 *   not load, selection fails with the load error as `cause`. A primitive that has no
 *   backend of that kind at all (there is no WASM AES-GCM, for one) gets the TypeScript
 *   reference, and the report says so.
 */
import { ErrorCode, KimberliteError } from '../types/index.js';
import type { Backend, BackendChoice, BackendKind, Candidate } from './backend.js';

/** How one primitive was served. */
export interface SelectionReport {
  readonly primitive: string;
  readonly kind: BackendKind;
  readonly name: string;
  /** Why this is not what was asked for, or which faster candidates failed to load. */
  readonly note?: string;
}

export interface Selected<T extends Backend> {
  readonly impl: T;
  readonly report: SelectionReport;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function selectAuto<T extends Backend>(
  primitive: string,
  candidates: readonly Candidate<T>[],
): Promise<Selected<T>> {
  const failures: string[] = [];
  for (const candidate of candidates) {
    try {
      const impl = await candidate.load();
      const note = failures.length > 0 ? `unavailable: ${failures.join('; ')}` : undefined;
      const report = { primitive, kind: impl.info.kind, name: impl.info.name };
      return { impl, report: note === undefined ? report : { ...report, note } };
    } catch (error) {
      failures.push(`${candidate.kind} (${candidate.name}): ${messageOf(error)}`);
    }
  }
  throw new KimberliteError(
    ErrorCode.BackendUnavailable,
    `no backend for ${primitive} loaded: ${failures.join('; ')}`,
  );
}

/** Loads the backend `choice` asks for, for one primitive. */
export async function selectBackend<T extends Backend>(
  primitive: string,
  candidates: readonly Candidate<T>[],
  choice: BackendChoice,
): Promise<Selected<T>> {
  if (choice === 'auto') return selectAuto(primitive, candidates);
  const ofKind = candidates.filter((candidate) => candidate.kind === choice);
  if (ofKind.length === 0) {
    const fallback = await selectAuto(
      primitive,
      candidates.filter((candidate) => candidate.kind === 'ts'),
    );
    const note = `${primitive} has no ${choice} backend; using the TypeScript reference`;
    return { impl: fallback.impl, report: { ...fallback.report, note } };
  }
  const errors: unknown[] = [];
  for (const candidate of ofKind) {
    try {
      const impl = await candidate.load();
      return { impl, report: { primitive, kind: impl.info.kind, name: impl.info.name } };
    } catch (error) {
      errors.push(error);
    }
  }
  const first = errors[0];
  throw new KimberliteError(
    ErrorCode.BackendUnavailable,
    `KIMBERLITE_BACKEND=${choice}: the ${choice} backend for ${primitive} did not load: ` +
      `${messageOf(first)} (KIMBERLITE_BACKEND=auto uses what loads)`,
    { cause: first },
  );
}

/** Parses `KIMBERLITE_BACKEND`; unset or empty means `auto`. */
export function parseBackendChoice(value: string | undefined): BackendChoice {
  const text = (value ?? '').trim().toLowerCase();
  if (text === '') return 'auto';
  if (text === 'auto' || text === 'native' || text === 'node' || text === 'wasm' || text === 'ts') {
    return text;
  }
  throw new KimberliteError(
    ErrorCode.InvalidBackendChoice,
    `KIMBERLITE_BACKEND must be one of auto, native, node, wasm, ts; got "${value}"`,
  );
}
