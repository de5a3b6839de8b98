/**
 * The backend harness every equivalence suite runs on. It tries to load each candidate of a
 * primitive and decides what a failure to load means here:
 *
 * - the `ts` reference and `node` backends must load everywhere;
 * - WASM from npm packages (`hash-wasm`, `blake3-wasm`) must load everywhere;
 * - our own native addon (`kind: native`) and our own WASM module (`kimberlite-wasm`) must
 *   load when their build status says they were built (`native/build/status.json`,
 *   `wasm/build/status.json`); otherwise the candidate is skipped, by name, with the reason.
 *
 * A build that claims a backend it cannot load therefore fails the tests, and a machine
 * without a toolchain still passes them, saying what it skipped. Then one suite runs on every
 * backend that loaded, with the TypeScript reference at hand for differential checks.
 */
import { describe, expect, it } from 'vitest';
import type { Backend, Candidate } from '../../ts/crypto/index.js';
import {
  type ArtifactName,
  type BuildStatus,
  buildStatus,
} from '../../ts/platform/build_status.js';

/** Our own WASM module's candidate name; other WASM candidates are npm packages. */
const OWN_WASM_NAME = 'kimberlite-wasm';

export type Outcome<T extends Backend> =
  | { readonly state: 'loaded'; readonly candidate: Candidate<T>; readonly impl: T }
  | { readonly state: 'not-built'; readonly candidate: Candidate<T>; readonly reason: string }
  | {
      readonly state: 'broken';
      readonly candidate: Candidate<T>;
      readonly why: string;
      readonly error: unknown;
    };

export interface LoadedBackend<T extends Backend> {
  /** `kind (name)`, as test titles show it. */
  readonly label: string;
  readonly impl: T;
}

export interface BackendSet<T extends Backend> {
  readonly primitive: string;
  readonly outcomes: readonly Outcome<T>[];
  readonly loaded: readonly LoadedBackend<T>[];
  /** The TypeScript reference; undefined only when it failed to load (a failing test). */
  readonly reference: T | undefined;
}

type Requirement =
  | { readonly mustLoad: true; readonly why: string }
  | { readonly mustLoad: false; readonly reason: string };

export function labelOf(candidate: { readonly kind: string; readonly name: string }): string {
  return `${candidate.kind} (${candidate.name})`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Reads an artifact's build status; tests of the harness itself pass a fake. */
export type StatusReader = (artifact: ArtifactName) => BuildStatus;

/** Whether `artifact` claims to be built; an unreadable status claims nothing trustworthy. */
function artifactRequirement(artifact: ArtifactName, readStatus: StatusReader): Requirement {
  try {
    const status = readStatus(artifact);
    return status.built
      ? { mustLoad: true, why: `${artifact}/build/status.json says it was built` }
      : { mustLoad: false, reason: status.reason ?? 'build failed' };
  } catch (error) {
    return {
      mustLoad: true,
      why: `${artifact}/build/status.json is unreadable: ${messageOf(error)}`,
    };
  }
}

function requirementOf(candidate: Candidate<Backend>, readStatus: StatusReader): Requirement {
  switch (candidate.kind) {
    case 'ts':
      return { mustLoad: true, why: 'the TypeScript reference is always present' };
    case 'node':
      return { mustLoad: true, why: 'node:crypto ships with every supported node' };
    case 'native':
      return artifactRequirement('native', readStatus);
    case 'wasm':
      return candidate.name === OWN_WASM_NAME
        ? artifactRequirement('wasm', readStatus)
        : { mustLoad: true, why: `${candidate.name} is an npm dependency` };
  }
}

/** Tries every candidate once; call at the top level of a test file (top-level await). */
export async function loadBackends<T extends Backend>(
  primitive: string,
  candidates: readonly Candidate<T>[],
  options: { readStatus?: StatusReader } = {},
): Promise<BackendSet<T>> {
  const readStatus = options.readStatus ?? buildStatus;
  const outcomes: Outcome<T>[] = [];
  for (const candidate of candidates) {
    const requirement = requirementOf(candidate, readStatus);
    try {
      outcomes.push({ state: 'loaded', candidate, impl: await candidate.load() });
    } catch (error) {
      outcomes.push(
        requirement.mustLoad
          ? { state: 'broken', candidate, why: requirement.why, error }
          : { state: 'not-built', candidate, reason: requirement.reason },
      );
    }
  }
  const loaded: LoadedBackend<T>[] = [];
  let reference: T | undefined;
  for (const outcome of outcomes) {
    if (outcome.state !== 'loaded') continue;
    loaded.push({ label: labelOf(outcome.candidate), impl: outcome.impl });
    if (outcome.candidate.kind === 'ts') reference ??= outcome.impl;
  }
  return { primitive, outcomes, loaded, reference };
}

/** One test per candidate saying whether it loaded, was skipped by name, or broke. */
function describeLoading<T extends Backend>(set: BackendSet<T>): void {
  describe(`${set.primitive} backends`, () => {
    for (const outcome of set.outcomes) {
      const { candidate } = outcome;
      const label = labelOf(candidate);
      switch (outcome.state) {
        case 'loaded':
          it(`${label} loads and reports itself as such`, () => {
            expect(outcome.impl.info).toEqual({ kind: candidate.kind, name: candidate.name });
          });
          break;
        case 'not-built':
          it.skip(`${label} — not built: ${outcome.reason}`, () => {});
          break;
        case 'broken':
          it(`${label} loads (${outcome.why})`, () => {
            throw new Error(
              `${set.primitive} ${label} must load here (${outcome.why}) but did not: ` +
                messageOf(outcome.error),
              { cause: outcome.error },
            );
          });
          break;
      }
    }
    it('has a TypeScript reference that loads', () => {
      expect(set.reference, `${set.primitive} has no ts candidate that loads`).toBeDefined();
    });
  });
}

/**
 * Registers the loading tests, then `suite` once per loaded backend inside
 * `describe("<primitive> on <kind> (<name>)")`, with the reference for comparisons.
 */
export function describeBackends<T extends Backend>(
  set: BackendSet<T>,
  suite: (impl: T, reference: T) => void,
): void {
  describeLoading(set);
  const { reference } = set;
  if (reference === undefined) return;
  for (const { label, impl } of set.loaded) {
    describe(`${set.primitive} on ${label}`, () => suite(impl, reference));
  }
}
