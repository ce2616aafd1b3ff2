// Fixtures for the app (config-driven) whole-CLI tests: a workspace with a repository and config files,
// tool directories for `binDir` with wrapper scripts, test databases, and a process that keeps writing SQLite.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { DatabaseComponent, FilesComponent, Snapshot } from '../../src/repository/snapshot.js';
import { type RunResult, sb, sbOk, tempDir, jsonOut } from './helpers.js';
import { mySql, pgSql } from '../support/servers.js';

/** One snapshot as `snapshots --json` lists it (database components carry a blob count, not the blob IDs). */
export interface ListedSnapshot extends Omit<Snapshot, 'components'> {
  id: string;
  components: (FilesComponent | (Omit<DatabaseComponent, 'content'> & { blobs: number }))[];
}

export interface Workspace {
  dir: string;
  /** The repository every config of this workspace names as `main`. */
  repo: string;
  /** Writes a config file (JSON is YAML) with `repositories.main` = this workspace's repository; returns its path. */
  config: (file: string, apps: unknown[]) => Promise<string>;
  /** `strongbox -c CONFIG ARGS`, failing the test when the exit status is not `want`. */
  run: (config: string, args: string[], want?: number, env?: NodeJS.ProcessEnv) => Promise<RunResult>;
  /** `strongbox -c CONFIG ARGS`, whatever its exit status. */
  tryRun: (config: string, args: string[], env?: NodeJS.ProcessEnv) => Promise<RunResult>;
  /** The app's snapshots, oldest first. */
  snapshots: (config: string, app: string, env?: NodeJS.ProcessEnv) => Promise<ListedSnapshot[]>;
  cleanup: () => Promise<void>;
}

/** A temp directory holding a freshly initialised repository. */
export async function workspace(prefix: string): Promise<Workspace> {
  const tmp = await tempDir(prefix);
  const repo = join(tmp.path, 'repo');
  await sbOk(['-r', repo, 'init']);
  const ws: Workspace = {
    dir: tmp.path,
    repo,
    async config(file, apps) {
      const path = join(tmp.path, file);
      await writeFile(path, JSON.stringify({ repositories: { main: { location: repo } }, apps }, null, 2));
      return path;
    },
    run: (config, args, want = 0, env) => sbOk(['-c', config, ...args], want, { env }),
    tryRun: (config, args, env) => sb(['-c', config, ...args], { env }),
    async snapshots(config, app, env) {
      const list = jsonOut(
        (await ws.run(config, ['--json', 'snapshots', '--app', app], 0, env)).stdout,
      ) as ListedSnapshot[];
      return list.sort((a, b) => a.time.localeCompare(b.time));
    },
    cleanup: tmp.cleanup,
  };
  return ws;
}

export const PG_TOOLS = ['pg_dump', 'pg_restore', 'psql'];
export const MY_TOOLS = ['mariadb', 'mariadb-dump', 'mysql', 'mysqldump'];

/**
 * A directory for a database's `binDir`: `scripts` become executable shell scripts under their names, every
 * other tool in `tools` is a symlink to /usr/bin. With no tools and no scripts it is empty (tools missing).
 */
export async function toolDir(path: string, tools: string[], scripts: Record<string, string> = {}): Promise<string> {
  await mkdir(path, { recursive: true });
  for (const t of tools.filter((x) => !(x in scripts))) await symlink(`/usr/bin/${t}`, join(path, t));
  for (const [name, body] of Object.entries(scripts)) {
    await writeFile(join(path, name), `#!/bin/sh\n${body}\n`);
    await chmod(join(path, name), 0o755);
  }
  return path;
}

/** `--version` runs the real tool at once; other calls go through `body`. */
const unlessVersion = (tool: string, body: string) =>
  `case "$1" in --version) exec /usr/bin/${tool} "$@";; esac\n${body}`;

/** A tool that writes the first `bytes` bytes of the real tool's output, then dies by SIGKILL. */
export const killedMidStream = (tool: string, bytes: number) =>
  unlessVersion(tool, `/usr/bin/${tool} "$@" | head -c ${bytes}\nkill -KILL $$`);

/** A tool that waits `seconds` before it runs (when its arguments contain `when`), so its argv can be seen in /proc. */
export const sleepsFirst = (tool: string, seconds: number, when = '') =>
  unlessVersion(tool, `case "$*" in *${when}*) sleep ${seconds};; esac\nexec /usr/bin/${tool} "$@"`);

/** A tool that appends its arguments to `log` and then runs. */
export const recordsCalls = (tool: string, log: string) => `echo "$*" >> '${log}'\nexec /usr/bin/${tool} "$@"`;

