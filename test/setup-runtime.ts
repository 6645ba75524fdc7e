import { Runtime } from '@temporalio/worker';
import { testLogger } from './helpers/test-logger';

// Keep test output readable: only Temporal warnings and errors (everything with DEBUG set).
// Once per test process. Activities run in a MockActivityEnvironment do not log through the
// Runtime: they use activityEnvironment() from helpers/test-logger.ts.
try {
  Runtime.install({ logger: testLogger });
} catch {
  // already installed in this process
}
