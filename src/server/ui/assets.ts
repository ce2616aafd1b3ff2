// The dashboard's static files: its browser modules (compiled by tsc from ./client), uPlot's script and style from
// node_modules, and the style sheet; served from a fixed list of names, never a path taken from the request.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { StrongboxError } from '../../errors.js';
import { PACKAGE_ROOT } from '../../util/package-root.js';
import { STYLE } from './style.js';

/** Where the compiled browser modules are: the build's (`npm run build` makes them, also for the tests). */
export const CLIENT_DIR = join(PACKAGE_ROOT, 'dist', 'server', 'ui', 'client');

const uplotDir = () => join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');

export interface Asset {
  body: string | Uint8Array;
  type: string;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** A browser module's name as it appears in a URL: letters, digits and dashes, then .js. */
export const MODULE_NAME = /^[a-z][a-z0-9-]*\.js$/;

const cache = new Map<string, Asset>();

/** The asset at /assets/NAME, or null for a name that is not one. */
export async function asset(name: string): Promise<Asset | null> {
  const hit = cache.get(name);
  if (hit) return hit;
  let found: Asset | null = null;
  if (name === 'style.css') found = { body: STYLE, type: CSS };
  else if (name === 'vendor/uPlot.iife.min.js')
    found = { body: await readFile(join(uplotDir(), 'uPlot.iife.min.js')), type: JS };
  else if (name === 'vendor/uPlot.min.css')
    found = { body: await readFile(join(uplotDir(), 'uPlot.min.css')), type: CSS };
  else if (name.startsWith('js/') && MODULE_NAME.test(name.slice(3))) {
    const file = join(CLIENT_DIR, name.slice(3));
    try {
      found = { body: await readFile(file), type: JS };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      if (name === 'js/common.js')
        throw new StrongboxError(
          'INTERNAL',
          `the dashboard's browser modules are missing in ${CLIENT_DIR}: run npm run build`,
        );
      return null;
    }
  }
  if (found) cache.set(name, found);
  return found;
}
