// The strongbox.yaml schema (zod): repositories and applications (file trees, databases, hooks). The JSON
// Schema shipped in schema/strongbox.schema.json is generated from it (scripts/gen-schema) and snapshot-tested.
import * as z from 'zod';
import { daemonSchema, scheduleSchema } from './daemon-schema.js';
import { duration, envName, name, timeZone } from './fields.js';

/** Where a secret comes from: the environment or a file; never required in the config file itself. */
const secretSource = {
  passwordEnv: envName.optional().describe('environment variable holding the password'),
  passwordFile: z.string().min(1).optional().describe('file holding the password (first line)'),
};

const store = {
  location: z
    .string()
    .min(1)
    .describe('a path for a local repository, or s3:https://host/bucket/prefix, s3:bucket/prefix'),
  ...secretSource,
  passwordCommand: z.string().min(1).optional().describe('command that prints the repository password'),
  // Checked against the backend's own schema when the repository is opened (docs/usage/backends/<scheme>.md).
  options: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('options of the storage backend (e.g. region, storageClass for s3:); see docs/usage/backends/'),
};

export const mirrorSchema = z
  .strictObject(store)
  .describe(
    'another store holding the same objects (docs/usage/mirrors.md); its password settings are used when it is opened by itself (-r LOCATION)',
  );

export const repositorySchema = z.strictObject({
  ...store,
  mirrors: z
    .array(mirrorSchema)
    .optional()
    .describe(
      'stores that hold a copy of every object: written in parallel, read when the primary lacks an object or holds a damaged one',
    ),
});

const pathField = z.string().startsWith('/', 'must be an absolute path');
const excludeField = z
  .array(z.string().min(1))
  .default([])
  .describe('gitignore-style patterns, relative to path (for a bucket: to the prefix)');

export const filesSchema = z.strictObject({
  name,
  path: pathField,
  exclude: excludeField,
  offloaded: z
    .array(z.string().min(1))
    .default([])
    .describe('folders whose assets live in a cloud bucket: excluded, with a warning that they are not in the backup'),
  oneFileSystem: z
    .boolean()
    .optional()
    .describe(
      'stay on the filesystem of path: a directory mounted below it is kept as an empty directory, its contents are not backed up',
    ),
});

/** A bucket (or a prefix in one) whose objects are backed up as a component of kind "bucket" (docs/usage/bucket-sources.md). */
export const bucketSchema = z.strictObject({
  name,
  source: z
    .string()
    .regex(/^s3:./, 'a bucket location: s3:https://host[:port]/bucket[/prefix] or s3:bucket[/prefix]')
    .describe(
      'the bucket and prefix whose objects are backed up: s3:https://host[:port]/bucket[/prefix] or s3:bucket[/prefix]',
    ),
  // Checked against the S3 backend's option schema when the bucket is opened (docs/usage/backends/s3.md).
  options: z
    .record(z.string(), z.unknown())
    .default({})
    .describe(
      'how to reach the bucket: the options of an s3: repository (region, endpoint, pathStyle, credentials env names, timeout, connections)',
    ),
  exclude: excludeField,
});

/** An entry of an app's `files`: a directory (path) or a bucket (source). */
const filesEntrySchema = z.union([filesSchema, bucketSchema], {
  // Said for the kind of entry it is (a bucket has source, a directory path), not for both at once.
  error: (iss) => {
    if (iss.code !== 'invalid_union') return undefined;
    const input = iss.input as Record<string, unknown> | undefined;
    const branch =
      input && typeof input === 'object' && 'source' in input
        ? 1
        : input && typeof input === 'object' && 'path' in input
          ? 0
          : -1;
    const issues = branch >= 0 ? (iss.errors as z.core.$ZodIssue[][])[branch] : undefined;
    if (!issues?.length) return 'a file tree needs either path (a directory) or source (a bucket: s3:…)';
    return issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
  },
});

const serverDb = {
  name,
  host: z.string().min(1).default('127.0.0.1'),
  user: z.string().min(1).optional(),
  ...secretSource,
  database: z.string().min(1),
  dumpArgs: z.array(z.string()).default([]).describe('extra arguments for the dump tool'),
  restoreArgs: z.array(z.string()).optional().describe('arguments for the restore tool (replace the defaults)'),
  lockTimeoutSeconds: z
    .number()
    .int()
    .positive()
    .default(300)
    .describe('how long a dump or restore waits for a lock the application holds before it fails (instead of hanging)'),
  binDir: z
    .string()
    .startsWith('/', 'must be an absolute path')
    .optional()
    .describe('directory holding the dump and restore tools (e.g. /usr/lib/postgresql/16/bin); default: the PATH'),
};

