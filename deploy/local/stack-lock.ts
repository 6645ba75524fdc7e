import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Claims a stack folder for this process (`<dir>/stack.pid`): a second `npm run prod-stack` on
 * the same folder would otherwise throw away the running stack's database. A lock whose process
 * is gone (killed, machine restarted) is taken over.
 */
export async function lockStackDir(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, 'stack.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
      throw new Error(`a stack is already running in ${dir} (process ${holder}): stop it first, or use another --dir`);
    }
    await rm(file, { force: true });
  }
  throw new Error(`could not lock ${dir}: another start is racing this one`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
