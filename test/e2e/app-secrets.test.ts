// Database passwords never show where other users can see them: not in any process's argv while a dump or
// restore runs (the tool is slowed down so it is seen), not in any command's output, failing ones included,
// not in `config check`; the MariaDB options file that carries one is private and removed afterwards.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveServer, MY, mySql, PG, uniqueDb } from '../support/servers.js';
import {
  MY_TOOLS,
  myCreate,
  myDrop,
  myItems,
  PG_TOOLS,
  pgCreate,
  pgDrop,
  pgItems,
  sleepsFirst,
  toolDir,
  workspace,
  type Workspace,
} from './app-fixture.js';
import type { RunResult } from './helpers.js';

/** Long, random, and unique to this run: if it shows up anywhere, it came from us. */
const newPassword = () => `sbpw${randomBytes(24).toString('hex')}`;

/** Every argv seen in /proc/<pid>/cmdline (never environ) while watching, polled every 20 ms. */
function watchArgv(onSeen: (argv: string) => void = () => {}): { stop: () => string[] } {
  const seen = new Set<string>();
  const scan = () => {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let argv: string;
      try {
        argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      } catch {
        continue; // the process is gone
      }
      if (argv && !seen.has(argv)) {
        seen.add(argv);
        onSeen(argv);
      }
    }
  };
  const timer = setInterval(scan, 20);
  return {
    stop: () => {
      clearInterval(timer);
      scan();
      return [...seen];
    },
  };
}

/** Neither the password nor a recognisable part of it (its first half) is in `text`. */
function expectNoPassword(text: string, password: string): void {
  expect(text).not.toContain(password.slice(0, password.length / 2));
  expect(text).not.toContain(password.slice(password.length / 2));
}

const output = (r: RunResult) => `${r.stdout}\n${r.stderr}`;

describe.skipIf(!haveServer('mariadb'))('a MariaDB password (user with a password, passwordEnv)', () => {
  const password = newPassword();
  const wrongPassword = newPassword();
  const user = uniqueDb('sb_sec_user');
  const db = uniqueDb('sb_sec_my');
  const copy = `${db}_copy`;
  let ws: Workspace;
  let cfg: string;
  let tmp: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    myCreate(db);
    mySql(
      `CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'; GRANT ALL ON \`${db}\`.* TO '${user}'@'%'; GRANT ALL ON \`${copy}\`.* TO '${user}'@'%';`,
    );
    ws = await workspace('sb-app-secrets-my-');
    // mariadb-dump, and the client when it is fed a dump, wait half a second first, so their argv is seen.
    const bin = await toolDir(join(ws.dir, 'bin'), MY_TOOLS, {
      'mariadb-dump': sleepsFirst('mariadb-dump', 0.5),
      mariadb: sleepsFirst('mariadb', 0.5, '--binary-mode'),
    });
    cfg = await ws.config('strongbox.yaml', [
      {
        id: 'forum',
        repository: 'main',
        databases: [
          {
            name: 'main',
            engine: 'mariadb',
            host: MY.host,
            port: MY.port,
            user,
            passwordEnv: 'FORUM_DB_PASSWORD',
            database: db,
            binDir: bin,
          },
        ],
      },
    ]);
    tmp = join(ws.dir, 'tmp'); // the tools' options files go here, so the test can see them come and go
    await mkdir(tmp);
    env = { FORUM_DB_PASSWORD: password, TMPDIR: tmp };
  });
  afterAll(async () => {
    myDrop(db, copy);
    mySql(`DROP USER IF EXISTS '${user}'@'%'`);
    await ws?.cleanup();
  });

  it('backup --app: mariadb-dump is seen running, its options file is private, and no argv holds the password', async () => {
    const optionFiles = new Map<string, number>();
    const watch = watchArgv((argv) => {
      const file = /bin\/mariadb-dump --defaults-extra-file=(\S+)/.exec(argv)?.[1];
      try {
        // Only this backup's: the other test fork may be running a mariadb-dump of its own.
        if (file?.startsWith(`${tmp}/`)) optionFiles.set(file, statSync(file).mode & 0o777);
      } catch {
        // seen only after the dump ended and the file was removed: its mode was recorded while it slept
      }
    });
    const res = await ws.run(cfg, ['backup', '--app', 'forum'], 0, env);
    const seen = watch.stop();
    expect(seen.filter((a) => a.includes('bin/mariadb-dump --defaults-extra-file=') && a.endsWith(db))).not.toEqual([]);
    expectNoPassword(seen.join('\n'), password);
    expect([...optionFiles.values()]).toEqual([0o600]);
    expectNoPassword(output(res), password);
    expect(await readdir(tmp)).toEqual([]); // the options file is gone
  });

  it('restore --app: the mariadb client is seen reading the dump, and no argv holds the password', async () => {
    const watch = watchArgv();
    const res = await ws.run(cfg, ['restore', 'latest', '--app', 'forum', '--target-db', copy], 0, env);
    const seen = watch.stop();
    expect(
      seen.filter((a) => a.includes('bin/mariadb --defaults-extra-file=') && a.includes('--binary-mode')),
    ).not.toEqual([]);
    expectNoPassword(seen.join('\n'), password);
    expectNoPassword(output(res), password);
    expect(myItems(copy)).toBe(myItems(db));
    expect(await readdir(tmp)).toEqual([]);
  });

  it('failing commands do not print it either: a wrong password, and a database the user may not read', async () => {
    const denied = await ws.tryRun(cfg, ['backup', '--app', 'forum'], { ...env, FORUM_DB_PASSWORD: wrongPassword });
    expect(denied.code).toBe(4);
    expect(denied.stderr).toMatch(/Access denied/);
    expectNoPassword(output(denied), wrongPassword);
    const other = await ws.config('other-db.yaml', [
      {
        id: 'forum',
        repository: 'main',
        databases: [
          {
            name: 'main',
            engine: 'mariadb',
            host: MY.host,
            port: MY.port,
            user,
            passwordEnv: 'FORUM_DB_PASSWORD',
            database: 'mysql',
          },
        ],
      },
    ]);
    const forbidden = await ws.tryRun(other, ['backup', '--app', 'forum'], env);
    expect(forbidden.code).toBe(4);
    expectNoPassword(output(forbidden), password);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('config check, snapshots and dump output do not show it', async () => {
    for (const args of [
      ['config', 'check'],
      ['--json', 'config', 'check'],
      ['--json', 'snapshots', '--app', 'forum'],
      ['dump', 'latest', 'main', '--app', 'forum'],
    ]) {
      expectNoPassword(output(await ws.run(cfg, args, 0, env)), password);
    }
  });
});

