/** A refused request (a taken id, an unknown shop, a bad key file): one line on stderr, exit code 1 (app/process.ts). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * A bad option value whose text must not be echoed (commander quotes the value as given, so a
 * value with a line break would split the error over lines): one line naming the option, exit 2.
 */
export class OptionValueError extends Error {
  override name = 'OptionValueError';
}
