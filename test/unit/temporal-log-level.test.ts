import { describe, expect, it } from 'vitest';
import { pinoLevelOf } from '../../config/logger';

// The message the SDK logged at `npm start` (@temporalio/worker 1.x bundler), shortened in the middle.
const webpackSummary =
  'asset workflow-bundle-9aa93896a0b26e5ad50c.js 1.68 MiB [emitted] [immutable] (name: main)\n' +
  'runtime modules 883 bytes 4 modules\nmodules by path ./node_modules/ 464 KiB 80 modules\n' +
  'webpack 5.112.2 compiled successfully in 1609 ms';

describe("Temporal's log levels in cartflow's log", () => {
  it("webpack's compilation summary at start is debug, not info", () => {
    expect(pinoLevelOf('INFO', webpackSummary)).toBe('debug');
  });

  it('everything else keeps its level, the bundle size line and warnings included', () => {
    expect(pinoLevelOf('INFO', 'Workflow bundle created')).toBe('info');
    expect(pinoLevelOf('WARN', webpackSummary)).toBe('warn');
    expect(pinoLevelOf('ERROR', 'Activity failed')).toBe('error');
    expect(pinoLevelOf('DEBUG', 'x')).toBe('debug');
  });
});
