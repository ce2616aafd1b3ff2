// SQLite source: an online-consistent copy with VACUUM INTO (one read transaction, so writers elsewhere
// never give a torn copy; the shell's .backup restarts whenever another process writes, and under a steady
// writer never ends), and a restore by atomic file replacement after an integrity check.
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, chown, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StrongboxError } from '../../errors.js';
import { Scope } from '../../util/scope.js';
import type { Dump, Source, TargetState } from '../source.js';
import { runTool } from '../tool.js';
import { INTEGRITY_CHECK, rowCounts, TABLE_NAMES, vacuumInto } from './sql.js';

/** The sqlite3 shell, run through the tool runner like every other tool (tracked, without our secrets). */
function sqlite(scope: Scope, args: string[], what: string): Promise<string> {
  const cmd = process.env.STRONGBOX_SQLITE3 ?? 'sqlite3';
  return runTool({
    cmd,
    args: ['-batch', '-bail', ...args],
    label: what,
    scope,
    installHint: 'Debian: apt-get install sqlite3',
  });
}

/** Exact row counts of every table (cheap on a private copy, and consistent with it). */
async function tableCounts(scope: Scope, db: string, label: string): Promise<Record<string, number>> {
  const names = (await sqlite(scope, [db, TABLE_NAMES], label)).split('\n').filter(Boolean);
  if (!names.length) return {};
  const rows = (await sqlite(scope, ['-separator', '\t', db, rowCounts(names)], label)).split('\n').filter(Boolean);
  return Object.fromEntries(
    rows.map((r) => {
      const i = r.lastIndexOf('\t');
      return [r.slice(0, i), Number(r.slice(i + 1))];
    }),
  );
}

export function sqliteSource(path: string, label = `sqlite ${path}`, scope = new Scope()): Source {
  const source: Source = {
    engine: 'sqlite',
    label,
    defaultTarget: path,
    describeTarget: (target) => `sqlite database ${target}`,
    async dump(): Promise<Dump> {
      try {
        await stat(path);
      } catch (e) {
        throw new StrongboxError('SOURCE', `${label}: database file ${path} does not exist`, { cause: e });
      }
      const version = (await sqlite(scope, ['-version'], label)).split(' ')[0];
      // The copy is made before the stream starts, so its row counts can go into the metadata.
      const dir = await scope.tempDir('sqlite');
      const copy = join(dir.path, 'copy.db');
      let tables: Record<string, number>;
      try {
        await sqlite(scope, [path, vacuumInto(copy)], label);
        tables = await tableCounts(scope, copy, label);
      } catch (e) {
        await dir.dispose();
        throw e;
      }
      const stream = (async function* () {
        try {
          for await (const b of createReadStream(copy, { highWaterMark: 1024 * 1024 })) yield b as Buffer;
        } finally {
          await dir.dispose();
        }
      })();
      return {
        stream,
        meta: {
          engine: 'sqlite',
          format: 'sqlite3-database',
          tool: 'sqlite3 VACUUM INTO',
          toolVersion: version,
          database: basename(path),
          tables,
          rowCounts: 'exact',
        },
      };
    },
    countRows: (target) => tableCounts(scope, target, `${label}: ${target}`),
    query: async (target, sql) =>
      (await sqlite(scope, ['-separator', '\t', target, sql], `${label}: ${target}`)).trimEnd(),
    async drop(target: string): Promise<void> {
      for (const f of [target, `${target}-wal`, `${target}-shm`, `${target}-journal`]) await rm(f, { force: true });
    },
    async targetState(target: string): Promise<TargetState> {
      try {
        if ((await stat(target)).size === 0) return 'empty';
      } catch {
        return 'missing';
      }
      return 'non-empty';
    },
    async restore(input: AsyncIterable<Buffer>, target: string): Promise<void> {
      await mkdir(dirname(target), { recursive: true });
      const tmp = join(dirname(target), `.${basename(target)}.strongbox-restore-${process.pid}`);
      try {
        await pipeline(input, createWriteStream(tmp, { mode: 0o600, flags: 'wx' }));
        const fh = await open(tmp, 'r');
        await fh.sync();
        await fh.close();
        const check = (await sqlite(scope, [tmp, INTEGRITY_CHECK], `${label}: restored copy`)).trim();
        if (check !== 'ok')
          throw new StrongboxError(
            'INTEGRITY',
            `${label}: the restored database fails PRAGMA integrity_check: ${check.slice(0, 200)}`,
          );
        await keepOwnership(target, tmp);
        // A write-ahead log or hot journal left by the old database would be replayed onto the new one:
        // removed last, just before the rename, so a failure before it leaves the old database whole.
        for (const f of [`${target}-wal`, `${target}-shm`, `${target}-journal`]) await rm(f, { force: true });
        await rename(tmp, target);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
    },
  };
  return source;
}

/** A replaced database file keeps the mode and owner of the one it replaces (the app must still open it). */
async function keepOwnership(target: string, tmp: string): Promise<void> {
  let st;
  try {
    st = await stat(target);
  } catch {
    return;
  }
  await chmod(tmp, st.mode & 0o7777);
  if (process.getuid?.() === 0) await chown(tmp, st.uid, st.gid);
}
