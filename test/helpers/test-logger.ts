import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';

/**
 * The logger of every test: Temporal's and the activities' warnings and errors only, so a passing
 * run prints no 'email sent' lines. DEBUG=1 (any value) shows everything down to debug.
 */
export const testLogger = new DefaultLogger(process.env.DEBUG ? 'DEBUG' : 'WARN');

/**
 * A MockActivityEnvironment that logs through testLogger. Its own default is an INFO-level
 * DefaultLogger of its own that prints every activity log line, whatever Runtime.install set.
 */
export function activityEnvironment(): MockActivityEnvironment {
  return new MockActivityEnvironment(undefined, { logger: testLogger });
}
