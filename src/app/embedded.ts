// SQLite databases that live inside one of the app's file trees (the issue's own example: a sessions.db in
// the webroot). The SQLite source backs each up as a consistent copy; the file walk would add a torn copy
// of the live file (and its -wal, -shm, -journal), and restoring that tree over the restored database would
// undo it. So the tree leaves them out, and a replacing restore of the tree keeps them.
import { isAbsolute, relative, sep } from 'node:path';
import type { AppConfig } from '../config/schema.js';

const SIDE_FILES = ['', '-wal', '-shm', '-journal'];

/** gitignore patterns, anchored at the tree's root, for the app's SQLite files inside `treePath`. */
export function embeddedDatabaseExcludes(app: Pick<AppConfig, 'databases'>, treePath: string): string[] {
  const out: string[] = [];
  for (const db of app.databases) {
    if (db.engine !== 'sqlite') continue;
    const rel = relative(treePath, db.path);
    if (!rel || rel.startsWith('..') || isAbsolute(rel)) continue;
    const anchored = `/${rel.split(sep).map(escapeGlob).join('/')}`;
    for (const suffix of SIDE_FILES) out.push(`${anchored}${escapeGlob(suffix)}`);
  }
  return out;
}

/** A literal name as a gitignore pattern: wildcards, brackets, backslashes, and a leading ! or # escaped. */
function escapeGlob(name: string): string {
  return name
    .replace(/[\\*?[\]]/g, '\\$&')
    .replace(/^[!#]/, '\\$&')
    .replace(/ $/, '\\ ');
}
