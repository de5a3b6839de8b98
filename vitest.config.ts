/**
 * Vitest configuration: every `test/**\/*.test.ts` but the crash tests (those run with
 * `npm run test:crash`, vitest.crash.config.ts), one forked process per file (the equivalence
 * suites load native addons and WASM, which should not share a process with other files),
 * and a timeout with room for the 16 MiB cases on a slow two-core machine.
 */
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The crash tests kill real processes for minutes: `npm run test:crash` runs them.
    exclude: [...configDefaults.exclude, 'test/crash/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
