#!/usr/bin/env node
/**
 * Builds the N-API addon (run by `npm install` through postinstall, and by
 * `npm run build:native`). Steps: `cargo build --release --offline` in native/ with
 * CARGO_TARGET_DIR=native/target, copy the library to native/build/kimberlite.node, load it in
 * a child `node` (main thread and a worker) to prove it really loads, and record the outcome
 * in native/build/status.json: `{"built":true}` or `{"built":false,"reason":"..."}`.
 *
 * It never exits non-zero and never fails the install: a missing toolchain, a compile error or
 * an addon that does not load becomes one warning line on stderr and `built: false`, and the
 * WASM / TypeScript backends serve instead. `built: false` also removes any older
 * kimberlite.node, so the status and the artifact never disagree.
 *
 * KIMBERLITE_SKIP_NATIVE=1 skips the build. Cargo is incremental, so a run with nothing
 * changed takes well under a second. Plain ESM, no dependencies.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NATIVE_DIR = dirname(fileURLToPath(import.meta.url));
const BUILD_DIR = join(NATIVE_DIR, 'build');
const TARGET_DIR = join(NATIVE_DIR, 'target');
const ADDON_PATH = join(BUILD_DIR, 'kimberlite.node');
const STATUS_PATH = join(BUILD_DIR, 'status.json');
const LOG_PATH = join(BUILD_DIR, 'build.log');
const LIBRARY_PATH = join(TARGET_DIR, 'release', 'libkimberlite_native.so');
/** A first build compiles in well under a minute; a hung toolchain must not hang the install. */
const CARGO_TIMEOUT_MS = 15 * 60 * 1000;
const CHECK_TIMEOUT_MS = 60 * 1000;

/**
 * Loads the addon given as argv[1] on the main thread and in a worker, and checks a known
 * answer on each (CRC-32C check value, SHA-256 of "abc"). Exits non-zero with the reason.
 */
const CHECK_SCRIPT = `
const { Worker } = require('node:worker_threads');
const path = process.argv[1];
function fail(where, error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error('check failed ' + where + ': ' + message.split('\\n')[0]);
  process.exit(1);
}
function probe(path) {
  const addon = require(path);
  const crc = addon.crc32cUpdate(0, new TextEncoder().encode('123456789'));
  if (crc !== 0xe3069283) throw new Error('CRC-32C check value is wrong: ' + crc.toString(16));
  const out = new Uint8Array(32);
  addon.sha256Digest(new TextEncoder().encode('abc'), out);
  const sha = Buffer.from(out).toString('hex');
  if (!sha.startsWith('ba7816bf')) throw new Error('SHA-256 of "abc" is wrong: ' + sha);
  return addon.abiVersion();
}
try {
  probe(path);
} catch (error) {
  fail('on the main thread', error);
}
const source = 'const { parentPort, workerData } = require("node:worker_threads");' +
  '(' + probe.toString() + ')(workerData); parentPort.postMessage("ok");';
const worker = new Worker(source, { eval: true, workerData: path });
worker.once('message', () => process.exit(0));
worker.once('error', (error) => fail('in a worker thread', error));
worker.once('exit', (code) => fail('in a worker thread', 'the worker exited with ' + code));
`;

function writeStatus(status) {
  mkdirSync(BUILD_DIR, { recursive: true });
  const temporary = `${STATUS_PATH}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(status)}\n`);
  renameSync(temporary, STATUS_PATH);
}

/** Records `built: false`, removes any stale addon, and warns in one line. */
function notBuilt(reason) {
  rmSync(ADDON_PATH, { force: true });
  writeStatus({ built: false, reason });
  console.warn(
    `kimberlite: native addon not built: ${reason}. ` +
      'WASM and TypeScript backends will be used instead.',
  );
}

function runs(command) {
  const probe = spawnSync(command, ['--version'], { encoding: 'utf8' });
  return probe.error === undefined && probe.status === 0;
}

/** `cargo` on PATH, else rustup's default location; undefined when there is none. */
function findCargo() {
  const cargoHome = process.env.CARGO_HOME ?? join(homedir(), '.cargo');
  return ['cargo', join(cargoHome, 'bin', 'cargo')].find(runs);
}

/** The line of `output` that says what went wrong: cargo's first error, or our check's. */
function firstErrorLine(output) {
  const lines = output.split('\n').map((line) => line.trim());
  const said = lines.find((line) => line.startsWith('error') || line.startsWith('check failed'));
  return said ?? lines.filter(Boolean).at(-1) ?? 'no output';
}

/** Copies the library into place unless identical; rename keeps running processes safe. */
function install() {
  const library = readFileSync(LIBRARY_PATH);
  let current;
  try {
    current = readFileSync(ADDON_PATH);
  } catch {
    current = undefined;
  }
  if (current?.equals(library)) return;
  const temporary = `${ADDON_PATH}.tmp`;
  copyFileSync(LIBRARY_PATH, temporary);
  renameSync(temporary, ADDON_PATH);
}

function build() {
  if (process.env.KIMBERLITE_SKIP_NATIVE === '1') {
    rmSync(ADDON_PATH, { force: true });
    writeStatus({ built: false, reason: 'skipped by KIMBERLITE_SKIP_NATIVE' });
    console.warn('kimberlite: native addon skipped (KIMBERLITE_SKIP_NATIVE=1)');
    return;
  }
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) {
    notBuilt(`the addon supports Linux on x64 and arm64, not ${process.platform}-${process.arch}`);
    return;
  }
  const cargo = findCargo();
  if (cargo === undefined) {
    notBuilt('cargo was not found (install Rust from https://rustup.rs to build it)');
    return;
  }
  mkdirSync(BUILD_DIR, { recursive: true });
  const compiled = spawnSync(cargo, ['build', '--release', '--offline'], {
    cwd: NATIVE_DIR,
    env: { ...process.env, CARGO_TARGET_DIR: TARGET_DIR },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: CARGO_TIMEOUT_MS,
  });
  writeFileSync(LOG_PATH, `${compiled.stdout ?? ''}${compiled.stderr ?? ''}`);
  if (compiled.error !== undefined) {
    notBuilt(`cargo did not run: ${compiled.error.message}`);
    return;
  }
  if (compiled.status !== 0) {
    const error = firstErrorLine(compiled.stderr ?? '');
    notBuilt(`cargo build failed: ${error} (see native/build/build.log)`);
    return;
  }
  install();
  const checked = spawnSync(process.execPath, ['-e', CHECK_SCRIPT, ADDON_PATH], {
    encoding: 'utf8',
    timeout: CHECK_TIMEOUT_MS,
  });
  if (checked.error !== undefined || checked.status !== 0) {
    const why = checked.error?.message ?? firstErrorLine(checked.stderr ?? '');
    notBuilt(`the built addon does not load in node ${process.version}: ${why}`);
    return;
  }
  writeStatus({ built: true });
}

try {
  build();
} catch (error) {
  try {
    notBuilt(`unexpected error: ${error instanceof Error ? error.message : String(error)}`);
  } catch {
    console.warn('kimberlite: native addon not built, and its status could not be recorded');
  }
}
process.exitCode = 0;
