/**
 * Log lines held until the test that logged them is over: printed if it failed, dropped if it
 * passed. A passing suite is quiet, and a failing test still shows the warnings that explain it.
 * Tests that run side by side (describe.concurrent) share their lines: they are settled once the
 * last of them ends, and printed if any of them failed.
 */
export class HeldLogs {
  #lines: string[] = [];
  #running = 0;
  #failed: string[] = [];
  readonly #upstream: Array<() => void> = [];

  constructor(private readonly print: (text: string) => void) {}

  hold(line: string): void {
    this.#lines.push(line);
  }

  /** A buffer in front of this one (the Temporal Runtime's log collector), emptied before each verdict. */
  drainFirst(drain: () => void): void {
    this.#upstream.push(drain);
  }

  started(): void {
    this.#running++;
  }

  /**
   * A test (or, with nothing running, a file's hooks) ended; `failed` names it if it failed. Once
   * nothing runs, the lines held since the last settlement are printed if anything failed, else dropped.
   */
  ended({ failed }: { failed?: string }): void {
    this.#running = Math.max(0, this.#running - 1);
    if (failed !== undefined) this.#failed.push(failed);
    if (this.#running > 0) return;
    for (const drain of this.#upstream) drain();
    const [lines, failures] = [this.#lines, this.#failed];
    [this.#lines, this.#failed] = [[], []];
    if (failures.length > 0 && lines.length > 0) {
      this.print(
        [`Logs held for ${failures.map((name) => `"${name}"`).join(', ')}, which failed:`, ...lines].join('\n'),
      );
    }
  }
}

// One per test process, whichever copy of this module asks: the Temporal Runtime is installed once
// per process and keeps the logger (so the HeldLogs) of the test file that installed it.
const shared = globalThis as { cartflowHeldLogs?: HeldLogs };

/** The test process's held logs: test-logger.ts holds lines, setup-runtime.ts settles them. */
export const heldLogs: HeldLogs = (shared.cartflowHeldLogs ??= new HeldLogs((text) => console.error(text)));
