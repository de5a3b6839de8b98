/**
 * Seeded randomness for the equivalence tests. One seed per run, from `KIMBERLITE_TEST_SEED`
 * or drawn fresh; every failure message carries it, and each test derives its own generator
 * from the seed and the test's name, so one test replays alone with the same inputs:
 *
 *   KIMBERLITE_TEST_SEED=1234 npx vitest run test/crypto/sha256.test.ts
 */
import { randomInt } from 'node:crypto';

function seedFromEnvironment(): number {
  const text = process.env.KIMBERLITE_TEST_SEED;
  if (text === undefined || text.trim() === '') return randomInt(0, 0xffff_ffff);
  const seed = Number(text);
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new Error(`KIMBERLITE_TEST_SEED must be an integer from 0 to 2^32-1, got "${text}"`);
  }
  return seed;
}

/** This run's seed. */
export const TEST_SEED = seedFromEnvironment();

/** What a failure message says so the run can be replayed. */
export const SEED_NOTE = `KIMBERLITE_TEST_SEED=${TEST_SEED}`;

/** FNV-1a over a string's UTF-16 units: mixes a test's name into the run's seed. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  }
  return hash >>> 0;
}

/** Mulberry32: a tiny, fast 32-bit generator; plenty for choosing test inputs. */
export class Prng {
  /** Invariant: a u32. */
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in `[0, maxExclusive)`. */
  int(maxExclusive: number): number {
    return Math.floor((this.u32() / 0x1_0000_0000) * maxExclusive);
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    let i = 0;
    for (; i + 4 <= length; i += 4) {
      const word = this.u32();
      out[i] = word;
      out[i + 1] = word >>> 8;
      out[i + 2] = word >>> 16;
      out[i + 3] = word >>> 24;
    }
    for (; i < length; i++) out[i] = this.u32();
    return out;
  }

  /** `length` random bytes as a view at an odd `byteOffset` inside a larger buffer. */
  unalignedBytes(length: number): Uint8Array {
    const offset = 1 + 2 * this.int(4);
    const view = this.bytes(offset + length + 5).subarray(offset, offset + length);
    return view;
  }

  /** Splits `data` into views at random boundaries, empty pieces included. */
  chunks(data: Uint8Array, piecesMax: number): Uint8Array[] {
    const cuts = Array.from({ length: this.int(piecesMax) }, () => this.int(data.length + 1));
    cuts.sort((a, b) => a - b);
    const pieces: Uint8Array[] = [];
    let at = 0;
    for (const cut of [...cuts, data.length]) {
      pieces.push(data.subarray(at, cut));
      at = cut;
    }
    return pieces;
  }
}

/** The generator for one test: the run's seed mixed with the test's name. */
export function prngFor(testName: string): Prng {
  return new Prng((TEST_SEED ^ fnv1a(testName)) >>> 0);
}