export const postgresSchema = z.strictObject({
  ...serverDb,
  engine: z.literal('postgres'),
  port: z.number().int().min(1).max(65535).default(5432),
});
export const mysqlSchema = z.strictObject({
  ...serverDb,
  engine: z.enum(['mysql', 'mariadb']),
  port: z.number().int().min(1).max(65535).default(3306),
});
export const sqliteSchema = z.strictObject({
  name,
  engine: z.literal('sqlite'),
  path: z.string().startsWith('/', 'must be an absolute path'),
});
export const databaseSchema = z.discriminatedUnion('engine', [postgresSchema, mysqlSchema, sqliteSchema]);

const count = z.number().int().min(0);
export const policySchema = z
  .strictObject({
    within: duration(true).optional().describe('keep everything younger than this (e.g. 30d, 12h, 2w, 6mo, 1y)'),
    last: count.optional(),
    hourly: count.optional(),
    daily: count.optional(),
    weekly: count.optional(),
    monthly: count.optional(),
    bimonthly: count.optional(),
    yearly: count.optional(),
  })
  .describe(
    'borg-prune style rules, applied in the order within, last, hourly, daily, weekly, monthly, bimonthly, yearly',
  );

export const appSchema = z
  .strictObject({
    id: name.describe("identifier that names this application's backups"),
    repository: z.string().min(1),
    files: z
      .array(filesEntrySchema)
      .default([])
      .describe('file trees: directories (path) or buckets (source: s3:…) whose objects are backed up'),
    databases: z.array(databaseSchema).default([]),
    periodicities: z
      .array(z.enum(['hourly', 'daily', 'weekly', 'monthly', 'bimonthly', 'shutdown']))
      .default([])
      .describe(
        'the periodicities this app takes: the daemon schedules the time-based ones (status reports each one overdue when its newest snapshot is too old) and takes a shutdown backup when it is stopped',
      ),
    drill: z
      .strictObject({
        directory: z
          .string()
          .startsWith('/', 'must be an absolute path')
          .optional()
          .describe('where the scratch directory of a restore drill is made (default the system temp directory)'),
        servers: z
          .record(
            name,
            z
              .string()
              .regex(
                /^(postgres|postgresql|mysql|mariadb):\/\/[^:@/]+@[^/]+\/?$/,
                'a URL without a password or database, e.g. postgresql://drill@10.0.0.5:5432',
              ),
          )
          .default({})
          .describe(
            'per database component: the server its scratch copy goes to, instead of its own (password: STRONGBOX_TARGET_DB_PASSWORD)',
          ),
        smoke: z
          .array(
            z.strictObject({
              database: name.describe('the database component to query'),
              sql: z.string().min(1).describe('a read-only query run on the scratch copy'),
              expect: z
                .string()
                .min(1)
                .optional()
                .describe('a regular expression its output must match (default: any output)'),
            }),
          )
          .default([]),
      })
      .default({ servers: {}, smoke: [] })
      .describe('restore drills (strongbox drill): where to restore, and smoke queries'),
    only: z
      .enum(['db', 'files'])
      .optional()
      .describe(
        'this machine backs up only the databases (db) or only the file trees (files) of the app, another machine the rest; restore latest --app then combines the newest of each',
      ),
    schedule: scheduleSchema.default({}),
    shutdown: z
      .strictObject({
        only: z
          .enum(['files', 'db', 'all'])
          .default('files')
          .describe('what a shutdown backup takes: the file trees (default), the databases, or all'),
      })
      .default({ only: 'files' }),
    retention: z
      .strictObject({
        timeZone: timeZone.default('UTC').describe('calendar buckets (day, week, month) are taken in this time zone'),
        scheduled: policySchema
          .optional()
          .describe('default: 7 daily, 4 weekly, 12 monthly (+24 hourly, +6 bimonthly when taken)'),
        onDemand: policySchema.optional().describe('default: within 30d, last 3'),
        shutdown: policySchema.optional().describe('default: last 5'),
      })
      .default({ timeZone: 'UTC' }),
    status: z
      .strictObject({
        grace: duration(false)
          .optional()
          .describe(
            'how late a periodicity may be before status reports it overdue (default: a quarter of its interval, half for hourly)',
          ),
      })
      .default({}),
    hooks: z
      .strictObject({
        before: z.array(z.string().min(1)).default([]).describe('commands run before a backup; a failure aborts it'),
        after: z.array(z.string().min(1)).default([]).describe('commands run after a backup, whatever its outcome'),
        timeoutSeconds: z
          .number()
          .int()
          .positive()
          .default(600)
          .describe('a hook still running after this long is killed and fails'),
        env: z
          .array(envName)
          .default([])
          .describe(
            "variables holding this app's database passwords (passwordEnv) that the hooks may see; the others are withheld from them",
          ),
      })
      .default({ before: [], after: [], timeoutSeconds: 600, env: [] }),
  })
  .transform(splitFiles);

