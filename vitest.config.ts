import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // oclif's runCommand output is invisible to assertions unless vitest leaves console alone.
    disableConsoleIntercept: true,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // e2e tests spawn real processes on loopback; two cores cannot run many of them at once.
    maxWorkers: 2,
  },
});
