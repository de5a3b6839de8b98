/**
 * Measuring one operation: Benchmark.js (the `benchmark` package) runs it for a fixed time
 * budget per run, and we take the median ops/s of several runs, so one noisy run (GC, the
 * other core busy) moves nothing.
 */
import Benchmark from 'benchmark';

export interface MeasureOptions {
  /** Independent runs; the median is reported. */
  readonly runs: number;
  /** Time budget of one run, in seconds. */
  readonly runSeconds: number;
}

export interface Measurement {
  /** Median operations per second over the runs. */
  readonly opsPerSecond: number;
  /** Every run's ops/s, for the JSON report. */
  readonly runs: readonly number[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  if (sorted.length % 2 === 1) return upper;
  return ((sorted[middle - 1] ?? upper) + upper) / 2;
}

export function measure(name: string, operation: () => void, options: MeasureOptions): Measurement {
  const runs: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const bench = new Benchmark(name, operation, {
      maxTime: options.runSeconds,
      minSamples: 5,
      initCount: 1,
    });
    bench.run();
    if (bench.error !== undefined) throw bench.error;
    runs.push(bench.hz);
  }
  return { opsPerSecond: median(runs), runs };
}

/** `sizeBytes` of seeded xorshift bytes: incompressible input, the same in every run. */
export function filled(sizeBytes: number, seed: number): Uint8Array {
  const data = new Uint8Array(sizeBytes);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < sizeBytes; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    data[i] = state & 0xff;
  }
  return data;
}

/** A progress line on stderr, so the report on stdout stays clean. */
export function progress(line: string): void {
  process.stderr.write(`  ${line}\n`);
}

/** The value at `fraction` (0..1) of sorted samples; NaN when there are none. */
export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.floor(fraction * sorted.length));
  return sorted[index] ?? Number.NaN;
}

/** xorshift32: the same "random" keys in every run. */
export function randomSource(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
}

/**
 * `callers` concurrent loops, each awaiting `operation` before starting the next, until
 * `seconds` pass: operations/s (every loop's last operation, started before the deadline, is
 * counted) and, with one caller, each operation's latency in microseconds, sorted.
 */
export async function timedCalls(
  operation: () => Promise<unknown>,
  callers: number,
  seconds: number,
): Promise<{ perSecond: number; latenciesUs: Float64Array }> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let count = 0;
  const caller = async () => {
    while (performance.now() < deadline) {
      const before = performance.now();
      await operation();
      if (callers === 1) latencies.push((performance.now() - before) * 1000);
      count++;
    }
  };
  await Promise.all(Array.from({ length: callers }, caller));
  const perSecond = count / ((performance.now() - started) / 1000);
  return { perSecond, latenciesUs: Float64Array.from(latencies).sort() };
}
