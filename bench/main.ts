/**
 * `npm run bench -- <suite> [options]`: Kimberlite's benchmarks. Suites:
 *   backends   every hot-path primitive on every backend (see bench/README.md)
 *   log        the SegmentLog's synced appends against the disk's limit, same run
 *   kernel     the pure kernel's apply rate (no IO)
 *   embedded   the embedded database: durable inserts, lookups, scans, replay
 *   sql        SQL statements through the embedded API: point, range, join, insert
 *   server     the server in a child process, clients here over loopback: inserts, selects
 *   compare    the same workloads on Kimberlite, SQLite and PostgreSQL, side by side
 * Every run prints the machine and the backends first, and reports medians of several runs.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { formatReport } from '../ts/cli/version.js';
import { parseBackendChoice } from '../ts/crypto/index.js';
import { loadBackends } from '../ts/storage/index.js';
import { runBackendBenchmarks } from './backends.js';
import { type CompareOptions, formatCompare, formatCompareTargets, runCompare } from './compare.js';
import { formatEmbeddedRows, formatEmbeddedTargets, runEmbeddedBenchmarks } from './embedded.js';
import { formatKernelRows, formatKernelTargets, runKernelBenchmarks } from './kernel.js';
import { formatLogRows, formatLogTargets, runLogBenchmarks } from './log.js';
import { formatMachine, machineInfo } from './machine.js';
import { addRatios, formatRows, formatTargets, grouped } from './report.js';
import { formatServerRows, formatServerTargets, runServerBenchmarks } from './server.js';
import { formatSqlRows, formatSqlTargets, runSqlBenchmarks } from './sql.js';

function positive(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  }
  return parsed;
}

interface SuiteOptions {
  readonly runs: number;
  readonly seconds: number;
  readonly json?: string;
}

/** The header every suite prints: machine (with the disk under `diskPath`), runs, backends. */
async function header(options: SuiteOptions, diskPath: string) {
  const machine = machineInfo(diskPath);
  const choice = parseBackendChoice(process.env.KIMBERLITE_BACKEND);
  const selected = await loadBackends({ choice });
  console.log(formatMachine(machine));
  console.log(`runs: ${options.runs} x ${options.seconds} s each, median reported`);
  console.log(`selected backends (KIMBERLITE_BACKEND=${choice}):`);
  for (const line of formatReport(selected.report)) console.log(`  ${line}`);
  console.log('');
  return { machine, selected };
}

async function backendsSuite(options: SuiteOptions) {
  const dataDirectory = resolve('bench', 'results', 'data');
  const { machine, selected } = await header(options, resolve('bench'));
  const { rows, skipped } = await runBackendBenchmarks(
    { runs: options.runs, runSeconds: options.seconds },
    dataDirectory,
  );
  addRatios(rows);
  const notLoaded = [...new Set(skipped)].map((line) => `\n  ${line}`).join('');
  const skippedLines = notLoaded === '' ? '' : `\n\nnot loaded (not measured):${notLoaded}`;
  finish(options, formatRows(rows), formatTargets(rows) + skippedLines, {
    suite: 'backends',
    machine,
    selected: selected.report,
    rows,
    skipped,
  });
}

async function logSuite(options: SuiteOptions) {
  const dataDirectory = resolve('bench', 'results', 'log');
  const { machine, selected } = await header(options, resolve('bench'));
  const results = runLogBenchmarks(
    selected,
    { runs: options.runs, runSeconds: options.seconds },
    dataDirectory,
  );
  console.log('MB/s counts payload bytes; one operation is one batch, synced');
  finish(options, formatLogRows(results), formatLogTargets(results), {
    suite: 'log',
    machine,
    selected: selected.report,
    ...results,
  });
}

async function kernelSuite(options: SuiteOptions) {
  const { machine, selected } = await header(options, resolve('bench'));
  console.log('pure apply, no IO: one operation is one command, its effects run into a Map');
  const rows = runKernelBenchmarks({ runs: options.runs, runSeconds: options.seconds });
  finish(options, formatKernelRows(rows), formatKernelTargets(rows), {
    suite: 'kernel',
    machine,
    selected: selected.report,
    rows,
  });
}

async function embeddedSuite(options: SuiteOptions & { readonly rows: number }) {
  const dataDirectory = resolve('bench', 'results', 'embedded');
  const { machine, selected } = await header(options, resolve('bench'));
  const results = await runEmbeddedBenchmarks(
    { runs: options.runs, runSeconds: options.seconds, tableRows: options.rows },
    dataDirectory,
  );
  finish(options, formatEmbeddedRows(results), formatEmbeddedTargets(results), {
    suite: 'embedded',
    machine,
    selected: selected.report,
    ...results,
  });
}

async function sqlSuite(options: SuiteOptions & { readonly rows: number }) {
  const dataDirectory = resolve('bench', 'results', 'sql');
  const { machine, selected } = await header(options, resolve('bench'));
  const rows = await runSqlBenchmarks(
    { runs: options.runs, runSeconds: options.seconds, tableRows: options.rows },
    dataDirectory,
  );
  finish(options, formatSqlRows(rows), formatSqlTargets(rows), {
    suite: 'sql',
    machine,
    selected: selected.report,
    rows,
  });
}

async function serverSuite(options: SuiteOptions & { readonly rows: number }) {
  const { machine, selected } = await header(options, resolve('bench'));
  const rows = await runServerBenchmarks(
    { runs: options.runs, seconds: options.seconds, rows: options.rows },
    resolve('bench', 'results', 'server'),
  );
  finish(options, formatServerRows(rows), formatServerTargets(rows), {
    suite: 'server',
    machine,
    selected: selected.report,
    rows,
  });
}

