/**
 * Backend selection (ts/crypto/select.ts) with fake candidates: what `auto` picks and
 * reports, how an explicit choice fails, the fallback for a kind a primitive does not have,
 * and parsing `KIMBERLITE_BACKEND`.
 */
import { describe, expect, it } from 'vitest';
import {
  type Backend,
  type BackendKind,
  type Candidate,
  parseBackendChoice,
  selectBackend,
} from '../../ts/crypto/index.js';
import { ErrorCode, KimberliteError } from '../../ts/types/index.js';

function fake(kind: BackendKind, name: string): Candidate<Backend> {
  return { kind, name, load: async () => ({ info: { kind, name } }) };
}

function failing(kind: BackendKind, name: string, error: Error): Candidate<Backend> {
  return {
    kind,
    name,
    load: async () => {
      throw error;
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<KimberliteError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(KimberliteError);
    return error as KimberliteError;
  }
  throw new Error('expected the selection to fail');
}

describe('selectBackend with auto', () => {
  it('picks the first candidate that loads and reports no note when nothing failed', async () => {
    const selected = await selectBackend(
      'crc32c',
      [fake('native', 'sse4.2'), fake('ts', 'slicing-by-8')],
      'auto',
    );
    expect(selected.impl.info).toEqual({ kind: 'native', name: 'sse4.2' });
    expect(selected.report).toEqual({ primitive: 'crc32c', kind: 'native', name: 'sse4.2' });
  });

  it('skips candidates that fail to load and names each failure in the note', async () => {
    const selected = await selectBackend(
      'sha256',
      [
        failing('native', 'openssl', new Error('addon not built')),
        failing('wasm', 'hash-wasm', new Error('no WebAssembly')),
        fake('ts', '@noble/hashes'),
      ],
      'auto',
    );
    expect(selected.impl.info).toEqual({ kind: 'ts', name: '@noble/hashes' });
    expect(selected.report.kind).toBe('ts');
    expect(selected.report.note).toContain('native (openssl): addon not built');
    expect(selected.report.note).toContain('wasm (hash-wasm): no WebAssembly');
  });

  it('fails with BACKEND_UNAVAILABLE when no candidate loads', async () => {
    const error = await rejection(
      selectBackend('blake3', [failing('ts', 'x', new Error('broken'))], 'auto'),
    );
    expect(error.code).toBe(ErrorCode.BackendUnavailable);
    expect(error.message).toContain('blake3');
  });
});

describe('selectBackend with an explicit kind', () => {
  it('loads the candidate of that kind even when a faster one exists', async () => {
    const selected = await selectBackend(
      'sha256',
      [fake('native', 'openssl'), fake('node', 'crypto.hash'), fake('ts', '@noble/hashes')],
      'node',
    );
    expect(selected.impl.info).toEqual({ kind: 'node', name: 'crypto.hash' });
    expect(selected.report.note).toBeUndefined();
  });

  it('tries every candidate of that kind before failing', async () => {
    const selected = await selectBackend(
      'blake3',
      [failing('wasm', 'hash-wasm', new Error('nope')), fake('wasm', 'blake3-wasm')],
      'wasm',
    );
    expect(selected.impl.info.name).toBe('blake3-wasm');
  });

  it('fails with BACKEND_UNAVAILABLE, the load error as cause, when it does not load', async () => {
    const loadError = new Error('native/build/kimberlite.node: cannot open shared object');
    const error = await rejection(
      selectBackend(
        'crc32c',
        [failing('native', 'sse4.2', loadError), fake('ts', 'slicing-by-8')],
        'native',
      ),
    );
    expect(error.code).toBe(ErrorCode.BackendUnavailable);
    expect(error.cause).toBe(loadError);
    expect(error.message).toContain('KIMBERLITE_BACKEND=native');
    expect(error.message).toContain('cannot open shared object');
  });

  it('falls back to the ts reference with a note when the primitive lacks that kind', async () => {
    const selected = await selectBackend(
      'aes-256-gcm',
      [fake('native', 'openssl'), fake('node', 'createCipheriv'), fake('ts', '@noble/ciphers')],
      'wasm',
    );
    expect(selected.impl.info).toEqual({ kind: 'ts', name: '@noble/ciphers' });
    expect(selected.report.kind).toBe('ts');
    expect(selected.report.note).toBe(
      'aes-256-gcm has no wasm backend; using the TypeScript reference',
    );
  });
});

describe('parseBackendChoice', () => {
  it('reads unset, empty and blank as auto', () => {
    expect(parseBackendChoice(undefined)).toBe('auto');
    expect(parseBackendChoice('')).toBe('auto');
    expect(parseBackendChoice('  ')).toBe('auto');
  });

  it('accepts every kind and auto, ignoring case and surrounding blanks', () => {
    for (const choice of ['auto', 'native', 'node', 'wasm', 'ts'] as const) {
      expect(parseBackendChoice(choice)).toBe(choice);
      expect(parseBackendChoice(` ${choice.toUpperCase()}\n`)).toBe(choice);
    }
  });

  it('rejects anything else with INVALID_BACKEND_CHOICE naming the choices', () => {
    for (const junk of ['typescript', 'fast', 'native,ts', 'js', 'auto ts', '0']) {
      let caught: unknown;
      try {
        parseBackendChoice(junk);
      } catch (error) {
        caught = error;
      }
      expect(caught, junk).toBeInstanceOf(KimberliteError);
      expect((caught as KimberliteError).code).toBe(ErrorCode.InvalidBackendChoice);
      expect((caught as KimberliteError).message).toContain('auto, native, node, wasm, ts');
    }
  });
});