type FilesEntry = z.output<typeof filesSchema> | z.output<typeof bucketSchema>;

/** The app's `files` split by kind: directories stay in `files`, buckets go to `buckets`. */
function splitFiles<T extends { files: FilesEntry[] }>(
  app: T,
): Omit<T, 'files'> & { files: z.output<typeof filesSchema>[]; buckets: z.output<typeof bucketSchema>[] } {
  const isBucket = (f: FilesEntry): f is z.output<typeof bucketSchema> => 'source' in f;
  return {
    ...app,
    files: app.files.filter((f) => !isBucket(f)) as z.output<typeof filesSchema>[],
    buckets: app.files.filter(isBucket),
  };
}

export const configSchema = z
  .strictObject({
    repositories: z.record(name, repositorySchema),
    apps: z.array(appSchema).prefault([]),
    daemon: daemonSchema.default({ concurrency: 2, shutdownDeadline: '5min', overdueCheck: '5min' }),
  })
  .superRefine((cfg, ctx) => {
    for (const [n, r] of Object.entries(cfg.repositories)) {
      const seen = new Set([r.location]);
      r.mirrors?.forEach((m, i) => {
        if (seen.has(m.location))
          ctx.addIssue({
            code: 'custom',
            path: ['repositories', n, 'mirrors', i, 'location'],
            message: `location ${m.location} is named twice in repository "${n}"`,
          });
        seen.add(m.location);
      });
    }
    const ids = new Set<string>();
    cfg.apps.forEach((app, i) => {
      if (ids.has(app.id))
        ctx.addIssue({ code: 'custom', path: ['apps', i, 'id'], message: `app id "${app.id}" is used twice` });
      ids.add(app.id);
      if (!(app.repository in cfg.repositories)) {
        ctx.addIssue({
          code: 'custom',
          path: ['apps', i, 'repository'],
          message: `no repository named "${app.repository}" (known: ${Object.keys(cfg.repositories).join(', ') || 'none'})`,
        });
      }
      const names = new Set<string>();
      const check = (n: string, path: (string | number)[]) => {
        if (names.has(n))
          ctx.addIssue({ code: 'custom', path, message: `component name "${n}" is used twice in app "${app.id}"` });
        names.add(n);
      };
      [...app.files, ...(app.buckets ?? [])].forEach((f) => check(f.name, ['apps', i, 'files']));
      app.databases.forEach((d, j) => check(d.name, ['apps', i, 'databases', j, 'name']));
    });
  });

export type Config = z.infer<typeof configSchema>;
export type AppConfig = z.infer<typeof appSchema>;
export type RepositoryConfig = z.infer<typeof repositorySchema>;
export type MirrorConfig = z.infer<typeof mirrorSchema>;
export type DatabaseConfig = z.infer<typeof databaseSchema>;
export type FilesConfig = z.infer<typeof filesSchema>;
export type BucketConfig = z.infer<typeof bucketSchema>;
export type PolicyConfig = z.infer<typeof policySchema>;
export type { DaemonConfig, ScheduleConfig } from './daemon-schema.js';

/** The JSON Schema of the config file, as shipped in schema/strongbox.schema.json. */
export function configJsonSchema(): unknown {
  return {
    $id: 'https://strongbox.dev/schema/strongbox.schema.json',
    title: 'strongbox configuration',
    ...z.toJSONSchema(configSchema, { io: 'input' }),
  };
}
