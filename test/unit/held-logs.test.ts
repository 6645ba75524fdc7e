import { describe, expect, it } from 'vitest';
import { HeldLogs } from '../helpers/held-logs';

function heldLogs() {
  const printed: string[] = [];
  return { logs: new HeldLogs((text) => printed.push(text)), printed };
}

describe('log lines held until the test that logged them is over', () => {
  it('drops the lines of a test that passed and prints those of one that failed, under its name', () => {
    const { logs, printed } = heldLogs();
    logs.started();
    logs.hold('[WARN] email not sent (expected by the passing test)');
    logs.ended({});
    expect(printed).toEqual([]);

    logs.started();
    logs.hold('[WARN] Failing workflow task');
    logs.ended({ failed: 'replay > a saved history replays' });
    expect(printed).toEqual([
      'Logs held for "replay > a saved history replays", which failed:\n[WARN] Failing workflow task',
    ]);
  });

  it('counts lines still in the buffer in front of it (the Runtime’s) as the ending test’s own', () => {
    const { logs, printed } = heldLogs();
    const upstream: string[] = [];
    logs.drainFirst(() => upstream.splice(0).forEach((line) => logs.hold(line)));
    logs.started();
    upstream.push('[WARN] chain step failed for good');
    logs.ended({ failed: 'a failing test' });
    expect(printed).toEqual(['Logs held for "a failing test", which failed:\n[WARN] chain step failed for good']);
  });

  it('keeps the lines of tests running side by side until the last ends, and prints them if any failed', () => {
    const { logs, printed } = heldLogs();
    logs.started();
    logs.started();
    logs.hold('[WARN] from the test that fails');
    logs.ended({});
    expect(printed).toEqual([]);
    logs.ended({ failed: 'the slower test' });
    expect(printed).toEqual(['Logs held for "the slower test", which failed:\n[WARN] from the test that fails']);
  });

  it('prints lines logged outside any test (a file’s hooks) at the file’s end only if something in it failed', () => {
    const { logs, printed } = heldLogs();
    logs.hold('[WARN] worker shutdown, file passed');
    logs.ended({});
    logs.hold('[ERROR] worker shutdown, file failed');
    logs.ended({ failed: 'file.test.ts (outside its tests)' });
    expect(printed).toEqual([
      'Logs held for "file.test.ts (outside its tests)", which failed:\n[ERROR] worker shutdown, file failed',
    ]);
  });
});
