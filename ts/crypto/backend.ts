/**
 * Backends: every hot-path primitive has one interface and several implementations
 * ("backends") of four kinds. A `Candidate` names one implementation and loads it lazily, so a
 * native addon or WASM module is only touched when it is asked for.
 *
 * - `native`: Kimberlite's own N-API addon (`native/`), compiled code called once per batch.
 * - `node`: what the `node` binary ships (`node:crypto`, backed by its OpenSSL).
 * - `wasm`: WebAssembly, our own module (`wasm/`) or a well-kept npm package.
 * - `ts`: the pure TypeScript reference. Always present; every other backend is tested
 *   against it.
 */

export const BACKEND_KINDS = ['native', 'node', 'wasm', 'ts'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

/** What an operator asks for: `auto` picks the fastest that loads, per primitive. */
export type BackendChoice = 'auto' | BackendKind;

/** Which implementation an instance is, for reports (`kimberlite --version`, benchmarks). */
export interface BackendInfo {
  readonly kind: BackendKind;
  /** The implementation within its kind, e.g. `crypto.hash`, `hash-wasm`, `sse4.2`. */
  readonly name: string;
}

/** Every backend instance carries its `info`. */
export interface Backend {
  readonly info: BackendInfo;
}

/** One implementation of a primitive, loaded on demand. `load` rejects with the reason. */
export interface Candidate<T extends Backend> {
  readonly kind: BackendKind;
  readonly name: string;
  load(): Promise<T>;
}
