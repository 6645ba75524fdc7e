import { Runtime } from '@temporalio/worker';
import { testLogger } from './helpers/test-logger';
import { testDebug } from './helpers/test-env';

// Keep test output readable: only Temporal warnings and errors (everything with DEBUG set), the
// native SDK core's included (forwarded to testLogger instead of printed). Once per test process.
// Activities run in a MockActivityEnvironment do not log through the Runtime: they use
// activityEnvironment() from helpers/test-logger.ts.
const level = testDebug ? 'DEBUG' : 'WARN';
try {
  Runtime.install({
    logger: testLogger,
    telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } },
  });
} catch {
  // already installed in this process
}
