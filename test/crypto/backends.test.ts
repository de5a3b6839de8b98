/**
 * The backend harness itself (test/crypto/backends.ts), with fake candidates and fake build
 * statuses: which load failures are skipped by name and which fail the tests.
 */
import { describe, expect, it } from 'vitest';
import type { Backend, BackendKind, Candidate } from '../../ts/crypto/index.js';
import type { BuildStatus } from '../../ts/platform/build_status.js';
import { loadBackends, type StatusReader } from './backends.js';

function loading(kind: BackendKind, name: string): Candidate<Backend> {
  return { kind, name, load: async () => ({ info: { kind, name } }) };
}

function missing(kind: BackendKind, name: string): Candidate<Backend> {
  return {
    kind,
    name,
    load: async () => {
      throw new Error(`cannot load ${name}`);
    },
  };
}

function statuses(native: BuildStatus, wasm: BuildStatus): StatusReader {
  return (artifact) => (artifact === 'native' ? native : wasm);
}

const NOT_BUILT: BuildStatus = { built: false, reason: 'no C toolchain' };
const BUILT: BuildStatus = { built: true };

async function states(candidates: readonly Candidate<Backend>[], readStatus: StatusReader) {
  const set = await loadBackends('fake', candidates, { readStatus });
  return set.outcomes.map((outcome) => `${outcome.candidate.name}: ${outcome.state}`);
}

describe('the backend harness', () => {
  it('skips our native and WASM backends by name when they were not built', async () => {
    const set = await loadBackends(
      'fake',
      [missing('native', 'sse4.2'), missing('wasm', 'kimberlite-wasm'), loading('ts', 'ref')],
      { readStatus: statuses(NOT_BUILT, { built: false, reason: 'no asc' }) },
    );
    expect(set.outcomes.map((outcome) => outcome.state)).toEqual([
      'not-built',
      'not-built',
      'loaded',
    ]);
    const [native] = set.outcomes;
    expect(native?.state === 'not-built' ? native.reason : '').toBe('no C toolchain');
  });

  it('fails our native and WASM backends when built but they do not load', async () => {
    expect(
      await states(
        [missing('native', 'sse4.2'), missing('wasm', 'kimberlite-wasm'), loading('ts', 'ref')],
        statuses(BUILT, BUILT),
      ),
    ).toEqual(['sse4.2: broken', 'kimberlite-wasm: broken', 'ref: loaded']);
  });

  it('fails node, npm WASM packages and the ts reference whenever they do not load', async () => {
    expect(
      await states(
        [missing('node', 'crypto.hash'), missing('wasm', 'hash-wasm'), missing('ts', 'ref')],
        statuses(NOT_BUILT, NOT_BUILT),
      ),
    ).toEqual(['crypto.hash: broken', 'hash-wasm: broken', 'ref: broken']);
  });

  it('fails a backend whose build status cannot be read', async () => {
    const unreadable: StatusReader = () => {
      throw new SyntaxError('Unexpected token } in JSON');
    };
    expect(await states([missing('native', 'openssl')], unreadable)).toEqual(['openssl: broken']);
  });

  it('runs whatever loads, built or not, and takes the ts candidate as the reference', async () => {
    const set = await loadBackends(
      'fake',
      [loading('native', 'openssl'), loading('node', 'n'), loading('ts', 'ref')],
      { readStatus: statuses(NOT_BUILT, NOT_BUILT) },
    );
    expect(set.loaded.map((backend) => backend.label)).toEqual([
      'native (openssl)',
      'node (n)',
      'ts (ref)',
    ]);
    expect(set.reference?.info).toEqual({ kind: 'ts', name: 'ref' });
  });

  it('has no reference when the ts candidate does not load', async () => {
    const set = await loadBackends('fake', [missing('ts', 'ref')], {
      readStatus: statuses(BUILT, BUILT),
    });
    expect(set.reference).toBeUndefined();
  });
});
