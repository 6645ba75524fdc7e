/** Polls `check` until it resolves, failing early when `exited` rejects (the process died). */
export async function waitUntil<T>(options: {
  what: string;
  check: () => Promise<T>;
  exited?: Promise<never>;
  timeoutMs: number;
}): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  let dead: unknown;
  options.exited?.catch((error: unknown) => {
    dead = error;
  });
  for (;;) {
    if (dead) throw dead;
    try {
      return await options.check();
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(`${options.what} not ready after ${options.timeoutMs / 1000} s: ${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
