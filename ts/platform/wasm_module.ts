/**
 * Loads Kimberlite's own WASM module (`wasm/build/kimberlite.wasm`, built from
 * `wasm/assembly/index.ts` by `wasm/build.mjs`) and wraps its flat memory for callers that
 * copy data in, call once, and copy results out.
 *
 * Memory: the module's static tables sit below `scratchBase`; everything from `scratchBase` up
 * is scratch that belongs to whichever caller is running. Calls are synchronous and never
 * re-enter, so one caller's scratch contents are only meaningful until it returns. Memory only
 * grows (WebAssembly cannot shrink it), up to `WASM_SCRATCH_BYTES_MAX` of scratch.
 *
 * Invariant: a loaded module has passed its known-answer check, and the views handed out by
 * `u8()` / `u32()` always cover the current memory (growing detaches the old buffer).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, ErrorCode, KimberliteError } from '../types/index.js';
import { buildStatus, packageRoot } from './build_status.js';

/**
 * The slice of the WebAssembly JS API used here. The project's `lib` has no DOM and
 * `@types/node` 20 declares no `WebAssembly`, so it is typed locally and read from
 * `globalThis`, which also lets a host without WebAssembly (`node --jitless`) fail the load
 * with a clear message instead of a ReferenceError.
 */
export interface WebAssemblyMemory {
  readonly buffer: ArrayBuffer;
  /** Grows by `deltaPages` 64 KiB pages; returns the old size in pages, throws if it cannot. */
  grow(deltaPages: number): number;
}

interface WebAssemblyApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (
    module: object,
    imports: Record<string, never>,
  ) => { readonly exports: Record<string, unknown> };
  readonly Memory: abstract new (...args: never[]) => WebAssemblyMemory;
}

function webAssembly(): WebAssemblyApi {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (api === undefined) throw new Error('this JavaScript engine has no WebAssembly (--jitless?)');
  return api;
}

/** WebAssembly page size in bytes. */
const PAGE_BYTES = 64 * 1024;

/**
 * Scratch a caller may reserve: enough for a 16 MiB frame or a large batch group with room to
 * spare, far below wasm32's 4 GiB, so a runaway caller fails an assertion instead of pinning
 * gigabytes (wasm memory never shrinks). Callers process larger inputs in pieces.
 */
export const WASM_SCRATCH_BYTES_MAX = 64 * 1024 * 1024;

/**
 * The module's exports. Pointers and lengths are byte addresses and counts in `memory`; CRCs
 * come back as i32, so read them with `>>> 0`.
 */
export interface KimberliteWasmExports {
  readonly memory: WebAssemblyMemory;
  /** First scratch byte: past the static tables, 64-byte aligned. */
  scratch_base(): number;
  /** Continues `crc` (0 to start) over `[ptr, ptr + len)`, with the standard inversion. */
  crc32c_update(crc: number, ptr: number, len: number): number;
  /** CRC-32C of `head ++ body` for two separate ranges. */
  crc32c_pair(headPtr: number, headLen: number, bodyPtr: number, bodyLen: number): number;
  /**
   * `out[i]` = CRC-32C of record `i`. `offsetsPtr` holds `count + 1` u32 offsets; record `i`
   * starts at `dataPtr + offsets[i] - offsets[0]` (offsets are rebased on the first one).
   */
  crc32c_batch(dataPtr: number, offsetsPtr: number, count: number, outPtr: number): void;
  /** As `crc32c_batch`, each CRC over the bytes after the first `skip`; a shorter record traps. */
  crc32c_batch_skip(
    dataPtr: number,
    offsetsPtr: number,
    count: number,
    skip: number,
    outPtr: number,
  ): void;
  /**
   * Index of the first record whose CRC (after `skip` bytes) differs from `expected[i]`, or
   * `count` when all match; a record shorter than `skip` counts as a mismatch.
   */
  crc32c_batch_verify(
    dataPtr: number,
    offsetsPtr: number,
    count: number,
    skip: number,
    expectedPtr: number,
  ): number;
}

