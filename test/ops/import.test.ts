// Import round trips: an app backed up, exported, imported into ANOTHER repository (another config's app whose
// databases and tree are new places), then restored with restore --app: the same rows in PostgreSQL, MariaDB and
// SQLite, the same tree to the nanosecond. The same from the API's export tar, and from plain files (a pg_dump and a
// GNU tar.gz as other hosts hand them out). A damaged export is refused naming the file, before anything is stored.
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { appendFile, cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { newContext } from '../../src/ops/context.js';
import { exportSnapshot, exportSnapshotTar } from '../../src/ops/export.js';
import { IMPORT_TAG, importSnapshot } from '../../src/ops/import.js';
import { initRepository } from '../../src/ops/repo.js';
import { restoreAppSnapshot } from '../../src/ops/restore-app.js';
import { listSnapshots } from '../../src/ops/snapshots.js';
import { appRepo, findApp, loadChosenConfig, type RepoChoice } from '../../src/ops/target.js';
import { diffTrees } from '../../src/util/treediff.js';
import { myItems, pgItems, sqliteItems } from '../e2e/app-fixture.js';
import { haveServer, uniqueDb } from '../support/servers.js';
import { type ExportFixture, exportFixture, shopApp, writeConfig } from './export-fixture.js';

const servers = haveServer('postgres') && haveServer('mariadb');

describe.skipIf(!servers)('import into another repository, then restore --app', () => {
  let f: ExportFixture;
  let exported: string;
  let tarball: string;
  let choice2: RepoChoice;
  let cfg2: Config;
  let n = 0;

  /** A config for the second repository whose app `shop` has fresh places (databases, SQLite path, tree). */
  async function places() {
    const k = ++n;
    const p = {
      web: join(f.dir, `restored-${k}`, 'web'),
      sqlitePath: join(f.dir, `restored-${k}`, 'site.db'),
      pgDb: uniqueDb('sbimp'),
      myDb: uniqueDb('sbimp'),
    };
    f.pgDbs.push(p.pgDb);
    f.myDbs.push(p.myDb);
    const config = await writeConfig(join(f.dir, `strongbox-${k}.yaml`), join(f.dir, 'repo2'), [shopApp(p)]);
    choice2 = { config };
    cfg2 = await loadChosenConfig(choice2);
    return p;
  }

  /** restore --app of `id` into the config's places, then everything compared with the original. */
  async function restoredEqual(id: string, p: Awaited<ReturnType<typeof places>>, dbs = ['pg', 'my', 'lite']) {
    const app = findApp(cfg2, 'shop');
    const r = await restoreAppSnapshot(choice2, cfg2, { app, snapshot: id, yes: true }, newContext());
    expect(r.outcome).toBe('ok');
    if (dbs.includes('pg')) expect(pgItems(p.pgDb)).toBe(pgItems(f.pgDb));
    if (dbs.includes('my')) expect(myItems(p.myDb)).toBe(myItems(f.myDb));
    if (dbs.includes('lite')) expect(sqliteItems(p.sqlitePath)).toBe(sqliteItems(f.sqlitePath));
    expect(await diffTrees(f.web, p.web)).toEqual([]);
  }

  beforeAll(async () => {
    f = await exportFixture('sb-ops-import-');
    const spec = appRepo(f.choice, f.cfg, findApp(f.cfg, 'shop'));
    exported = join(f.dir, 'export');
    await exportSnapshot(spec, { app: 'shop', snapshot: f.snapshot, output: exported, compress: 'zstd' }, newContext());
    tarball = join(f.dir, 'export.tar');
    await exportSnapshotTar(spec, { app: 'shop', snapshot: f.snapshot }, createWriteStream(tarball), newContext());
    await initRepository({ location: join(f.dir, 'repo2'), password: { env: 'SB_EXPORT_PW' } }, newContext());
  }, 300_000);
  afterAll(async () => f?.cleanup());

  it('an export directory becomes a snapshot at its original time, and restores exactly', async () => {
    const p = await places();
    const app = findApp(cfg2, 'shop');
    const r = await importSnapshot(choice2, cfg2, { app, from: exported }, newContext());
    expect(r.from).toBe(f.snapshot);
    const [orig] = (await listSnapshots(appRepo(f.choice, f.cfg, findApp(f.cfg, 'shop')), {}, newContext())).snapshots;
    expect(r.snapshot).toMatchObject({
      app: 'shop',
      time: orig.snapshot.time,
      periodicity: 'manual',
      trigger: 'on-demand',
      note: 'before the move',
      tags: [IMPORT_TAG],
    });
    expect(r.snapshot.components.map((c) => `${c.kind} ${c.name}`).sort()).toEqual(
      ['database lite', 'database my', 'database pg', 'files web'].sort(),
    );
    await restoredEqual(r.id, p);
  }, 300_000);

  it("the API's export tar imports as it is, and restores exactly", async () => {
    const p = await places();
    const r = await importSnapshot(choice2, cfg2, { app: findApp(cfg2, 'shop'), from: tarball }, newContext());
    await restoredEqual(r.id, p);
  }, 300_000);

  it('a plain pg_dump and a GNU tar.gz of the media import by name, at the time given, and restore', async () => {
    const p = await places();
    const media = join(f.dir, 'media.tar.gz');
    execFileSync('tar', ['--format=posix', '-czf', media, '-C', f.web, '.']);
    const time = Date.parse('2026-01-02T03:04:05.000Z');
    const r = await importSnapshot(
      choice2,
      cfg2,
      {
        app: findApp(cfg2, 'shop'),
        databases: [{ name: 'pg', path: join(exported, 'pg.pgdump') }],
        files: [{ name: 'web', path: media }],
        time,
      },
      newContext(),
    );
    expect(r.snapshot).toMatchObject({ time: '2026-01-02T03:04:05.000Z', periodicity: 'manual', tags: [IMPORT_TAG] });
    expect(r.snapshot.components.find((c) => c.name === 'pg')).toMatchObject({
      kind: 'database',
      engine: 'postgres',
      format: 'pg_dump-custom',
    });
    await restoredEqual(r.id, p, ['pg']);
  }, 300_000);

  it('a dump that is not what the database restores from is refused, naming both', async () => {
    await places();
    await expect(
      importSnapshot(
        choice2,
        cfg2,
        { app: findApp(cfg2, 'shop'), databases: [{ name: 'pg', path: join(exported, 'lite.sqlite3') }] },
        newContext(),
      ),
    ).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/looks like an SQLite database.*postgres/),
    });
  });

  it('a damaged export (a directory or the tar) is refused naming the file, and nothing is stored', async () => {
    await places();
    const bad = join(f.dir, 'damaged');
    await cp(exported, bad, { recursive: true });
    await appendFile(join(bad, 'my.sql'), '-- one more line\n');
    const before = (await listSnapshots(appRepo(choice2, cfg2, findApp(cfg2, 'shop')), {}, newContext())).snapshots;
    await expect(
      importSnapshot(choice2, cfg2, { app: findApp(cfg2, 'shop'), from: bad }, newContext()),
    ).rejects.toMatchObject({ code: 'INTEGRITY', message: expect.stringMatching(/my\.sql does not match SHA256SUMS/) });
    const after = (await listSnapshots(appRepo(choice2, cfg2, findApp(cfg2, 'shop')), {}, newContext())).snapshots;
    expect(after.length).toBe(before.length);
    // The API's tar, one byte of its first member (pg.pgdump, whose data starts after a 512-byte header) changed.
    const badTar = join(f.dir, 'damaged.tar');
    const bytes = await readFile(tarball);
    bytes[512 + 100] ^= 0xff;
    await writeFile(badTar, bytes);
    await expect(
      importSnapshot(choice2, cfg2, { app: findApp(cfg2, 'shop'), from: badTar }, newContext()),
    ).rejects.toMatchObject({
      code: 'INTEGRITY',
      message: expect.stringMatching(/pg\.pgdump does not match SHA256SUMS/),
    });
    expect(
      (await listSnapshots(appRepo(choice2, cfg2, findApp(cfg2, 'shop')), {}, newContext())).snapshots,
    ).toHaveLength(before.length);
  });
});
