import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';

/**
 * Tells when anything in the watched folders changes. Folders are watched one by one (the
 * templates root, `_partials/`, each template's folder): that covers every file a render reads on
 * every platform, where a recursive watch would be Linux-version dependent and also report
 * samples and previews. A folder that cannot be watched (no inotify watches left, a network drive)
 * is simply not watched: the renderer's once-a-second check of modification times still sees
 * changes there.
 */
export interface FolderWatch {
  add(folder: string): void;
  close(): void;
}

export function watchFolders(onChange: () => void): FolderWatch {
  const watchers = new Map<string, FSWatcher | undefined>();
  return {
    add(folder) {
      if (watchers.has(folder)) return;
      let watcher: FSWatcher | undefined;
      try {
        // Not persistent: a CLI that rendered one preview still exits.
        watcher = watch(folder, { persistent: false }, () => onChange());
        watcher.on('error', () => {
          // The folder was removed, say: forget it so the next load watches it again.
          watcher?.close();
          watchers.delete(folder);
          onChange();
        });
      } catch {
        watcher = undefined;
      }
      watchers.set(folder, watcher);
    },
    close() {
      for (const watcher of watchers.values()) watcher?.close();
      watchers.clear();
    },
  };
}

/**
 * Modification time and size of every path, in order: equal fingerprints mean nothing was edited,
 * added (a folder's time changes) or removed. `undefined` when a file changed so recently that an
 * edit may still be under way, so the next check reloads.
 */
export async function fingerprint(paths: string[], now = Date.now()): Promise<string | undefined> {
  const stats = await Promise.all(paths.map((file) => stat(file).catch(() => undefined)));
  if (stats.some((entry) => entry && now - entry.mtimeMs < SETTLE_MS)) return undefined;
  return stats.map((entry) => (entry ? `${entry.mtimeMs}:${entry.size}` : '-')).join('|');
}

/** An editor's save (write, rename) is over well within this; coarse file systems tick in 1 s. */
const SETTLE_MS = 2000;