interface CompareFlags extends SuiteOptions {
  readonly rows: number;
  readonly pg?: string;
  readonly recoveryGb: number;
  readonly engines?: string;
  readonly quick?: boolean;
}

/** `--quick`: tiny sizes and one run, to check the suite works (figures mean nothing). */
const QUICK = { runs: 1, seconds: 0.2, rows: 2000, recoveryGb: 0.002 } as const;

async function compareSuite(flags: CompareFlags) {
  const options: SuiteOptions & { rows: number; recoveryGb: number } =
    flags.quick === true ? { ...flags, ...QUICK } : flags;
  const { machine, selected } = await header(options, resolve('bench'));
  const compare: CompareOptions = {
    runs: options.runs,
    runSeconds: options.seconds,
    rows: options.rows,
    recoveryBytes: Math.round(options.recoveryGb * 1e9),
    directory: resolve('bench', 'results', 'compare'),
    ...(flags.pg === undefined ? {} : { pg: flags.pg }),
    ...(flags.engines === undefined
      ? {}
      : { engines: flags.engines.split(',').map((name) => name.trim()) }),
  };
  if (flags.quick === true) console.log('--quick: tiny sizes, 1 run; the figures mean nothing');
  console.log(
    `${grouped(compare.rows)} patients (${grouped(compare.rows * 3)} rows with visits); ` +
      `recovery database ${options.recoveryGb} GB`,
  );
  const results = await runCompare(compare);
  console.log('engines:');
  for (const line of results.engines) console.log(`  ${line}`);
  for (const line of results.notMeasured) console.log(`  ${line}`);
  console.log('');
  finish(options, formatCompare(results), formatCompareTargets(results), {
    suite: 'compare',
    machine,
    selected: selected.report,
    options: compare,
    ...results,
  });
}

/** Prints a suite's table and its targets, and writes its JSON report when `--json` asks. */
function finish(
  options: SuiteOptions,
  table: string,
  targets: string,
  report: Record<string, unknown>,
): void {
  console.log(table);
  console.log('\ntargets:');
  console.log(targets);
  if (options.json !== undefined) {
    writeFileSync(options.json, `${JSON.stringify(report, bigints, 2)}\n`);
    console.log(`\nwrote ${options.json}`);
  }
}

/** JSON.stringify replacer: bigints as decimal strings. */
function bigints(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

const program = new Command('bench').description('Kimberlite benchmarks');
program
  .command('backends')
  .description('every hot-path primitive on every backend that loads')
  .option('--runs <n>', 'runs per measurement (median reported)', positive, 5)
  .option('--seconds <s>', 'time budget of one run', positive, 0.2)
  .option('--json <file>', 'also write the results as JSON')
  .action(backendsSuite);
program
  .command('log')
  .description("the SegmentLog's synced appends against the same disk's physical limit")
  .option('--runs <n>', 'runs per measurement (median reported)', positive, 5)
  .option('--seconds <s>', 'time budget of one run', positive, 0.2)
  .option('--json <file>', 'also write the results as JSON')
  .action(logSuite);
program
  .command('kernel')
  .description("the pure kernel's apply rate: single-row inserts, an update mix (no IO)")
  .option('--runs <n>', 'runs per measurement (median reported)', positive, 5)
  .option('--seconds <s>', 'time budget of one run', positive, 0.5)
  .option('--json <file>', 'also write the results as JSON')
  .action(kernelSuite);
program
  .command('embedded')
  .description('Kimberlite.open: durable inserts, point lookups, range scans, log replay')
  .option('--runs <n>', 'runs per measurement (median reported)', positive, 5)
  .option('--seconds <s>', 'time budget of one run', positive, 1)
  .option('--rows <n>', 'rows in the lookup / scan / replay table', positive, 100_000)
  .option('--json <file>', 'also write the results as JSON')
  .action(embeddedSuite);

program
  .command('sql')
  .description('SQL through the embedded API: point SELECT, indexed range, join, INSERT')
  .option('--runs <n>', 'runs per measurement (median reported)', positive, 5)
  .option('--seconds <s>', 'time budget of one run', positive, 1)
  .option('--rows <n>', 'patients in the table (two visits each)', positive, 100_000)
  .option('--json <file>', 'also write the results as JSON')
  .action(sqlSuite);

program
  .command('server')
  .description('the server over loopback: insert latency, inserts and point selects by clients')
  .option('--runs <n>', 'runs per measurement (median reported)', positive, 5)
  .option('--seconds <s>', 'time budget of one run', positive, 1)
  .option('--rows <n>', 'rows loaded before the point selects', positive, 10_000)
  .option('--json <file>', 'also write the results as JSON')
  .action(serverSuite);

program
  .command('compare')
  .description('the same workloads on Kimberlite, SQLite and PostgreSQL (--pg), side by side')
  .option('--runs <n>', 'runs per measurement (median reported)', positive, 5)
  .option('--seconds <s>', 'time budget of one run', positive, 1)
  .option('--rows <n>', 'patients in the table (two visits each)', positive, 100_000)
  .option('--pg <url>', 'a PostgreSQL server to include, postgres://user@host:port/database')
  .option('--recovery-gb <gb>', 'size of the startup + recovery database, in GB', positive, 1)
  .option('--engines <list>', 'only these engines, comma-separated (e.g. kimberlite,sqlite)')
  .option('--quick', 'tiny sizes and 1 run: checks the suite works, measures nothing')
  .option('--json <file>', 'also write the results as JSON')
  .action(compareSuite);

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
