// Noticing that the config file changed: its directory is watched (an editor or a deployment replaces the file
// by renaming a new one over it), changes to that name are debounced, and `onChange` is called once they settle.
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Log } from './log.js';

const SETTLE_MS = 300;

export function watchFile(path: string, onChange: () => void, log: Log): { close(): void } {
  const file = basename(path);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, name) => {
      if (name !== file) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, SETTLE_MS);
    });
  } catch (e) {
    log.warn(`cannot watch ${path} for changes (reload with SIGHUP): ${(e as Error).message}`);
  }
  return {
    close: () => {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