/** The shape of a record batch (see `crypto/batch.ts`), restated so platform needs no crypto. */
export interface BatchView {
  readonly data: Uint8Array;
  /** `count + 1` non-decreasing u32 offsets into `data`. */
  readonly offsets: Uint32Array;
}

/** Where `copyBatchIn` put records `[first, end)` of a batch, as byte addresses. */
export interface BatchLayout {
  /** Number of records copied: `end - first`. */
  readonly count: number;
  /** `count + 1` u32 offsets, copied unchanged (the module rebases them on the first). */
  readonly offsetsPtr: number;
  /** Room for `count` u32 results (CRCs out, or expected CRCs in). */
  readonly resultsPtr: number;
  /** The records' bytes, back to back, starting with record `first`'s. */
  readonly dataPtr: number;
}

/**
 * Kimberlite's WASM module, loaded and checked.
 *
 * @example
 * const wasm = loadWasmModule();
 * const data = new TextEncoder().encode('123456789');
 * wasm.reserve(data.length);
 * wasm.u8().set(data, wasm.scratchBase);
 * wasm.exports.crc32c_update(0, wasm.scratchBase, data.length) >>> 0; // 0xe3069283
 */
export interface KimberliteWasm {
  readonly exports: KimberliteWasmExports;
  /** The file it was loaded from, for messages. */
  readonly path: string;
  /** First scratch byte (64-byte aligned). */
  readonly scratchBase: number;
  /**
   * Makes `[scratchBase, scratchBase + bytes)` addressable, growing memory if needed. Asserts
   * `bytes <= WASM_SCRATCH_BYTES_MAX`. Fetch views again afterwards.
   */
  reserve(bytes: number): void;
  /** A byte view of the whole memory, current even after growth. */
  u8(): Uint8Array;
  /** A u32 view of the whole memory; index it with `address >>> 2`. */
  u32(): Uint32Array;
  /** Scratch bytes `copyBatchIn` needs for records `[first, end)` of `batch`. */
  batchScratchBytes(batch: BatchView, first: number, end: number): number;
  /**
   * Copies records `[first, end)` of `batch` (offsets and bytes) into scratch, reserving the
   * room first, and leaves room for one u32 result per record. One copy of each part.
   */
  copyBatchIn(batch: BatchView, first: number, end: number): BatchLayout;
}

const EXPORTED_FUNCTIONS = [
  'scratch_base',
  'crc32c_update',
  'crc32c_pair',
  'crc32c_batch',
  'crc32c_batch_skip',
  'crc32c_batch_verify',
] as const;

/** Where `wasm/build.mjs` writes the module. */
export function wasmModulePath(): string {
  return join(packageRoot(), 'wasm', 'build', 'kimberlite.wasm');
}

