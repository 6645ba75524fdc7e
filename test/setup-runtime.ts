import { DefaultLogger, Runtime } from '@temporalio/worker';

// Keep test output readable: only Temporal warnings and errors. Once per test process.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this process
}
