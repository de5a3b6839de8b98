/**
 * Loading a backend whose setup is asynchronous or may fail (the hash-wasm and blake3-wasm
 * backends): one attempt shared by every caller, a known-answer check so that a module that
 * loads but computes wrong answers does not load, and any failure reported as
 * BACKEND_UNAVAILABLE naming what did not load (so `auto` moves on to the next candidate).
 *
 * Invariant: a loader holds a promise only while it is pending or fulfilled; a failed attempt
 * is forgotten, so a later call tries again.
 */
import { ErrorCode, KimberliteError } from '../types/index.js';

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Throws unless `actual` is `expectedHex`; `what` names the computation in the message.
 *
 * @example
 * checkKnownAnswer(backend.digest(utf8('abc')), 'ba7816bf...', 'SHA-256("abc")');
 */
export function checkKnownAnswer(actual: Uint8Array, expectedHex: string, what: string): void {
  const hex = toHex(actual);
  if (hex !== expectedHex) throw new Error(`known-answer check failed: ${what} = ${hex}`);
}

/**
 * A `load` that runs `create` once and shares its result. The backend is shared by every
 * caller, which is safe because each of its calls is synchronous and complete.
 *
 * @example
 * export const load = loadOnce('hash-wasm SHA-256', create);
 */
export function loadOnce<T>(what: string, create: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return async () => {
    loading ??= create();
    try {
      return await loading;
    } catch (error) {
      loading = undefined;
      const reason = error instanceof Error ? error.message : String(error);
      throw new KimberliteError(ErrorCode.BackendUnavailable, `${what} did not load: ${reason}`, {
        cause: error,
      });
    }
  };
}
