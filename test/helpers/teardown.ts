/** Undo steps run last-in first-out, all of them even if one fails, so a set-up that failed halfway cleans up too. */
export function createTeardown() {
  const steps: Array<() => unknown> = [];
  return {
    add(step: () => unknown): void {
      steps.push(step);
    },
    async run(): Promise<void> {
      const errors: unknown[] = [];
      for (let step = steps.pop(); step; step = steps.pop()) {
        try {
          await step();
        } catch (error) {
          errors.push(error);
        }
      }
      if (errors.length > 0) throw errors[0];
    },
  };
}

/** Runs `start` with a teardown to register undo steps on; if it throws, what it had started is undone. */
export async function startWithTeardown<T>(
  start: (teardown: ReturnType<typeof createTeardown>) => Promise<T>,
): Promise<T> {
  const teardown = createTeardown();
  try {
    return await start(teardown);
  } catch (error) {
    await teardown.run().catch(() => {});
    throw error;
  }
}
