/**
 * Vitest configuration: every `test/**\/*.test.ts`, one forked process per file (the
 * equivalence suites load native addons and WASM, which should not share a process with
 * other files), and a timeout with room for the 16 MiB cases on a slow two-core machine.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
