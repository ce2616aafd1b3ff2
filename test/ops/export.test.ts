// A portable export, verified with the standard tools alone: `sha256sum -c SHA256SUMS`, pg_restore into a new
// PostgreSQL database, the mariadb client into a new MariaDB database, sqlite3's integrity check, and GNU tar
// extracting the tree exactly (contents, modes, mtimes to the nanosecond, hard links, symlinks); the same export as
// one tar stream (the API download); and the refusals (a non-empty directory, another app's snapshot).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newContext } from '../../src/ops/context.js';
import { EXPORT_MANIFEST, type ExportManifest, exportSnapshot, exportSnapshotTar } from '../../src/ops/export.js';
import { appRepo, findApp } from '../../src/ops/target.js';
import { diffTrees } from '../../src/util/treediff.js';
import { myItems, pgItems, sqlite, sqliteItems } from '../e2e/app-fixture.js';
import { haveServer, MY, mySql, PG, pgSql, uniqueDb } from '../support/servers.js';
import { type ExportFixture, exportFixture } from './export-fixture.js';

const servers = haveServer('postgres') && haveServer('mariadb');
const sh = (cmd: string, args: string[], cwd?: string) => execFileSync(cmd, args, { cwd, encoding: 'utf8' });

describe.skipIf(!servers)('export of an app with PostgreSQL, MariaDB, SQLite and a file tree', () => {
  let f: ExportFixture;
  let out: string;
  let manifest: ExportManifest;
  const spec = () => appRepo(f.choice, f.cfg, findApp(f.cfg, 'shop'));

  beforeAll(async () => {
    f = await exportFixture('sb-ops-export-');
    out = join(f.dir, 'export');
    const r = await exportSnapshot(spec(), { app: 'shop', snapshot: 'latest', output: out }, newContext());
    manifest = r.manifest;
  }, 240_000);
  afterAll(async () => f?.cleanup());

  it('writes one file per component, manifest.json and SHA256SUMS, which sha256sum -c verifies', async () => {
    expect((await readdir(out)).sort()).toEqual(
      ['SHA256SUMS', 'lite.sqlite3', 'manifest.json', 'my.sql', 'pg.pgdump', 'web.tar'].sort(),
    );
    const checked = sh('sha256sum', ['-c', 'SHA256SUMS'], out).trim().split('\n');
    expect(checked).toHaveLength(5);
    for (const l of checked) expect(l).toMatch(/: OK$/);
    expect(JSON.parse(await readFile(join(out, EXPORT_MANIFEST), 'utf8'))).toEqual(manifest);
    expect(manifest).toMatchObject({ snapshot: f.snapshot, app: 'shop', periodicity: 'manual', trigger: 'on-demand' });
    expect(manifest.note).toBe('before the move');
    const pg = manifest.files.find((x) => x.component === 'pg')!;
    expect(pg).toMatchObject({ kind: 'database', engine: 'postgres', format: 'pg_dump-custom', tool: 'pg_dump' });
    expect((pg as { serverVersion?: string }).serverVersion).toMatch(/^\d+/);
    expect((await stat(join(out, 'pg.pgdump'))).mode & 0o777).toBe(0o600);
  });

  it('pg_restore loads the PostgreSQL dump into a new database with the same rows', () => {
    const fresh = uniqueDb('sbexp_pgr');
    f.pgDbs.push(fresh);
    pgSql('postgres', `CREATE DATABASE "${fresh}"`);
    sh(
      'pg_restore',
      ['-h', PG.host, '-p', String(PG.port), '-U', PG.user, '--no-owner', '-d', fresh, 'pg.pgdump'],
      out,
    );
    expect(pgItems(fresh)).toBe(pgItems(f.pgDb));
    expect(pgItems(fresh).split('\n')).toHaveLength(3000);
  });

  it('the mariadb client loads the SQL dump into a new database with the same rows', () => {
    const fresh = uniqueDb('sbexp_myr');
    f.myDbs.push(fresh);
    mySql(`CREATE DATABASE \`${fresh}\``);
    execFileSync('mariadb', ['-h', MY.host, '-P', String(MY.port), '-u', MY.user, fresh], {
      input: execFileSync('cat', [join(out, 'my.sql')]),
    });
    expect(myItems(fresh)).toBe(myItems(f.myDb));
  });

  it('sqlite3 finds the SQLite database intact, with the same rows', () => {
    const db = join(out, 'lite.sqlite3');
    expect(sqlite(db, 'PRAGMA integrity_check;')).toBe('ok');
    expect(sqliteItems(db)).toBe(sqliteItems(f.sqlitePath));
  });

  it('GNU tar extracts the tree exactly: contents, modes, mtimes, symlinks and hard links', async () => {
    const x = join(f.dir, 'x-plain');
    await mkdir(x);
    sh('tar', ['-xf', join(out, 'web.tar'), '-C', x]);
    expect(await diffTrees(f.web, join(x, 'web'))).toEqual([]);
    const tree = manifest.files.find((e) => e.kind === 'files')!;
    if (tree.kind !== 'files') throw new Error('not a tree');
    const files = tree.entries.filter((e) => e.type === 'file' || e.type === 'hardlink');
    expect(files.length).toBeGreaterThan(30);
    for (const e of files.slice(0, 10)) {
      const data = await readFile(join(x, e.path));
      expect(data.length).toBe(e.size);
      expect(createHash('sha256').update(data).digest('hex')).toBe(e.sha256);
    }
  });

  it('--zstd and --gzip compress the trees natively; tar --zstd and tar -z extract them exactly', async () => {
    for (const [compress, ext, flag] of [
      ['zstd', 'tar.zst', '--zstd'],
      ['gzip', 'tar.gz', '-z'],
    ] as const) {
      const dir = join(f.dir, `export-${compress}`);
      await exportSnapshot(spec(), { app: 'shop', snapshot: f.snapshot, output: dir, compress }, newContext());
      expect(sh('sha256sum', ['-c', 'SHA256SUMS'], dir)).toContain(`web.${ext}: OK`);
      const x = join(f.dir, `x-${compress}`);
      await mkdir(x);
      sh('tar', [flag, '-xf', join(dir, `web.${ext}`), '-C', x]);
      expect(await diffTrees(f.web, join(x, 'web'))).toEqual([]);
      expect((await stat(join(dir, `web.${ext}`))).size).toBeLessThan((await stat(join(out, 'web.tar'))).size);
    }
  });

  it('as one tar stream (the API download) holds the same files, SHA256SUMS and manifest last', async () => {
    const file = join(f.dir, 'export.tar');
    await exportSnapshotTar(spec(), { app: 'shop', snapshot: f.snapshot }, createWriteStream(file), newContext());
    const members = sh('tar', ['-tf', file]).trim().split('\n');
    expect(members.slice(-2)).toEqual(['manifest.json', 'SHA256SUMS']);
    const x = join(f.dir, 'x-stream');
    await mkdir(x);
    sh('tar', ['-xf', file, '-C', x]);
    expect(sh('sha256sum', ['-c', 'SHA256SUMS'], x)).not.toContain('FAILED');
    for (const name of ['web.tar', 'pg.pgdump', 'lite.sqlite3', 'my.sql'])
      expect((await readFile(join(x, name))).equals(await readFile(join(out, name))), name).toBe(true);
  });

  it('refuses a directory that is not empty, and writes nothing into it', async () => {
    const dir = join(f.dir, 'busy');
    await mkdir(dir);
    await writeFile(join(dir, 'keep.txt'), 'mine\n');
    await expect(
      exportSnapshot(spec(), { app: 'shop', snapshot: 'latest', output: dir }, newContext()),
    ).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('is not empty') });
    expect(await readdir(dir)).toEqual(['keep.txt']);
  });

  it('cancelled midway, removes what it wrote: no file of it is left, nor the directory it made', async () => {
    const dir = join(f.dir, 'cancelled');
    const ac = new AbortController();
    const seen: string[] = [];
    const ctx = newContext({
      signal: ac.signal,
      emit: (e) => {
        if (e.type !== 'phase' || e.state !== 'started') return;
        seen.push(e.component ?? '');
        if (e.component === 'web') setTimeout(() => ac.abort(), 20); // the dumps are written by now
      },
    });
    await expect(exportSnapshot(spec(), { app: 'shop', snapshot: 'latest', output: dir }, ctx)).rejects.toMatchObject({
      code: 'INTERRUPTED',
    });
    expect(seen).toContain('web');
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a snapshot of another app', async () => {
    await expect(
      exportSnapshot(spec(), { app: 'other', snapshot: f.snapshot, output: join(f.dir, 'e-other') }, newContext()),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('is not a snapshot of app other') });
  });
});
