import { Runtime } from '@temporalio/worker';
import { afterAll, beforeEach, type RunnerTask } from 'vitest';
import { heldLogs } from './helpers/held-logs';
import { testLogger } from './helpers/test-logger';
import { testDebug } from './helpers/test-env';

// Only Temporal warnings and errors (everything with DEBUG set), the native SDK core's included
// (forwarded to testLogger instead of printed). Once per test process.
// Activities run in a MockActivityEnvironment do not log through the Runtime: they use
// activityEnvironment() from helpers/test-logger.ts.
const level = testDebug ? 'DEBUG' : 'WARN';
try {
  Runtime.install({
    logger: testLogger,
    telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } },
  });
  // The Runtime holds what it forwards for 100 ms or more (to order it): hand it over before a test's
  // verdict so the test's last lines count as its own. `_instance`: instance() would start a new
  // Runtime when the last one has shut down for being idle.
  heldLogs.drainFirst(() => Runtime._instance?.flushLogs());
} catch {
  // already installed in this process
}

// testLogger holds its lines: a test that fails prints what was logged since the previous test
// ended (its own lines, and those of beforeAll hooks or late ones of the test before); a test that
// passes drops them. onTestFinished runs after every afterEach hook, with the final verdict.
beforeEach(({ onTestFinished }) => {
  heldLogs.started();
  onTestFinished(({ task }) => heldLogs.ended({ failed: task.result?.state === 'fail' ? task.fullName : undefined }));
});

// Registered before the test file's own hooks, so it runs after them (hooks run as a stack): lines
// of afterAll hooks (worker shutdown) or of a failed beforeAll are printed if anything in the file failed.
afterAll(({}, file) => {
  heldLogs.ended({ failed: hasFailed(file) ? `${file.name} (outside its tests)` : undefined });
});

function hasFailed(task: RunnerTask): boolean {
  return task.result?.state === 'fail' || (task.type === 'suite' && task.tasks.some(hasFailed));
}
