// gitignore-style exclusion (--exclude, --exclude-file), matched against paths relative to the backup
// root they were found under, so "/cache" anchors at that root and "*.log" or "tmp/" match anywhere.
import { readFileSync } from 'node:fs';
import ignore, { type Ignore } from 'ignore';
import { StrongboxError } from '../errors.js';

export interface Excluder {
  /** `rel` is relative to the backup root, with "/" separators; `isDir` adds the trailing slash rule. */
  excluded(rel: string, isDir: boolean): boolean;
  readonly patterns: string[];
}

export function readExcludeFile(path: string): string[] {
  try {
    return readFileSync(path, 'utf8')
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '' && !l.startsWith('#'));
  } catch (e) {
    throw new StrongboxError('USAGE', `cannot read exclude file ${path}: ${(e as Error).message}`, { cause: e });
  }
}

export function makeExcluder(patterns: string[]): Excluder {
  const ig: Ignore = ignore({ allowRelativePaths: true }).add(patterns);
  return {
    patterns,
    excluded: (rel, isDir) => rel !== '' && patterns.length > 0 && ig.ignores(isDir ? `${rel}/` : rel),
  };
}