function align(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

/** Checks the instance's exports against `KimberliteWasmExports`; throws naming what is off. */
function checkedExports(
  api: WebAssemblyApi,
  exports: Record<string, unknown>,
): KimberliteWasmExports {
  if (!(exports.memory instanceof api.Memory)) {
    throw new Error('the module exports no memory');
  }
  for (const name of EXPORTED_FUNCTIONS) {
    if (typeof exports[name] !== 'function') {
      throw new Error(`the module has no export ${name} (built from older sources?)`);
    }
  }
  return exports as unknown as KimberliteWasmExports;
}

class LoadedWasm implements KimberliteWasm {
  readonly exports: KimberliteWasmExports;
  readonly path: string;
  readonly scratchBase: number;
  /** Invariant: over `exports.memory.buffer` unless memory grew since (then length 0). */
  private bytes: Uint8Array;
  private words: Uint32Array;

  constructor(exports: KimberliteWasmExports, path: string) {
    this.exports = exports;
    this.path = path;
    this.scratchBase = exports.scratch_base();
    assert(this.scratchBase % 64 === 0, 'the WASM scratch base is 64-byte aligned');
    this.bytes = new Uint8Array(exports.memory.buffer);
    this.words = new Uint32Array(exports.memory.buffer);
  }

  reserve(bytes: number): void {
    // The cached view's length is the memory size; `memory.buffer` is a slower API call, and
    // this runs on every small CRC.
    if (this.scratchBase + bytes <= this.u8().length) return;
    assert(Number.isInteger(bytes) && bytes >= 0, `cannot reserve ${bytes} bytes`);
    assert(bytes <= WASM_SCRATCH_BYTES_MAX, `WASM scratch of ${bytes} bytes is past the limit`);
    const missing = this.scratchBase + bytes - this.u8().length;
    this.exports.memory.grow(Math.ceil(missing / PAGE_BYTES));
  }

  u8(): Uint8Array {
    // A grown memory detaches the old buffer, whose views then read as empty.
    if (this.bytes.byteLength === 0) this.bytes = new Uint8Array(this.exports.memory.buffer);
    return this.bytes;
  }

  u32(): Uint32Array {
    if (this.words.byteLength === 0) this.words = new Uint32Array(this.exports.memory.buffer);
    return this.words;
  }

  batchScratchBytes(batch: BatchView, first: number, end: number): number {
    const count = end - first;
    const dataBytes = (batch.offsets[end] ?? 0) - (batch.offsets[first] ?? 0);
    return align(8 * count + 4, 16) + dataBytes;
  }

  copyBatchIn(batch: BatchView, first: number, end: number): BatchLayout {
    const { data, offsets } = batch;
    assert(first >= 0 && first <= end && end < offsets.length, 'batch range is out of bounds');
    const start = offsets[first] ?? 0;
    const stop = offsets[end] ?? 0;
    assert(start <= stop && stop <= data.length, 'batch offsets run past the data');
    const count = end - first;
    this.reserve(this.batchScratchBytes(batch, first, end));
    const offsetsPtr = this.scratchBase;
    const resultsPtr = offsetsPtr + 4 * (count + 1);
    const dataPtr = this.scratchBase + align(8 * count + 4, 16);
    this.u32().set(offsets.subarray(first, end + 1), offsetsPtr >>> 2);
    this.u8().set(data.subarray(start, stop), dataPtr);
    return { count, offsetsPtr, resultsPtr, dataPtr };
  }
}

/** Instantiates the module at `path` and runs its known-answer check. */
function instantiate(path: string): KimberliteWasm {
  // The module and callers exchange u32 arrays byte for byte; wasm is little-endian.
  if (new Uint8Array(Uint32Array.of(1).buffer)[0] !== 1) {
    throw new Error('this host is big-endian; the WASM backends assume little-endian');
  }
  const api = webAssembly();
  const bytes = readFileSync(path);
  // The module imports nothing: anything it asked for would be a build mistake.
  const instance = new api.Instance(new api.Module(bytes), {});
  const wasm = new LoadedWasm(checkedExports(api, instance.exports), path);
  const check = new TextEncoder().encode('123456789');
  wasm.reserve(check.length);
  wasm.u8().set(check, wasm.scratchBase);
  const crc = wasm.exports.crc32c_update(0, wasm.scratchBase, check.length) >>> 0;
  if (crc !== 0xe3069283) {
    throw new Error(`known-answer check failed: CRC-32C("123456789") = 0x${crc.toString(16)}`);
  }
  return wasm;
}

/** A short reason: a missing file says so without repeating the path the message names. */
function describeLoadError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return 'code' in error && error.code === 'ENOENT' ? 'no such file' : error.message;
}

let loaded: KimberliteWasm | undefined;

/**
 * Kimberlite's WASM module, instantiated synchronously on first use and cached. Throws
 * `KimberliteError` (`BACKEND_UNAVAILABLE`) naming the file and the recorded build status,
 * with the underlying error as `cause`; a later call tries again (after a rebuild, say).
 */
export function loadWasmModule(): KimberliteWasm {
  if (loaded !== undefined) return loaded;
  const path = wasmModulePath();
  try {
    loaded = instantiate(path);
    return loaded;
  } catch (error) {
    const status = buildStatus('wasm');
    const built = status.built ? 'built' : `not built: ${status.reason ?? 'no reason recorded'}`;
    const reason = describeLoadError(error);
    throw new KimberliteError(
      ErrorCode.BackendUnavailable,
      `the Kimberlite WASM module ${path} did not load (${reason}); build status: ${built}. ` +
        'Run npm run build:wasm, or choose another backend.',
      { cause: error },
    );
  }
}
