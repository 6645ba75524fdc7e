import { defineConfig } from 'vitest/config';

// Three projects (`npm run test:unit`, `test:integration`, `test:e2e`; `npm test` runs all three).
// Only integration and e2e start the servers of test/global-setup.ts (Temporal, PostgreSQL, the
// Java time-skipping server, Chromium); when both run, they share one set (see global-setup.ts).
// Unit tests need neither: loading @temporalio/worker in each of their files costs ~10 s.
const withServers = {
  globalSetup: ['test/global-setup.ts'],
  setupFiles: ['test/setup-runtime.ts'],
};

export default defineConfig({
  test: {
    // Integration tests start JVMs, bundle workflows and wait on real timers: give them room.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Pure functions, no global state: share each worker's module cache between files.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [
            'test/integration/**/*.test.ts',
            'test/templates/**/*.test.ts',
            'test/replay/**/*.test.ts',
            'test/workflow/**/*.test.ts',
          ],
          ...withServers,
        },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], ...withServers },
      },
    ],
  },
});
