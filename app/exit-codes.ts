// The exit codes of every `cartflow` command (docs/cli.md lists them for scripts and CI).

/** The command did what was asked (a check found nothing wrong). */
export const EXIT_OK = 0;
/** A check failed, the operation was refused (say, `privacy erase` without --yes), or it failed. */
export const EXIT_FAILED = 1;
/** The command line was wrong: unknown command or option, missing argument, bad option value. */
export const EXIT_USAGE = 2;
