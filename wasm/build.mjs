/**
 * Builds Kimberlite's WASM module: compiles wasm/assembly/index.ts with the AssemblyScript
 * compiler from npm into wasm/build/kimberlite.wasm, checks the result by instantiating it
 * in this Node process, and records the outcome in wasm/build/status.json:
 * `{ "built": true }` or `{ "built": false, "reason": "..." }`.
 *
 * Run by `npm install` (postinstall) and `npm run build:wasm`. It never exits non-zero: a
 * missing or failing compiler leaves the pure-TypeScript backends in charge, so this prints
 * one warning line on stderr and records why. KIMBERLITE_SKIP_WASM=1 skips the build.
 *
 * Invariant: kimberlite.wasm exists only when status.json says built. A failed or skipped
 * build removes any stale module, so a loader never runs code older than its source. The one
 * exception: with no compiler installed, a prebuilt module that passes the load check is kept.
 *
 * Options: `--wat` also writes wasm/build/kimberlite.wat (the text format, for reading).
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const wasmDir = dirname(fileURLToPath(import.meta.url));
const buildDir = join(wasmDir, 'build');
const moduleFile = join(buildDir, 'kimberlite.wasm');
const watFile = join(buildDir, 'kimberlite.wat');
const statusFile = join(buildDir, 'status.json');

/** The exports the TypeScript loader (ts/platform/wasm_module.ts) relies on. */
const REQUIRED_FUNCTIONS = [
  'scratch_base',
  'crc32c_update',
  'crc32c_pair',
  'crc32c_batch',
  'crc32c_batch_skip',
  'crc32c_batch_verify',
];

/**
 * Compiler flags: -O3 for speed; the stub runtime and no assertions, because the module
 * allocates nothing and must import nothing (abort= drops the `env.abort` import).
 */
const ASC_FLAGS = [
  '--runtime',
  'stub',
  '--optimizeLevel',
  '3',
  '--shrinkLevel',
  '0',
  '--noAssert',
  '--use',
  'abort=',
  '--noColors',
];

function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}

/** The compiler's first error and where it is, so the warning stays on one line. */
function firstError(text) {
  const lines = text.split('\n').map((line) => line.trim());
  const error = lines.find((line) => line.startsWith('ERROR'));
  if (error === undefined) return 'no diagnostic printed';
  const where = lines.find((line) => / in \S+\(\d+,\d+\)$/.test(line));
  return where === undefined ? error : `${error} (${where.replace(/^.* in /, '')})`;
}

function writeStatus(status) {
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(statusFile, `${JSON.stringify(status)}\n`);
}

/** Records a build that did not happen; prints one line; removes any stale module. */
function notBuilt(reason) {
  rmSync(moduleFile, { force: true });
  rmSync(watFile, { force: true });
  writeStatus({ built: false, reason });
  console.warn(`kimberlite: our WASM module not built (CRC32C uses another backend): ${reason}`);
}

/** Bit-at-a-time CRC-32C: slow and obviously right, to check the compiled tables against. */
function referenceCrc32c(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/**
 * Instantiates the binary with no imports and checks its exports and answers: the check
 * value of "123456789", and lengths on both sides of the interleaved loop's 768-byte round.
 * Throws on any mismatch.
 */
function validate(binary) {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(binary), {});
  const exports = instance.exports;
  if (!(exports.memory instanceof WebAssembly.Memory)) throw new Error('no exported memory');
  for (const name of REQUIRED_FUNCTIONS) {
    if (typeof exports[name] !== 'function') throw new Error(`missing export ${name}`);
  }
  const base = exports.scratch_base();
  const sample = new Uint8Array(5000);
  for (let i = 0; i < sample.length; i++) sample[i] = (i * 2654435761) >>> 24;
  const needed = base + sample.length - exports.memory.buffer.byteLength;
  if (needed > 0) exports.memory.grow(Math.ceil(needed / 65536));
  const check = new TextEncoder().encode('123456789');
  new Uint8Array(exports.memory.buffer).set(check, base);
  const kat = exports.crc32c_update(0, base, check.length) >>> 0;
  if (kat !== 0xe3069283) throw new Error(`CRC-32C("123456789") gave 0x${kat.toString(16)}`);
  new Uint8Array(exports.memory.buffer).set(sample, base);
  for (const length of [0, 1, 15, 16, 767, 768, 769, 1536, 2311, 5000]) {
    const got = exports.crc32c_update(0, base, length) >>> 0;
    if (got !== referenceCrc32c(sample.subarray(0, length))) {
      throw new Error(`CRC-32C of ${length} sample bytes is wrong`);
    }
  }
}

/**
 * Without a compiler (an install without devDependencies), a module shipped prebuilt in
 * wasm/build/ is kept if it passes the same load check; true when it was kept.
 */
function keepPrebuilt() {
  let binary;
  try {
    binary = readFileSync(moduleFile);
  } catch {
    return false;
  }
  try {
    validate(binary);
  } catch {
    return false;
  }
  writeStatus({ built: true });
  console.log(`kimberlite: no AssemblyScript compiler; kept the prebuilt ${moduleFile}`);
  return true;
}

async function build() {
  if (process.env.KIMBERLITE_SKIP_WASM === '1') {
    notBuilt('skipped: KIMBERLITE_SKIP_WASM=1');
    return;
  }
  let asc;
  try {
    asc = (await import('assemblyscript/asc')).default;
  } catch (error) {
    const reason = messageOf(error);
    if (keepPrebuilt()) return;
    notBuilt(`the AssemblyScript compiler (npm package assemblyscript) did not load: ${reason}`);
    return;
  }
  const outputs = new Map();
  const stdout = asc.createMemoryStream();
  const stderr = asc.createMemoryStream();
  const argv = ['assembly/index.ts', '--outFile', 'kimberlite.wasm', ...ASC_FLAGS];
  if (process.argv.includes('--wat')) argv.push('--textFile', 'kimberlite.wat');
  const result = await asc.main([...argv, '--baseDir', wasmDir], {
    stdout,
    stderr,
    // Keep the outputs in memory: only a validated module reaches wasm/build/.
    writeFile: (name, contents) => {
      outputs.set(name, contents);
    },
  });
  const binary = outputs.get('kimberlite.wasm');
  if (result.error !== null || !(binary instanceof Uint8Array)) {
    notBuilt(`asc ${asc.version} failed: ${firstError(stderr.toString())}`);
    return;
  }
  try {
    validate(binary);
  } catch (error) {
    notBuilt(`the compiled module failed its load check: ${messageOf(error)}`);
    return;
  }
  mkdirSync(buildDir, { recursive: true });
  const temporary = `${moduleFile}.${process.pid}.tmp`;
  writeFileSync(temporary, binary);
  renameSync(temporary, moduleFile);
  const wat = outputs.get('kimberlite.wat');
  if (wat !== undefined) writeFileSync(watFile, wat);
  else rmSync(watFile, { force: true }); // a text file from an older build would mislead
  writeStatus({ built: true });
  console.log(`kimberlite: built ${moduleFile} (${binary.length} bytes, asc ${asc.version})`);
}

try {
  await build();
} catch (error) {
  // Last resort (an unwritable build folder, say): still a warning, never a failed install.
  try {
    notBuilt(`unexpected error: ${messageOf(error)}`);
  } catch (inner) {
    const reason = messageOf(inner);
    console.warn(`kimberlite: WASM build failed and its status could not be recorded: ${reason}`);
  }
}
process.exitCode = 0;
