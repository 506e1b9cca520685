import { defineConfig } from 'vitest/config';

// Four projects, so each family runs on its own (`npm run test:unit|test:sim|test:e2e|test:soak`);
// `npm test` runs the first three. `soak` (minutes of load on real processes) runs only when asked.
export default defineConfig({
  test: {
    // oclif's runCommand output is invisible to assertions unless vitest leaves console alone.
    disableConsoleIntercept: true,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // e2e tests spawn real processes on loopback; two cores cannot run many of them at once.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/sim/**', 'test/e2e/**', 'test/soak/**'] } },
      { extends: true, test: { name: 'sim', include: ['test/sim/**/*.test.ts'] } },
      // Real `chronik bootstrap` processes on loopback ports, run from dist/.
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
      // A healthy cluster under load for CHRONIK_SOAK_DURATION (default 10m) changes term zero times.
      { extends: true, test: { name: 'soak', include: ['test/soak/**/*.test.ts'] } },
    ],
  },
});
