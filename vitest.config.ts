import { defineConfig } from 'vitest/config';

// Three projects, so each family runs on its own (`npm run test:unit|test:sim|test:e2e`); plain
// `vitest run` (and so `npm test`) runs all three.
export default defineConfig({
  test: {
    // oclif's runCommand output is invisible to assertions unless vitest leaves console alone.
    disableConsoleIntercept: true,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // e2e tests spawn real processes on loopback; two cores cannot run many of them at once.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/sim/**', 'test/e2e/**'] } },
      { extends: true, test: { name: 'sim', include: ['test/sim/**/*.test.ts'] } },
      // Real `chronik bootstrap` processes on loopback ports, run from dist/.
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
    ],
  },
});
