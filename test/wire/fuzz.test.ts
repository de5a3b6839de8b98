/**
 * Fuzzing the decoders (fast-check, seeded: the failure message carries the seed): random
 * bytes and mutated valid frames and payloads fed to FrameDecoder, decodeRequest and
 * decodeResponse never throw anything but a KimberliteError with code PROTOCOL_ERROR or
 * LIMIT_EXCEEDED, and what decodes re-encodes to an equal message.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Crc32c } from '../../ts/crypto/index.js';
import { loadCrypto } from '../../ts/crypto/index.js';
import { ErrorCode, KimberliteError } from '../../ts/types/index.js';
import {
  decodeRequest,
  decodeResponse,
  encodeFrame,
  encodeRequest,
  encodeResponse,
  FrameDecoder,
} from '../../ts/wire/index.js';
import { prngFor, SEED_NOTE } from '../crypto/random.js';
import { sampleRequests, sampleResponses } from './samples.js';

let crc: Crc32c;
beforeAll(async () => {
  crc = (await loadCrypto({ choice: 'ts' })).crc32c;
  console.info(`wire fuzz: ${SEED_NOTE}`);
});

function check(name: string, property: fc.IRawProperty<unknown>, numRuns = 500): void {
  const seed = prngFor(name).u32() | 0;
  try {
    fc.assert(property, { seed, numRuns });
  } catch (error) {
    if (error instanceof Error)
      error.message = `${SEED_NOTE} (fast-check seed ${seed}): ${error.message}`;
    throw error;
  }
}

const ALLOWED: ReadonlySet<string> = new Set([ErrorCode.ProtocolError, ErrorCode.LimitExceeded]);

/** Runs `f`; returns its value, or undefined when it threw an allowed KimberliteError. */
function tolerated<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (error) {
    if (error instanceof KimberliteError && ALLOWED.has(error.code)) return undefined;
    throw error;
  }
}

/** Every sample payload: the seeds for mutation. */
function payloads(): Uint8Array[] {
  return [
    ...sampleRequests().map((r) => encodeRequest(r)),
    ...sampleResponses().map((r) => encodeResponse(r)),
  ];
}

const mutation = fc.record({
  which: fc.nat(),
  edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(3)), {
    minLength: 1,
    maxLength: 8,
  }),
});

/** Applies edits: 0 overwrite a byte, 1 flip a bit, 2 delete a byte, 3 truncate. */
function mutate(base: Uint8Array, edits: readonly (readonly [number, number, number])[]) {
  let bytes = Array.from(base);
  for (const [at, byte, op] of edits) {
    if (bytes.length === 0) break;
    const i = at % bytes.length;
    if (op === 0) bytes[i] = byte;
    else if (op === 1) bytes[i] = (bytes[i] as number) ^ (1 << (byte % 8));
    else if (op === 2) bytes.splice(i, 1);
    else bytes = bytes.slice(0, i);
  }
  return new Uint8Array(bytes);
}

function decodeAny(payload: Uint8Array): void {
  const request = tolerated(() => decodeRequest(payload));
  if (request !== undefined) expect(decodeRequest(encodeRequest(request))).toEqual(request);
  const response = tolerated(() => decodeResponse(payload));
  if (response !== undefined) expect(decodeResponse(encodeResponse(response))).toEqual(response);
}

describe('fuzz', () => {
  it('random bytes into the decoders', () => {
    check(
      'wire fuzz random bytes',
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.nat(300), (bytes, cut) => {
        decodeAny(bytes);
        const decoder = new FrameDecoder({ crc32c: crc, maxPayloadBytes: 1 << 20 });
        tolerated(() => {
          decoder.push(bytes.subarray(0, cut));
          decoder.push(bytes.subarray(cut));
        });
      }),
    );
  });

  it('mutated valid payloads into decodeRequest and decodeResponse', () => {
    const seeds = payloads();
    check(
      'wire fuzz mutated payloads',
      fc.property(mutation, ({ which, edits }) => {
        decodeAny(mutate(seeds[which % seeds.length] as Uint8Array, edits));
      }),
      1000,
    );
  });

  it('mutated valid frames into FrameDecoder then the decoders', () => {
    const frames = payloads().map((p) => encodeFrame(p, crc));
    check(
      'wire fuzz mutated frames',
      fc.property(mutation, fc.nat(64), ({ which, edits }, cut) => {
        const frame = mutate(frames[which % frames.length] as Uint8Array, edits);
        const decoder = new FrameDecoder({ crc32c: crc });
        const out = tolerated(() => [
          ...decoder.push(frame.subarray(0, cut)),
          ...decoder.push(frame.subarray(cut)),
        ]);
        for (const payload of out ?? []) decodeAny(payload);
      }),
      1000,
    );
  });

  it('payloads with a recomputed CRC still decode safely', () => {
    const seeds = payloads();
    check(
      'wire fuzz recomputed crc',
      fc.property(mutation, ({ which, edits }) => {
        const frame = encodeFrame(mutate(seeds[which % seeds.length] as Uint8Array, edits), crc);
        const out = new FrameDecoder({ crc32c: crc }).push(frame);
        expect(out).toHaveLength(1);
        decodeAny(out[0] as Uint8Array);
      }),
      1000,
    );
  });
});
