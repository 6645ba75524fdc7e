import { inspect } from 'node:util';
import type { LogLevel, LogMetadata } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { heldLogs } from './held-logs';
import { testDebug } from './test-env';

const debug = testDebug;

/**
 * Lines that say nothing a test needs, dropped unless DEBUG is set:
 * - 'Activity failed': MockActivityEnvironment throws that error to the test, which asserts on
 *   it (or vitest prints it when the test fails);
 * - the Java time-skipping server does not advertise a capability the SDK asks every server for.
 */
const redundant = [/^Activity failed$/, /did not advertise the activity_failure_include_heartbeat capability/];

/** DefaultLogger's own line, without colours (it is printed later, wherever vitest puts it). */
function formatEntry({ level, message, meta, timestampNanos }: LogEntry): string {
  const time = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
  return `${time} [${level}] ${message}${meta === undefined ? '' : ` ${inspect(meta)}`}`;
}

class TestLogger extends DefaultLogger {
  constructor() {
    // Without DEBUG, lines are held and printed only if the test that logged them fails.
    super(debug ? 'DEBUG' : 'WARN', debug ? undefined : (entry) => heldLogs.hold(formatEntry(entry)));
  }

  override log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (!debug && redundant.some((pattern) => pattern.test(message))) return;
    super.log(level, message, meta);
  }
}

/**
 * The logger of every test: Temporal's and the activities' warnings and errors, held until the
 * test is over and printed only if it failed (test/setup-runtime.ts settles them), so a passing
 * run prints no log lines. DEBUG=1 (any value) prints everything down to debug, as it comes.
 */
export const testLogger = new TestLogger();

/**
 * A MockActivityEnvironment that logs through testLogger. Its own default is an INFO-level
 * DefaultLogger of its own that prints every activity log line, whatever Runtime.install set.
 */
export function activityEnvironment(): MockActivityEnvironment {
  return new MockActivityEnvironment(undefined, { logger: testLogger });
}
