// Planning an app restore (pure): which components of a snapshot go where, given the target app's config
// and the user's choices. Nothing is touched here; apply.ts asks for consent and does the work.
import { join } from 'node:path';
import type { AppConfig, BucketConfig, DatabaseConfig } from '../config/schema.js';
import { StrongboxError } from '../errors.js';
import type { BucketComponent, DatabaseComponent, FilesComponent, Snapshot } from '../repository/snapshot.js';
import { parseTargetDb, type TargetDb } from '../sources/index.js';
import type { Only } from './backup.js';
import { embeddedDatabaseExcludes } from './embedded.js';
import { bucketDisplay } from '../sources/bucket/index.js';

export interface FilesStep {
  kind: 'files';
  component: FilesComponent;
  /** Where the tree goes: the app's configured path, or --target DIR/<component name>. */
  dest: string;
  /** What the backup leaves out on purpose (excludes, offloaded): a replacing restore keeps it. */
  keep: string[];
}

export interface DatabaseStep {
  kind: 'database';
  component: DatabaseComponent;
  config: DatabaseConfig;
  target: TargetDb;
}

/** A bucket component goes into a bucket (the configured one, or --to-bucket) or, as plain files, into a directory. */
export interface BucketStep {
  kind: 'bucket';
  component: BucketComponent;
  dest: { kind: 'bucket'; location: string; options: BucketConfig['options'] } | { kind: 'dir'; dir: string };
  /** Patterns over keys the backup left out: a restore that deletes what the snapshot lacks never deletes them. */
  keep: string[];
}

export type RestoreStep = FilesStep | DatabaseStep | BucketStep;

export interface AppRestoreChoice {
  only?: Only;
  components?: string[];
  /** For file trees: restore under this directory instead of the configured paths. */
  target?: string;
  /** For the one database component selected: another database name, URL or (SQLite) path. */
  targetDb?: string;
  /** For the one bucket component selected: another bucket and prefix (s3:…) to restore its objects into. */
  toBucket?: string;
}

export function planAppRestore(
  snapshot: Snapshot,
  snapId: string,
  app: AppConfig,
  choice: AppRestoreChoice,
): RestoreStep[] {
  const where = `snapshot ${snapId.slice(0, 8)}${snapshot.app ? ` (app ${snapshot.app})` : ''}`;
  const wanted = new Set(choice.components ?? []);
  for (const n of wanted) {
    if (!snapshot.components.some((c) => c.name === n)) {
      throw new StrongboxError(
        'NOT_FOUND',
        `${where} has no component ${n} (it has: ${snapshot.components.map((c) => c.name).join(', ') || 'none'})`,
      );
    }
  }
  const chosen = snapshot.components.filter(
    (c) =>
      (!wanted.size || wanted.has(c.name)) &&
      (choice.only === undefined || (choice.only === 'db' ? c.kind === 'database' : c.kind !== 'database')),
  );
  if (!chosen.length) throw new StrongboxError('NOT_FOUND', `${where} has nothing to restore for that selection`);
  const dbCount = chosen.filter((c) => c.kind === 'database').length;
  // A restore aimed elsewhere (--target) must not replace the live databases as a side effect: say where the
  // databases should go, or leave them out.
  if (choice.target !== undefined && choice.targetDb === undefined && dbCount > 0) {
    const names = chosen
      .filter((c) => c.kind === 'database')
      .map((c) => c.name)
      .join(', ');
    throw new StrongboxError(
      'USAGE',
      `--target moves only file trees, and the selected database${dbCount > 1 ? 's' : ''} (${names}) would be restored into ` +
        `app ${app.id}'s configured database${dbCount > 1 ? 's' : ''}; add --target-db to restore ${dbCount > 1 ? 'one (with --component NAME)' : 'it'} elsewhere too, ` +
        'or --only files (a database is restored in place with its own --only db run)',
    );
  }
  if (choice.targetDb !== undefined && dbCount !== 1) {
    throw new StrongboxError(
      'USAGE',
      `--target-db names one database, but ${dbCount} database components are selected; pick one with --component NAME`,
    );
  }
  const buckets = chosen.filter((c) => c.kind === 'bucket').length;
  if (choice.toBucket !== undefined && buckets !== 1) {
    throw new StrongboxError(
      'USAGE',
      `--to-bucket names one bucket, but ${buckets} bucket components are selected; pick one with --component NAME`,
    );
  }
  if (choice.toBucket !== undefined) {
    if (!choice.toBucket.startsWith('s3:'))
      throw new StrongboxError(
        'USAGE',
        `--to-bucket ${choice.toBucket}: use s3:https://host[:port]/bucket[/prefix] or s3:bucket[/prefix]`,
      );
    bucketDisplay(choice.toBucket); // a malformed location is a usage error here, before anything is opened
  }
  return chosen.map((c): RestoreStep => {
    if (c.kind === 'bucket') {
      const conf = app.buckets?.find((b) => b.name === c.name);
      const keep = [...new Set([...(c.excludes ?? []), ...(conf?.exclude ?? [])])];
      // Another bucket is reached with the configured entry's options (region, endpoint, credentials), if any.
      if (choice.toBucket !== undefined)
        return {
          kind: 'bucket',
          component: c,
          dest: { kind: 'bucket', location: choice.toBucket, options: conf?.options ?? {} },
          keep,
        };
      if (choice.target)
        return { kind: 'bucket', component: c, dest: { kind: 'dir', dir: join(choice.target, c.name) }, keep };
      if (!conf)
        throw new StrongboxError(
          'USAGE',
          `app ${app.id} has no bucket named ${c.name} to restore into; pass --to-bucket s3:… or --target DIR`,
        );
      return {
        kind: 'bucket',
        component: c,
        dest: { kind: 'bucket', location: conf.source, options: conf.options },
        keep,
      };
    }
    if (c.kind === 'files') {
      const conf = app.files.find((f) => f.name === c.name);
      // What the backup leaves out stays when the tree is replaced, SQLite files the app keeps inside it too
      // (restored, as databases, from their own consistent copies).
      // The snapshot's own record counts too: a folder offloaded when it was taken, though not any more, was
      // never in it, and is not removed for that.
      const keep = [
        ...new Set([
          ...(c.excludes ?? []),
          ...(conf ? [...conf.exclude, ...conf.offloaded, ...embeddedDatabaseExcludes(app, conf.path)] : []),
        ]),
      ];
      if (choice.target) return { kind: 'files', component: c, dest: join(choice.target, c.name), keep };
      if (!conf)
        throw new StrongboxError(
          'USAGE',
          `app ${app.id} has no file tree named ${c.name} to restore into; pass --target DIR`,
        );
      return { kind: 'files', component: c, dest: conf.path, keep };
    }
    const conf = app.databases.find((d) => d.name === c.name);
    if (!conf)
      throw new StrongboxError(
        'USAGE',
        `app ${app.id} has no database named ${c.name} to restore into (add it to the config, or restore into an app that has it)`,
      );
    if (!sameEngine(conf.engine, c.engine)) {
      throw new StrongboxError(
        'USAGE',
        `${where}: component ${c.name} is a ${c.engine} dump, but app ${app.id}'s database ${c.name} is ${conf.engine}`,
      );
    }
    const target =
      choice.targetDb !== undefined
        ? parseTargetDb(choice.targetDb, conf.engine)
        : { name: conf.engine === 'sqlite' ? conf.path : conf.database, override: {} };
    return { kind: 'database', component: c, config: conf, target };
  });
}

const sameEngine = (a: string, b: string) =>
  a === b || (['mysql', 'mariadb'].includes(a) && ['mysql', 'mariadb'].includes(b));
