/**
 * Frames: the byte layout every message travels in. A 16-byte header (magic, protocol version,
 * flags, payload length, CRC-32C of the payload; all big-endian) then the payload.
 *
 * Invariant: a FrameDecoder checks a header completely (magic, version, flags, length limit)
 * before it buffers a byte of that frame's payload, so a peer cannot make it hold more than
 * one header plus `maxPayloadBytes`. After it throws, it is dead: the connection must close.
 */
import type { Crc32c } from '../crypto/index.js';
import { ErrorCode, KimberliteError, LIMITS } from '../types/index.js';
import { PROTOCOL_VERSIONS } from './messages.js';

/** "KMBW" as a big-endian u32. */
export const FRAME_MAGIC = 0x4b4d4257;
export const FRAME_HEADER_BYTES = 16;

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

function formatBytes(n: number): string {
  const mib = 1024 * 1024;
  return n % mib === 0 ? `${n / mib} MiB` : `${n} bytes`;
}

/**
 * Puts `payload` in a frame: header + payload, one new buffer. `version` defaults to the
 * lowest this build speaks (the one a handshake travels in); pass the negotiated one after.
 */
export function encodeFrame(
  payload: Uint8Array,
  crc: Crc32c,
  version: number = PROTOCOL_VERSIONS[0] ?? 1,
): Uint8Array {
  if (payload.byteLength > LIMITS.frameSizeBytesMax) {
    throw new KimberliteError(
      ErrorCode.LimitExceeded,
      `frame payload of ${payload.byteLength} bytes exceeds the ` +
        `${formatBytes(LIMITS.frameSizeBytesMax)} limit; split the request`,
    );
  }
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.byteLength);
  const view = new DataView(frame.buffer);
  view.setUint32(0, FRAME_MAGIC);
  view.setUint16(4, version);
  view.setUint16(6, 0);
  view.setUint32(8, payload.byteLength);
  view.setUint32(12, crc.compute(payload) >>> 0);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

export interface FrameDecoderOptions {
  readonly crc32c: Crc32c;
  /** Largest payload accepted (default and ceiling: LIMITS.frameSizeBytesMax). */
  readonly maxPayloadBytes?: number;
  /** Versions accepted in headers (default: PROTOCOL_VERSIONS). */
  readonly versions?: readonly number[];
}

/**
 * Streaming frame decoder: feed it chunks as they arrive (split anywhere, several frames per
 * chunk), get whole payloads back in order.
 */
export class FrameDecoder {
  private readonly crc: Crc32c;
  private readonly maxPayloadBytes: number;
  private readonly versions: readonly number[];
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** The current frame's header once read: payload length and CRC. */
  private pending: { length: number; crc: number } | undefined;
  private dead: KimberliteError | undefined;

  constructor(options: FrameDecoderOptions) {
    this.crc = options.crc32c;
    this.maxPayloadBytes = Math.min(
      options.maxPayloadBytes ?? LIMITS.frameSizeBytesMax,
      LIMITS.frameSizeBytesMax,
    );
    this.versions = options.versions ?? PROTOCOL_VERSIONS;
  }

  /** Bytes received and not yet returned as a payload (header bytes included). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    if (this.dead !== undefined) throw this.dead;
    if (chunk.byteLength > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.byteLength;
    }
    const out: Uint8Array[] = [];
    try {
      for (;;) {
        if (this.pending === undefined) {
          if (this.buffered < FRAME_HEADER_BYTES) break;
          // The header is parsed at once, so it may alias the caller's buffer (no copy).
          this.pending = this.readHeader(this.take(FRAME_HEADER_BYTES, false));
        }
        const { length, crc } = this.pending;
        if (this.buffered < length) break;
        const payload = this.take(length);
        const actual = this.crc.compute(payload) >>> 0;
        if (actual !== crc) {
          throw new KimberliteError(
            ErrorCode.ProtocolError,
            `frame CRC mismatch: payload of ${length} bytes has CRC ${hex(actual)}, ` +
              `header says ${hex(crc)}; the connection is corrupted, reconnect`,
          );
        }
        this.pending = undefined;
        out.push(payload);
      }
    } catch (error) {
      this.dead =
        error instanceof KimberliteError
          ? error
          : new KimberliteError(ErrorCode.ProtocolError, `frame decoding failed: ${error}`);
      this.chunks = [];
      this.buffered = 0;
      throw this.dead;
    }
    return out;
  }

  private readHeader(header: Uint8Array): { length: number; crc: number } {
    const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
    const magic = view.getUint32(0);
    if (magic !== FRAME_MAGIC) {
      throw new KimberliteError(
        ErrorCode.ProtocolError,
        `bad frame magic ${hex(magic)}: not a Kimberlite client/server ` +
          `(expected ${hex(FRAME_MAGIC)} "KMBW"); check the address and TLS settings`,
      );
    }
    const version = view.getUint16(4);
    if (!this.versions.includes(version)) {
      throw new KimberliteError(
        ErrorCode.ProtocolError,
        `frame protocol version ${version} is not one this side speaks ` +
          `(${this.versions.join(', ')}); upgrade the older side`,
      );
    }
    const flags = view.getUint16(6);
    if (flags !== 0) {
      throw new KimberliteError(
        ErrorCode.ProtocolError,
        `frame flags 0x${flags.toString(16)} are not defined in this protocol version (must be 0)`,
      );
    }
    const length = view.getUint32(8);
    if (length > this.maxPayloadBytes) {
      throw new KimberliteError(
        ErrorCode.LimitExceeded,
        `frame payload of ${length} bytes exceeds the ${formatBytes(this.maxPayloadBytes)} ` +
          'limit; split the request into smaller ones',
      );
    }
    return { length, crc: view.getUint32(12) };
  }

  /**
   * Removes and returns the first `n` buffered bytes (n <= buffered); a copy unless `copy` is
   * false (then it may alias a pushed chunk: only for bytes used before `push` returns).
   */
  private take(n: number, copy = true): Uint8Array {
    const first = this.chunks[0];
    if (first !== undefined && first.byteLength >= n) {
      const result = first.subarray(0, n);
      if (first.byteLength === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      // Copy so a returned payload never aliases the caller's (reused) socket buffer.
      return copy ? result.slice() : result;
    }
    const result = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0] as Uint8Array;
      const want = n - filled;
      if (chunk.byteLength <= want) {
        result.set(chunk, filled);
        filled += chunk.byteLength;
        this.chunks.shift();
      } else {
        result.set(chunk.subarray(0, want), filled);
        this.chunks[0] = chunk.subarray(want);
        filled += want;
      }
    }
    this.buffered -= n;
    return result;
  }
}
