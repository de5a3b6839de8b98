/**
 * Vitest configuration of the crash tests (`npm run test:crash`, also run by `.ci/run`): only
 * `test/crash/**`, one file at a time, because each file kills and restarts child processes
 * that need a core of their own; the default configuration leaves these files out of
 * `npm test`.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/crash/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 60_000,
  },
});
