/**
 * The crypto layer's interface (ts/crypto/index.ts): the candidate lists and `loadCrypto`,
 * which must work with every `KIMBERLITE_BACKEND` choice that can load here.
 */
import { describe, expect, it } from 'vitest';
import { CRYPTO_CANDIDATES, loadCrypto, parseBackendChoice } from '../../ts/crypto/index.js';

describe('CRYPTO_CANDIDATES', () => {
  it('ends every primitive with exactly one TypeScript reference', () => {
    for (const [primitive, candidates] of Object.entries(CRYPTO_CANDIDATES)) {
      const kinds = candidates.map((candidate) => candidate.kind);
      expect(kinds.at(-1), primitive).toBe('ts');
      expect(
        kinds.filter((kind) => kind === 'ts'),
        primitive,
      ).toHaveLength(1);
    }
  });

  it('lists candidates fastest kind first: native, then node or wasm, then ts', () => {
    const rank = { native: 0, node: 1, wasm: 1, ts: 2 } as const;
    for (const [primitive, candidates] of Object.entries(CRYPTO_CANDIDATES)) {
      const ranks = candidates.map((candidate) => rank[candidate.kind]);
      expect(ranks, primitive).toEqual([...ranks].sort((a, b) => a - b));
    }
  });

  it('names each candidate once per primitive', () => {
    for (const [primitive, candidates] of Object.entries(CRYPTO_CANDIDATES)) {
      const labels = candidates.map((candidate) => `${candidate.kind}/${candidate.name}`);
      expect(new Set(labels).size, primitive).toBe(labels.length);
    }
  });
});

describe('loadCrypto', () => {
  it('serves every primitive with the TypeScript reference when asked for ts', async () => {
    const suite = await loadCrypto({ choice: 'ts' });
    expect(suite.report.map((line) => line.primitive)).toEqual(Object.keys(CRYPTO_CANDIDATES));
    for (const line of suite.report) expect(line.kind, line.primitive).toBe('ts');
    expect(suite.crc32c.compute(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });

  it('serves every primitive with auto, reporting what each got', async () => {
    const suite = await loadCrypto({ choice: 'auto' });
    expect(suite.report).toHaveLength(Object.keys(CRYPTO_CANDIDATES).length);
    const backends = [
      suite.crc32c,
      suite.sha256,
      suite.blake3,
      suite.hmacSha256,
      suite.aesGcm,
      suite.ed25519,
    ];
    suite.report.forEach((line, i) => {
      expect(backends[i]?.info).toEqual({ kind: line.kind, name: line.name });
    });
  });

  // An explicit choice that cannot load must fail loudly, so running the suite with
  // KIMBERLITE_BACKEND=native on a machine without the addon fails here, by design.
  it('loads with the choice KIMBERLITE_BACKEND names in this environment', async () => {
    const choice = parseBackendChoice(process.env.KIMBERLITE_BACKEND);
    const suite = await loadCrypto({ choice });
    expect(suite.crc32c.compute(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    if (choice !== 'auto') {
      // Primitives without a backend of that kind fall back to ts, and say so.
      for (const line of suite.report) {
        if (line.kind === choice) continue;
        expect(line.kind, line.primitive).toBe('ts');
        expect(line.note, line.primitive).toContain(`no ${choice} backend`);
      }
    }
  });

  it('serves node where a primitive has a node backend when asked for node', async () => {
    const suite = await loadCrypto({ choice: 'node' });
    for (const line of suite.report) {
      const hasNode = CRYPTO_CANDIDATES[line.primitive as keyof typeof CRYPTO_CANDIDATES].some(
        (candidate) => candidate.kind === 'node',
      );
      expect(line.kind, line.primitive).toBe(hasNode ? 'node' : 'ts');
    }
  });
});
