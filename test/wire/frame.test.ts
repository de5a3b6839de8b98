/**
 * Frames (ts/wire/frame.ts): the header layout, streaming decode of chunks split anywhere,
 * and every malformed header refused before its payload is buffered.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Crc32c } from '../../ts/crypto/index.js';
import { loadCrypto } from '../../ts/crypto/index.js';
import { ErrorCode, KimberliteError, LIMITS } from '../../ts/types/index.js';
import { encodeFrame, FRAME_HEADER_BYTES, FRAME_MAGIC, FrameDecoder } from '../../ts/wire/index.js';

let crc: Crc32c;
beforeAll(async () => {
  crc = (await loadCrypto({ choice: 'ts' })).crc32c;
});

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function thrown(f: () => unknown): KimberliteError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(KimberliteError);
    return error as KimberliteError;
  }
  throw new Error('expected a KimberliteError, nothing was thrown');
}

describe('encodeFrame', () => {
  it('writes the 16-byte big-endian header then the payload', () => {
    const payload = text('123456789');
    const frame = encodeFrame(payload, crc);
    const view = new DataView(frame.buffer);
    expect(FRAME_HEADER_BYTES).toBe(16);
    expect(frame.byteLength).toBe(16 + 9);
    expect(view.getUint32(0)).toBe(FRAME_MAGIC);
    expect(new TextDecoder().decode(frame.subarray(0, 4))).toBe('KMBW');
    expect(view.getUint16(4)).toBe(1);
    expect(view.getUint16(6)).toBe(0);
    expect(view.getUint32(8)).toBe(9);
    expect(view.getUint32(12)).toBe(0xe3069283);
    expect(frame.subarray(16)).toEqual(payload);
  });
});

describe('FrameDecoder', () => {
  it('decodes several frames in one chunk, in order', () => {
    const frames = ['a', '', 'hello', 'x'.repeat(1000)].map((s) => encodeFrame(text(s), crc));
    const all = new Uint8Array(frames.reduce((n, f) => n + f.byteLength, 0));
    let at = 0;
    for (const f of frames) {
      all.set(f, at);
      at += f.byteLength;
    }
    const decoder = new FrameDecoder({ crc32c: crc });
    const out = decoder.push(all).map((p) => new TextDecoder().decode(p));
    expect(out).toEqual(['a', '', 'hello', 'x'.repeat(1000)]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('decodes two frames split at every byte boundary, and byte by byte', () => {
    const a = encodeFrame(text('first payload'), crc);
    const b = encodeFrame(text('second'), crc);
    const both = new Uint8Array([...a, ...b]);
    for (let cut = 0; cut <= both.byteLength; cut += 1) {
      const decoder = new FrameDecoder({ crc32c: crc });
      const out = [...decoder.push(both.subarray(0, cut)), ...decoder.push(both.subarray(cut))];
      expect(out.map((p) => new TextDecoder().decode(p))).toEqual(['first payload', 'second']);
    }
    const decoder = new FrameDecoder({ crc32c: crc });
    const out: Uint8Array[] = [];
    for (const byte of both) out.push(...decoder.push(new Uint8Array([byte])));
    expect(out).toHaveLength(2);
  });

  it('keeps a truncated frame buffered until the rest arrives', () => {
    const frame = encodeFrame(text('payload'), crc);
    const decoder = new FrameDecoder({ crc32c: crc });
    expect(decoder.push(frame.subarray(0, 10))).toEqual([]);
    expect(decoder.bufferedBytes).toBe(10);
    expect(decoder.push(frame.subarray(10, 20))).toEqual([]);
    expect(decoder.push(frame.subarray(20))).toEqual([text('payload')]);
  });

  it('returns payloads that do not alias the pushed chunk', () => {
    const frame = encodeFrame(text('abc'), crc);
    const [payload] = new FrameDecoder({ crc32c: crc }).push(frame);
    frame.fill(0);
    expect(payload).toEqual(text('abc'));
  });

  it('refuses a bad magic', () => {
    const frame = encodeFrame(text('x'), crc);
    frame.set(text('GET '), 0);
    const error = thrown(() => new FrameDecoder({ crc32c: crc }).push(frame));
    expect(error.code).toBe(ErrorCode.ProtocolError);
    expect(error.message).toMatch('bad frame magic 0x47455420: not a Kimberlite client/server');
  });

  it('refuses an unknown version and non-zero flags', () => {
    const badVersion = encodeFrame(text('x'), crc, 9);
    const e1 = thrown(() => new FrameDecoder({ crc32c: crc }).push(badVersion));
    expect(e1.code).toBe(ErrorCode.ProtocolError);
    expect(e1.message).toMatch('protocol version 9');
    const badFlags = encodeFrame(text('x'), crc);
    new DataView(badFlags.buffer).setUint16(6, 1);
    const e2 = thrown(() => new FrameDecoder({ crc32c: crc }).push(badFlags));
    expect(e2.code).toBe(ErrorCode.ProtocolError);
    expect(e2.message).toMatch('flags');
  });

  it('refuses a CRC mismatch with both values', () => {
    const frame = encodeFrame(text('123456789'), crc);
    frame[20] = (frame[20] as number) ^ 1;
    const error = thrown(() => new FrameDecoder({ crc32c: crc }).push(frame));
    expect(error.code).toBe(ErrorCode.ProtocolError);
    expect(error.message).toMatch(/frame CRC mismatch: payload of 9 bytes has CRC 0x[0-9a-f]{8}, /);
    expect(error.message).toMatch('header says 0xe3069283');
  });

  it('refuses an oversize length from the header alone, before buffering', () => {
    const header = new Uint8Array(FRAME_HEADER_BYTES);
    const view = new DataView(header.buffer);
    view.setUint32(0, FRAME_MAGIC);
    view.setUint16(4, 1);
    view.setUint32(8, LIMITS.frameSizeBytesMax + 1);
    const error = thrown(() => new FrameDecoder({ crc32c: crc }).push(header));
    expect(error.code).toBe(ErrorCode.LimitExceeded);
    expect(error.message).toMatch(
      `frame payload of ${LIMITS.frameSizeBytesMax + 1} bytes exceeds the 16 MiB limit`,
    );
    const small = new FrameDecoder({ crc32c: crc, maxPayloadBytes: 4 });
    expect(thrown(() => small.push(encodeFrame(text('hello'), crc))).code).toBe(
      ErrorCode.LimitExceeded,
    );
  });

  it('is dead after an error', () => {
    const decoder = new FrameDecoder({ crc32c: crc });
    thrown(() => decoder.push(new Uint8Array(16)));
    expect(decoder.bufferedBytes).toBe(0);
    expect(thrown(() => decoder.push(encodeFrame(text('ok'), crc))).code).toBe(
      ErrorCode.ProtocolError,
    );
  });

  it('refuses to encode a payload over the limit', () => {
    const error = thrown(() => encodeFrame(new Uint8Array(LIMITS.frameSizeBytesMax + 1), crc));
    expect(error.code).toBe(ErrorCode.LimitExceeded);
  });
});
