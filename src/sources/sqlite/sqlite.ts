// SQLite source: an online-consistent copy with VACUUM INTO (one read transaction, so writers elsewhere
// never give a torn copy; the shell's .backup restarts whenever another process writes, and under a steady
// writer never ends), and a restore by atomic file replacement after an integrity check.
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { StrongboxError } from '../../errors.js';
import type { Dump, Source } from '../source.js';

const run = promisify(execFile);
const SQLITE = process.env.STRONGBOX_SQLITE3 ?? 'sqlite3';

async function sqlite(args: string[], what: string): Promise<string> {
  try {
    return (await run(SQLITE, ['-batch', '-bail', ...args], { maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new StrongboxError('SOURCE', `${what}: the sqlite3 command is not installed (Debian: apt-get install sqlite3)`, { cause: e });
    throw new StrongboxError('SOURCE', `${what}: sqlite3 failed: ${(err.stderr ?? err.message).trim()}`, { cause: e });
  }
}

/** An SQL string literal. */
const quote = (p: string) => `'${p.replace(/'/g, "''")}'`;

export function sqliteSource(path: string, label = `sqlite ${path}`): Source {
  return {
    engine: 'sqlite',
    async dump(): Promise<Dump> {
      try {
        await stat(path);
      } catch (e) {
        throw new StrongboxError('SOURCE', `${label}: database file ${path} does not exist`, { cause: e });
      }
      const version = (await sqlite(['-version'], label)).split(' ')[0];
      const dir = await mkdtemp(join(tmpdir(), 'strongbox-sqlite-'));
      const copy = join(dir, 'copy.db');
      const stream = (async function* () {
        try {
          await sqlite([path, `PRAGMA busy_timeout=10000; VACUUM INTO ${quote(copy)};`], label);
          for await (const b of createReadStream(copy, { highWaterMark: 1024 * 1024 })) yield b as Buffer;
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      })();
      return { stream, meta: { engine: 'sqlite', format: 'sqlite3-database', tool: 'sqlite3 VACUUM INTO', toolVersion: version, database: basename(path) } };
    },
    async restore(input: AsyncIterable<Buffer>, target: string): Promise<void> {
      const tmp = join(dirname(target), `.${basename(target)}.strongbox-restore-${process.pid}`);
      try {
        await pipeline(input, createWriteStream(tmp, { mode: 0o600, flags: 'wx' }));
        const fh = await open(tmp, 'r');
        await fh.sync();
        await fh.close();
        const check = (await sqlite([tmp, 'PRAGMA integrity_check;'], `${label}: restored copy`)).trim();
        if (check !== 'ok') throw new StrongboxError('INTEGRITY', `${label}: the restored database fails PRAGMA integrity_check: ${check.slice(0, 200)}`);
        // A write-ahead log left by the old database would be replayed onto the new one: remove it first.
        await rm(`${target}-wal`, { force: true });
        await rm(`${target}-shm`, { force: true });
        await rename(tmp, target);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
    },
  };
}
