import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * The time-skipping server's class path has SLF4J's API and no logging backend: SLF4J says so in
 * three `SLF4J: ` lines on stderr at every start, then logs nothing, which is what we want. The
 * SDK starts the server itself and passes its output through, with no option to redirect it, so a
 * launcher in a folder of its own drops exactly those lines; anything else the server writes still
 * shows. (The launcher scripts/temporal-test-server.sh writes is shared by every checkout through
 * .cache/: not changed here.) `remove()` deletes the folder once the server is stopped.
 */
export async function quietTimeSkippingServer(launcher: string): Promise<{ path: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-test-server-'));
  const quiet = path.join(dir, 'temporal-test-server');
  await writeFile(
    quiet,
    [
      '#!/usr/bin/env bash',
      `exec 2> >(grep --line-buffered -v '^SLF4J: ' >&2)`,
      `exec '${launcher.replaceAll("'", `'\\''`)}' "$@"`,
      '',
    ].join('\n'),
  );
  await chmod(quiet, 0o755);
  return { path: quiet, remove: () => rm(dir, { recursive: true, force: true }) };
}
