/**
 * Command codec (ts/kernel/command_codec.ts): every command round-trips, and decoding bytes it
 * did not write (random, truncated, bit-flipped) throws CORRUPTION and nothing else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Command, decodeCommand, encodeCommand } from '../../ts/kernel/index.js';
import { ErrorCode, KimberliteError } from '../../ts/types/index.js';
import { prngFor, SEED_NOTE } from '../crypto/random.js';
import { command } from './arbitraries.js';

function seeded(name: string) {
  return { seed: prngFor(name).u32() | 0, numRuns: 300 };
}

function check(name: string, property: fc.IProperty<[Command]> | fc.IRawProperty<unknown>) {
  try {
    fc.assert(property as fc.IRawProperty<unknown>, seeded(name));
  } catch (error) {
    if (error instanceof Error) error.message = `${SEED_NOTE}: ${error.message}`;
    throw error;
  }
}

/** Decodes, accepting only success or a CORRUPTION error. */
function decodeOrCorruption(bytes: Uint8Array): 'ok' | 'corrupt' {
  try {
    decodeCommand(bytes);
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(KimberliteError);
    expect((error as KimberliteError).code).toBe(ErrorCode.Corruption);
    return 'corrupt';
  }
}

describe('command codec', () => {
  it('round-trips every operation, change, value, request id and audit field', () => {
    check(
      'command round trip',
      fc.property(command, (original) => {
        const bytes = encodeCommand(original);
        expect(bytes[0]).toBe(1);
        expect(decodeCommand(bytes)).toEqual(original);
      }),
    );
  });

  it('a command of one operation encodes compactly', () => {
    const bytes = encodeCommand({ tenant: 1, operation: { kind: 'seal_tenant' } });
    expect([...bytes]).toEqual([1, 0, 0, 0, 1, 0, 3]);
  });

  it('every strict prefix of an encoding throws CORRUPTION', () => {
    check(
      'command truncation',
      fc.property(command, (original) => {
        const bytes = encodeCommand(original);
        for (let length = 0; length < bytes.length; length++) {
          expect(decodeOrCorruption(bytes.subarray(0, length))).toBe('corrupt');
        }
      }),
    );
  });

  it('bit flips and trailing bytes decode or throw CORRUPTION, nothing else', () => {
    check(
      'command bit flips',
      fc.property(command, fc.nat(), fc.integer({ min: 0, max: 7 }), (original, at, bit) => {
        const bytes = encodeCommand(original);
        const flipped = bytes.slice();
        const index = at % bytes.length;
        flipped[index] = (flipped[index] ?? 0) ^ (1 << bit);
        decodeOrCorruption(flipped);
        expect(decodeOrCorruption(Uint8Array.of(...bytes, 0))).toBe('corrupt');
      }),
    );
  });

  it('random bytes decode or throw CORRUPTION, nothing else', () => {
    check(
      'command garbage',
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        decodeOrCorruption(bytes);
        decodeOrCorruption(Uint8Array.of(1, ...bytes));
      }),
    );
  });

  it('refuses to encode what the format cannot hold', () => {
    const bad: Command = {
      tenant: 1,
      operation: {
        kind: 'write_rows',
        table: 't',
        changes: [{ kind: 'insert', row: [{ kind: 'date', value: 0.5 }] }],
      },
    };
    expect(() => encodeCommand(bad)).toThrow(KimberliteError);
    expect(() => encodeCommand({ tenant: -1, operation: { kind: 'seal_tenant' } })).toThrow(
      /tenant/,
    );
  });
});
