#!/usr/bin/env node
// tidy: the project's own structural checks, run by `npm test` beside the linter.
//   1. lines are at most 100 characters (TypeScript, JavaScript, Rust, AssemblyScript);
//   2. pure layers use no clock, randomness, timers, process, async or node:* modules;
//   3. layers import each other only downward, and only through a layer's index.ts;
//   4. file names under ts/ and test/ are snake_case; to-dos name their issue: TODO(#12).
// Usage: node .ci/tidy.mjs [root]   (root defaults to the repository; tests point it at
// fixture trees). Exits 1 and prints file:line: problem for every violation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const LINE_LENGTH_MAX = 100;

// Which layers each layer may import (ARCHITECTURE.md section 2). A layer absent here may
// import nothing but itself; `index` is the facade ts/index.ts.
const BELOW_SHELLS = [
  'types',
  'platform',
  'crypto',
  'storage',
  'kernel',
  'store',
  'query',
  'vsr',
  'runtime',
  'directory',
  'compliance',
];
const LAYER_DEPENDENCIES = {
  types: [],
  platform: ['types'],
  crypto: ['types', 'platform'],
  storage: ['types', 'platform', 'crypto'],
  kernel: ['types', 'crypto'],
  store: ['types', 'platform', 'crypto', 'storage', 'kernel'],
  query: ['types', 'crypto', 'kernel', 'store'],
  vsr: ['types', 'crypto'],
  runtime: ['types', 'platform', 'crypto', 'storage', 'kernel', 'store', 'query', 'vsr'],
  directory: ['types', 'crypto', 'kernel'],
  compliance: ['types', 'crypto', 'storage', 'kernel', 'store', 'query', 'runtime'],
  wire: ['types', 'crypto'],
  // The shells sit on every layer below the protocol; the CLI also on the server and client.
  server: [...BELOW_SHELLS, 'wire'],
  client: ['types', 'crypto', 'wire'],
  cli: [...BELOW_SHELLS, 'wire', 'server', 'client'],
  sim: [...BELOW_SHELLS, 'wire'],
};

// Deterministic layers (ARCHITECTURE.md section 7): no IO, clock, randomness or concurrency.
const PURE_LAYERS = new Set(['types', 'kernel', 'store', 'query', 'vsr', 'wire']);
const PURE_BANNED = [
  [/\bDate\.now\s*\(/, 'Date.now (time enters through the command)'],
  [/\bnew Date\s*\(\s*\)/, 'new Date() (time enters through the command)'],
  [/\bMath\.random\s*\(/, 'Math.random (use a seeded PRNG)'],
  [/\bperformance\.now\s*\(/, 'performance.now'],
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask)\s*\(/, 'timers'],
  [/\bprocess\./, 'process (the shells own the environment)'],
  [/\bfrom\s+['"]node:|\bimport\s*\(\s*['"]node:|\brequire\s*\(/, 'node:* modules'],
  [/\basync\s+(function\b|\(|[A-Za-z_$][\w$]*\s*\()|\bawait\s/, 'async code'],
  [/\bcrypto\.(randomUUID|getRandomValues|randomBytes)\b/, 'randomness'],
];

// Built from parts so this file does not match itself.
const UNLINKED_TODO = new RegExp(`\\b${'TO'}DO\\b(?!\\(#\\d+\\))`);

const SOURCE_EXTENSIONS = ['.ts', '.mts', '.mjs', '.js', '.rs'];
// Generated or installed trees, and benchmark output (bench/results/), are not our source.
const SKIP_DIRECTORIES = new Set([
  'node_modules',
  'dist',
  'build',
  'target',
  '.git',
  '.tmp',
  'results',
]);

function walk(directory, files = []) {
  let entries;
  try {
    entries = readdirSync(directory);
  } catch {
    return files;
  }
  for (const entry of entries) {
    if (SKIP_DIRECTORIES.has(entry)) continue;
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) walk(path, files);
    else if (SOURCE_EXTENSIONS.some((extension) => entry.endsWith(extension))) files.push(path);
  }
  return files;
}

function stripComments(line) {
  const at = line.indexOf('//');
  return at === -1 ? line : line.slice(0, at);
}

function layerOf(root, path) {
  const parts = relative(join(root, 'ts'), path).split(sep);
  if (parts[0] === '..' || parts.length === 0) return undefined;
  return parts.length === 1 ? 'index' : parts[0];
}

const IMPORT_PATTERN = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/g;

function checkImports(root, path, layer, text, report) {
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    for (const match of stripComments(line).matchAll(IMPORT_PATTERN)) {
      const specifier = match[1];
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(path), specifier);
      const targetLayer = layerOf(root, target);
      if (targetLayer === undefined) {
        report(path, index + 1, `import leaves ts/: ${specifier}`);
        continue;
      }
      if (targetLayer === layer || layer === 'index') continue;
      const allowed = LAYER_DEPENDENCIES[layer] ?? [];
      if (!allowed.includes(targetLayer)) {
        report(path, index + 1, `layer ${layer} may not import layer ${targetLayer}`);
      } else if (target !== join(root, 'ts', targetLayer, 'index.js')) {
        report(path, index + 1, `import ${targetLayer} through its index.ts, not ${specifier}`);
      }
    }
  });
}

function checkFile(root, path, report) {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const rel = relative(root, path);
  lines.forEach((line, index) => {
    if (line.length > LINE_LENGTH_MAX) {
      report(path, index + 1, `line is ${line.length} characters; the limit is ${LINE_LENGTH_MAX}`);
    }
    if (UNLINKED_TODO.test(line)) report(path, index + 1, 'name the issue: TODO(#12)');
  });
  const underSource = rel.startsWith(`ts${sep}`) || rel.startsWith(`test${sep}`);
  const base = rel.split(sep).at(-1) ?? '';
  if (underSource && !/^[a-z0-9_]+(\.[a-z0-9_]+)*$/.test(base)) {
    report(path, 1, 'file names are snake_case');
  }
  const layer = rel.startsWith(`ts${sep}`) ? layerOf(root, path) : undefined;
  if (layer === undefined || !path.endsWith('.ts')) return;
  if (layer !== 'index' && !(layer in LAYER_DEPENDENCIES)) {
    report(path, 1, `ts/${layer} is not a layer of ARCHITECTURE.md (add it to .ci/tidy.mjs)`);
  }
  checkImports(root, path, layer, text, report);
  if (!PURE_LAYERS.has(layer)) return;
  lines.forEach((line, index) => {
    const code = stripComments(line);
    for (const [pattern, what] of PURE_BANNED) {
      if (pattern.test(code)) report(path, index + 1, `pure layer ${layer} may not use ${what}`);
    }
  });
}

export function tidy(root) {
  const problems = [];
  const report = (path, line, message) => {
    problems.push(`${relative(root, path)}:${line}: ${message}`);
  };
  for (const folder of ['ts', 'test', 'bench', '.ci', 'native', 'wasm']) {
    for (const path of walk(join(root, folder))) checkFile(root, path, report);
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = resolve(process.argv[2] ?? join(dirname(new URL(import.meta.url).pathname), '..'));
  const problems = tidy(root);
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) {
    console.error(`tidy: ${problems.length} problem(s)`);
    process.exit(1);
  }
  console.log('tidy: ok');
}
