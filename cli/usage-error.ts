/** A refused request (a taken id, an unknown shop, a bad key file): one line on stderr, exit code 1 (app/process.ts). */
export class UsageError extends Error {
  override name = 'UsageError';
}
