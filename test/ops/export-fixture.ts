// An app for the export and import tests: a real PostgreSQL and a real MariaDB database, an SQLite database and a
// file tree (odd names, modes, hard links, symlinks, a sparse file, fixed mtimes), backed up once in process.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../src/config/schema.js';
import { backupApps } from '../../src/ops/backup-app.js';
import { newContext } from '../../src/ops/context.js';
import { initRepository } from '../../src/ops/repo.js';
import { loadChosenConfig, type RepoChoice } from '../../src/ops/target.js';
import { myCreate, myDrop, pgCreate, pgDrop, sqliteCreate } from '../e2e/app-fixture.js';
import { tempDir } from '../e2e/helpers.js';
import { makeTree } from '../e2e/tree-fixture.js';
import { MY, PG, uniqueDb } from '../support/servers.js';

process.env.SB_EXPORT_PW = 'export-test-password';

export interface ExportFixture {
  dir: string;
  web: string;
  sqlitePath: string;
  pgDb: string;
  myDb: string;
  choice: RepoChoice;
  cfg: Config;
  /** The snapshot the backup wrote. */
  snapshot: string;
  /** Databases the test made (dropped by cleanup). */
  pgDbs: string[];
  myDbs: string[];
  cleanup: () => Promise<void>;
}

/** The app `shop` of a config: its repository, databases and tree, as a user would write it. */
export function shopApp(a: { web: string; sqlitePath: string; pgDb: string; myDb: string; repository?: string }) {
  return {
    id: 'shop',
    repository: a.repository ?? 'main',
    files: [{ name: 'web', path: a.web }],
    databases: [
      { name: 'pg', engine: 'postgres', host: PG.host, port: PG.port, user: PG.user, database: a.pgDb },
      { name: 'my', engine: 'mariadb', host: MY.host, port: MY.port, user: MY.user, database: a.myDb },
      { name: 'lite', engine: 'sqlite', path: a.sqlitePath },
    ],
  };
}

/** Writes a config with one repository `main` at `location` and the given apps; returns its path. */
export async function writeConfig(path: string, location: string, apps: unknown[]): Promise<string> {
  await writeFile(
    path,
    JSON.stringify({ repositories: { main: { location, passwordEnv: 'SB_EXPORT_PW' } }, apps }, null, 2),
  );
  return path;
}

export async function exportFixture(prefix: string): Promise<ExportFixture> {
  const tmp = await tempDir(prefix);
  const web = join(tmp.path, 'srv', 'web');
  await mkdir(web, { recursive: true });
  await makeTree(web, 4242);
  const sqlitePath = join(tmp.path, 'srv', 'site.db');
  sqliteCreate(sqlitePath, 1);
  const pgDb = uniqueDb('sbexp');
  const myDb = uniqueDb('sbexp');
  pgCreate(pgDb);
  myCreate(myDb);
  const location = join(tmp.path, 'repo');
  await initRepository({ location, password: { env: 'SB_EXPORT_PW' } }, newContext(), { packSizeMiB: 4 });
  const config = await writeConfig(join(tmp.path, 'strongbox.yaml'), location, [
    shopApp({ web, sqlitePath, pgDb, myDb }),
  ]);
  const choice: RepoChoice = { config };
  const cfg = await loadChosenConfig(choice);
  const r = await backupApps(
    choice,
    cfg,
    { apps: cfg.apps, periodicity: 'manual', note: 'before the move' },
    newContext(),
  );
  if (r.outcome !== 'ok') throw new Error(`fixture backup: ${r.outcome} ${r.error?.message}`);
  const f: ExportFixture = {
    dir: tmp.path,
    web,
    sqlitePath,
    pgDb,
    myDb,
    choice,
    cfg,
    snapshot: r.apps[0].result!.id,
    pgDbs: [pgDb],
    myDbs: [myDb],
    async cleanup() {
      pgDrop(...f.pgDbs);
      myDrop(...f.myDbs);
      await tmp.cleanup();
    },
  };
  return f;
}
