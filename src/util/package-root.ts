// Where the installed package lies, found from wherever this code was loaded: src/ (the tests run the TypeScript
// sources), dist/ as tsc emits it (the library entry), or the CLI's bundle and its chunks (scripts/bundle.mjs). Files
// the program loads by path (worker scripts, the native addon, the dashboard's browser modules) are named from here,
// so moving code between those layouts cannot break their paths.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dir === dirname(dir)) throw new Error(`strongbox: no package.json above ${from}`);
  }
}

/** The directory holding strongbox's package.json. */
export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A compiled file of the build (`npm run build` makes dist/, also when the tests run the sources). */
export function distUrl(relative: string): URL {
  return pathToFileURL(join(PACKAGE_ROOT, 'dist', relative));
}