/** A TCP port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  return port;
}

/** Rows every test database starts with: `items(id, name, payload)`, the same for every seed-free call. */
export const FIXED_ROWS = 3000;
const ITEMS_SQL = `CREATE TABLE items (id integer PRIMARY KEY, name varchar(64) NOT NULL, payload text NOT NULL)`;
const itemsInsert = (from: number, to: number) =>
  `INSERT INTO items VALUES ${Array.from({ length: to - from + 1 }, (_, i) => {
    const id = from + i;
    return `(${id}, 'item-${id}', '${`row ${id} `.repeat(20)}')`;
  }).join(', ')}`;

/** A new PostgreSQL database with FIXED_ROWS rows in `items`. */
export function pgCreate(db: string): void {
  pgSql('postgres', `CREATE DATABASE "${db}"`);
  pgSql(db, `${ITEMS_SQL}; ${itemsInsert(1, FIXED_ROWS)};`);
}

export function pgDrop(...dbs: string[]): void {
  for (const db of dbs) pgSql('postgres', `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
}

/** `items` of a PostgreSQL database, one line per row, in id order. */
export const pgItems = (db: string) => pgSql(db, 'SELECT id, name, payload FROM items ORDER BY id');

/** A new MariaDB database with FIXED_ROWS rows in `items`. */
export function myCreate(db: string): void {
  mySql(`CREATE DATABASE \`${db}\`; USE \`${db}\`; ${ITEMS_SQL}; ${itemsInsert(1, FIXED_ROWS)};`);
}

export function myDrop(...dbs: string[]): void {
  for (const db of dbs) mySql(`DROP DATABASE IF EXISTS \`${db}\``);
}

export const myItems = (db: string) => mySql('SELECT id, name, payload FROM items ORDER BY id', db);

/** Run SQL on an SQLite file with the sqlite3 shell; returns its output (tab-separated). */
export function sqlite(path: string, sql: string): string {
  return execFileSync('sqlite3', ['-batch', '-bail', '-separator', '\t', path], {
    input: sql,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  }).trimEnd();
}

/**
 * An SQLite database with FIXED_ROWS rows in `items`, `bulkMiB` MiB of deterministic rows in `bulk` (so the
 * file spans several chunks), and an empty `pairs` table for a writer. VACUUM INTO lays tables out in this
 * order, so rows the writer adds land at the end of the copy and leave the pages of the others in place.
 */
export function sqliteCreate(path: string, bulkMiB = 0): void {
  const hexKiB = Array.from({ length: 8 }, (_, k) => `hex(sha3(i || '-${k}', 512))`).join(' || '); // 1 KiB of text per row
  sqlite(
    path,
    `PRAGMA journal_mode=WAL; ${ITEMS_SQL}; ${itemsInsert(1, FIXED_ROWS)};
    CREATE TABLE bulk (i integer PRIMARY KEY, data text NOT NULL);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${bulkMiB * 1024}) INSERT INTO bulk SELECT i, ${hexKiB} FROM n WHERE ${bulkMiB} > 0;
    CREATE TABLE pairs (batch integer NOT NULL, half integer NOT NULL, filler blob NOT NULL, PRIMARY KEY (batch, half));`,
  );
}

export const sqliteItems = (path: string) => sqlite(path, 'SELECT id, name, payload FROM items ORDER BY id;');

/** Rows in `pairs`, and how many batches do not hold exactly their two rows (a torn transaction). */
export function pairsState(path: string): { rows: number; tornBatches: number } {
  const [rows, torn] = sqlite(
    path,
    `SELECT (SELECT count(*) FROM pairs), (SELECT count(*) FROM (SELECT batch FROM pairs GROUP BY batch HAVING count(*) <> 2));`,
  ).split('\t');
  return { rows: Number(rows), tornBatches: Number(torn) };
}

export interface Writer {
  /** Stops writing, lets the shell commit what it has read, and waits for it to exit. */
  stop: () => Promise<void>;
}

/**
 * Another process (an sqlite3 shell) that keeps writing: every few milliseconds one transaction inserting
 * the two rows of a new batch into `pairs`, so a consistent copy always holds an even number of rows.
 */
export function startSqliteWriter(path: string): Writer {
  const child: ChildProcess = spawn('sqlite3', ['-batch', path], { stdio: ['pipe', 'ignore', 'inherit'] });
  child.stdin!.write('.timeout 20000\n');
  let batch = 0;
  const timer = setInterval(() => {
    if (child.stdin!.writableLength > 64 * 1024) return; // the shell is waiting for a lock: do not pile up
    batch++;
    child.stdin!.write(
      `BEGIN IMMEDIATE; INSERT INTO pairs VALUES (${batch}, 0, randomblob(300)); INSERT INTO pairs VALUES (${batch}, 1, randomblob(300)); COMMIT;\n`,
    );
  }, 3);
  const exited = once(child, 'exit');
  return {
    async stop() {
      clearInterval(timer);
      child.stdin!.end();
      const [code] = (await exited) as [number | null];
      if (code !== 0) throw new Error(`the sqlite writer exited with status ${code}`);
    },
  };
}
