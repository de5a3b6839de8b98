/**
 * The wire layer (pure): frames, the message codec and the error shape of Kimberlite's binary
 * protocol (docs/wire-protocol.md). No IO: the server and the client own the sockets.
 */
export {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  errorResponse,
  REQUEST_TYPES,
  RETRYABLE_CODES,
  toWireError,
} from './codec.js';
export type { FrameDecoderOptions } from './frame.js';
export { encodeFrame, FRAME_HEADER_BYTES, FRAME_MAGIC, FrameDecoder } from './frame.js';
export * from './messages.js';

import type { Crc32c } from '../crypto/index.js';
import { encodeRequest, encodeResponse } from './codec.js';
import { encodeFrame } from './frame.js';
import type { Request, Response } from './messages.js';

/** Encodes `request` and puts it in a frame. */
export function requestFrame(request: Request, crc: Crc32c): Uint8Array {
  return encodeFrame(encodeRequest(request), crc);
}

/** Encodes `response` and puts it in a frame. */
export function responseFrame(response: Response, crc: Crc32c): Uint8Array {
  return encodeFrame(encodeResponse(response), crc);
}