describe.skipIf(!haveServer('postgres'))('a PostgreSQL password (passwordEnv)', () => {
  const password = newPassword();
  const db = uniqueDb('sb_sec_pg');
  const copy = `${db}_copy`;
  let ws: Workspace;
  let cfg: string;
  const env = { SHOP_DB_PASSWORD: password };

  beforeAll(async () => {
    pgCreate(db);
    ws = await workspace('sb-app-secrets-pg-');
    const bin = await toolDir(join(ws.dir, 'bin'), PG_TOOLS, {
      pg_dump: sleepsFirst('pg_dump', 0.5),
      pg_restore: sleepsFirst('pg_restore', 0.5),
    });
    cfg = await ws.config('strongbox.yaml', [
      {
        id: 'shop',
        repository: 'main',
        databases: [
          {
            name: 'main',
            engine: 'postgres',
            host: PG.host,
            port: PG.port,
            user: PG.user,
            passwordEnv: 'SHOP_DB_PASSWORD',
            database: db,
            binDir: bin,
          },
        ],
      },
    ]);
  });
  afterAll(async () => {
    pgDrop(db, copy);
    await ws?.cleanup();
  });

  it('backup --app and restore --app: pg_dump and pg_restore are seen running, and no argv holds the password', async () => {
    const watch = watchArgv();
    const backup = await ws.run(cfg, ['backup', '--app', 'shop'], 0, env);
    const restore = await ws.run(cfg, ['restore', 'latest', '--app', 'shop', '--target-db', copy], 0, env);
    const seen = watch.stop();
    expect(seen.filter((a) => a.includes('bin/pg_dump --format=custom'))).not.toEqual([]);
    expect(seen.filter((a) => a.includes('bin/pg_restore --no-password'))).not.toEqual([]);
    expectNoPassword(seen.join('\n'), password);
    expectNoPassword(output(backup) + output(restore), password);
    expect(pgItems(copy)).toBe(pgItems(db));
  });

  it('a failing dump (the database does not exist) does not print it', async () => {
    const gone = await ws.config('gone.yaml', [
      {
        id: 'shop',
        repository: 'main',
        databases: [
          {
            name: 'main',
            engine: 'postgres',
            host: PG.host,
            port: PG.port,
            user: PG.user,
            passwordEnv: 'SHOP_DB_PASSWORD',
            database: `${db}_gone`,
          },
        ],
      },
    ]);
    const res = await ws.tryRun(gone, ['backup', '--app', 'shop'], env);
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/database ".*_gone" does not exist/);
    expectNoPassword(output(res), password);
  });

  it('config check does not show it', async () => {
    for (const args of [
      ['config', 'check'],
      ['--json', 'config', 'check'],
    ])
      expectNoPassword(output(await ws.run(cfg, args, 0, env)), password);
  });
});
