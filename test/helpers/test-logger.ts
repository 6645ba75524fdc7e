import type { LogLevel, LogMetadata } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { testDebug } from './test-env';

const debug = testDebug;

/**
 * Lines that say nothing a passing test needs, dropped unless DEBUG is set:
 * - 'Activity failed': MockActivityEnvironment throws that error to the test, which asserts on
 *   it (or vitest prints it when the test fails);
 * - the Java time-skipping server does not advertise a capability the SDK asks every server for.
 */
const redundant = [/^Activity failed$/, /did not advertise the activity_failure_include_heartbeat capability/];

class TestLogger extends DefaultLogger {
  override log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (!debug && redundant.some((pattern) => pattern.test(message))) return;
    super.log(level, message, meta);
  }
}

/**
 * The logger of every test: Temporal's and the activities' warnings and errors only, so a passing
 * run prints no 'email sent' lines. DEBUG=1 (any value) shows everything down to debug.
 */
export const testLogger = new TestLogger(debug ? 'DEBUG' : 'WARN');

/**
 * A MockActivityEnvironment that logs through testLogger. Its own default is an INFO-level
 * DefaultLogger of its own that prints every activity log line, whatever Runtime.install set.
 */
export function activityEnvironment(): MockActivityEnvironment {
  return new MockActivityEnvironment(undefined, { logger: testLogger });
}
