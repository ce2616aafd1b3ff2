// PostgreSQL source: `pg_dump --format=custom --compress=0` streamed straight into the repository (no temp
// file; uncompressed so consecutive dumps deduplicate), restored with pg_restore. The password reaches the
// tools only as PGPASSWORD in their environment.
import { randomBytes } from 'node:crypto';
import { StrongboxError } from '../../errors.js';
import { Scope } from '../../util/scope.js';
import { type ConnOverride, major, type ServerDbConfig, serverConn, toolPath } from '../server.js';
import type { Dump, DumpMeta, Source, TargetState } from '../source.js';
import { feedPipe, feedTool, runTool, streamTool, type ToolSpec, versionOf } from '../tool.js';
import {
  CLEAR_DATABASE,
  createFromTemplate0,
  databaseDefaults,
  databaseExists,
  databaseOptions,
  dropDatabase,
  exactRowCounts,
  SERVER_VERSION,
  SERVER_VERSION_NUM,
  TABLE_NAMES,
  TABLE_ROW_ESTIMATES,
  terminateSessions,
  USER_OBJECT_COUNT,
} from './sql.js';

const INSTALL = 'Debian: apt-get install postgresql-client, or set binDir to the directory of a matching version';
export const PG_RESTORE_DEFAULTS = ['--clean', '--if-exists', '--no-owner', '--single-transaction', '--exit-on-error'];

/** A libpq connection-string value, quoted so a database name can never be read as other options. */
const conninfo = (db: string) => `dbname='${db.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
/**
 * pg_restore arguments for writing a script (`--file=-`) instead of restoring into a database: what only
 * applies to a direct restore (clean, single transaction, parallel jobs, target database) is left out, with
 * the value of a split option ("-j 4") too; psql provides the transaction.
 */
export function scriptArgs(args: string[]): string[] {
  const flags = new Set(['--clean', '-c', '--if-exists', '--single-transaction', '-1', '--exit-on-error', '-e']);
  const withValue = new Set(['-j', '--jobs', '-d', '--dbname']);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (flags.has(a) || /^(-j\d+|--jobs=|-d.|--dbname=)/.test(a)) continue;
    if (withValue.has(a)) {
      i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

export function postgresSource(
  cfg: ServerDbConfig,
  label: string,
  override: ConnOverride = {},
  scope = new Scope(),
): Source {
  const conn = serverConn(cfg, label, override);
  const lockSeconds = cfg.lockTimeoutSeconds ?? 300;
  const env: Record<string, string | undefined> = {
    PGHOST: conn.host,
    PGPORT: String(conn.port),
    PGUSER: conn.user,
    PGPASSWORD: conn.password,
    PGCONNECT_TIMEOUT: '10',
    PGAPPNAME: 'strongbox',
    PGDATABASE: undefined,
    PGSERVICE: undefined,
    // A restore (or query) blocked by the application's locks fails after a while instead of hanging.
    PGOPTIONS: `-c lock_timeout=${lockSeconds}s`,
  };
  const spec = (tool: string, args: string[]): ToolSpec => ({
    cmd: toolPath(cfg, tool),
    args,
    env,
    label,
    installHint: INSTALL,
    scope,
  });
  const psql = (db: string, sql: string) =>
    runTool(
      spec('psql', [
        '-X',
        '-A',
        '-t',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '--no-password',
        '-F',
        '\t',
        '-d',
        conninfo(db),
        '-c',
        sql,
      ]),
    );
  const rows = async (db: string, sql: string) =>
    (await psql(db, sql))
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t'));

  /** Statements about databases themselves run in a maintenance database every role can usually reach. */
  const maintenance = async (sql: string): Promise<string[][]> => {
    try {
      return await rows('postgres', sql);
    } catch (first) {
      try {
        return await rows('template1', sql);
      } catch {
        throw first;
      }
    }
  };

  const source: Source = {
    engine: 'postgres',
    label,
    defaultTarget: cfg.database,
    describeTarget: (db) => `postgres database "${db}" on ${conn.host}:${conn.port}`,

    async dump(): Promise<Dump> {
      const toolVersion = versionOf(await runTool(spec('pg_dump', ['--version'])));
      const serverVersion = (await rows(cfg.database, SERVER_VERSION))[0][0].split(' ')[0];
      if (major(toolVersion) < major(serverVersion)) {
        throw new StrongboxError(
          'SOURCE',
          `${label}: pg_dump ${toolVersion} is older than the server (PostgreSQL ${serverVersion}) and cannot dump it; install postgresql-client-${major(serverVersion)} and set binDir, e.g. /usr/lib/postgresql/${major(serverVersion)}/bin`,
        );
      }
      // The locale provider (libc, icu, builtin) and its locale exist from PostgreSQL 15.
      const [[encoding, collate, ctype, prov, locale]] = await rows(
        cfg.database,
        databaseDefaults(major(serverVersion)),
      );
      const localeProvider = ({ c: 'libc', i: 'icu', b: 'builtin' } as Record<string, string>)[prov ?? ''];
      const counts = await rows(cfg.database, TABLE_ROW_ESTIMATES);
      const stream = streamTool({
        ...spec('pg_dump', [
          '--format=custom',
          '--compress=0',
          '--no-password',
          `--lock-wait-timeout=${lockSeconds * 1000}`,
          ...cfg.dumpArgs,
          '--dbname',
          conninfo(cfg.database),
        ]),
        bufferStdout: true,
      });
      return {
        stream,
        meta: {
          engine: 'postgres',
          format: 'pg_dump-custom',
          tool: 'pg_dump',
          toolVersion,
          serverVersion,
          database: cfg.database,
          tables: Object.fromEntries(counts.map(([t, n]) => [t, Number(n)])),
          rowCounts: 'estimate',
          defaults: {
            encoding,
            collate,
            ctype,
            ...(localeProvider ? { localeProvider } : {}),
            ...(localeProvider && locale ? { locale } : {}),
          },
        },
      };
    },

    async countRows(db: string): Promise<Record<string, number>> {
      const names = (await rows(db, TABLE_NAMES)) as [string, string][];
      if (!names.length) return {};
      return Object.fromEntries((await rows(db, exactRowCounts(names))).map(([t, n]) => [t, Number(n)]));
    },
    query: async (db, sql) => (await psql(db, sql)).trimEnd(),
    async drop(db: string): Promise<void> {
      await maintenance(terminateSessions(db)).catch(() => undefined);
      await maintenance(dropDatabase(db));
    },
    async targetState(db: string): Promise<TargetState> {
      const [[n]] = await maintenance(databaseExists(db));
      if (n === '0') return 'missing';
      const [[objects]] = await rows(db, USER_OBJECT_COUNT);
      return objects === '0' ? 'empty' : 'non-empty';
    },

    async restore(input: AsyncIterable<Buffer>, db: string, meta?: DumpMeta): Promise<void> {
      const state = await source.targetState(db);
      if (state === 'non-empty') {
        await withSession(() => replaceInto(input, db));
        return;
      }
      const created = state === 'missing';
      if (created) await createDatabase(db, meta?.defaults);
      try {
        await withSession(() => restoreInto(input, db));
      } catch (e) {
        // A database this restore created and could not fill is removed again, not left half made.
        if (created) await maintenance(dropDatabase(db)).catch(() => {});
        throw e;
      }
    },
  };

  /**
   * A new database for a restore, with the backed-up database's encoding and locale (a dump does not carry
   * them), from template0: template1 may hold objects of the site's own that would clash with the dump's.
   */
  async function createDatabase(db: string, defaults: Record<string, string> | undefined): Promise<void> {
    // Names as PostgreSQL spells encodings and locales ("UTF8", "en_US.UTF-8", "de_DE@euro"); anything else
    // recorded is left out rather than put into SQL.
    const plain = (v: string | undefined) => (v && /^[A-Za-z0-9_.@-]+$/.test(v) ? v : undefined);
    const encoding = plain(defaults?.encoding);
    const collate = plain(defaults?.collate);
    const ctype = plain(defaults?.ctype);
    const provider = plain(defaults?.localeProvider);
    const locale = plain(defaults?.locale);
    // A provider is given only to a server that knows the option (15+); without it template0's is inherited.
    const [[versionNum]] = provider ? await maintenance(SERVER_VERSION_NUM) : [['0']];
    const withProvider = provider && Number(versionNum) >= 150000;
    const opts = databaseOptions({ encoding, collate, ctype, ...(withProvider ? { provider, locale } : {}) });
    try {
      await maintenance(createFromTemplate0(db, opts));
    } catch (e) {
      // Only a locale or encoding this server cannot give gets the advice; other failures (no CREATEDB
      // privilege, say) keep their own message.
      if (!opts.length || !/locale|encoding|collat|provider/i.test((e as Error).message)) throw e;
      const what = `encoding ${encoding ?? '?'}, collate ${collate ?? '?'}, ctype ${ctype ?? '?'}${withProvider ? `, locale provider ${provider}${locale ? ` (${locale})` : ''}` : ''}`;
      throw new StrongboxError(
        'SOURCE',
        `${label}: cannot create database ${db} with the backed-up database's ${what} ` +
          `(${(e as Error).message}); create it yourself with settings this server has (an empty database is restored into as it is), then restore again`,
        { cause: e },
      );
    }
  }

  /**
   * Runs a restore under a session name of its own. When it fails, its server sessions are ended: a killed
   * client's session would otherwise keep its transaction, and its locks, until it next talks to the client.
   */
  async function withSession(fn: () => Promise<void>): Promise<void> {
    const name = `strongbox-restore-${process.pid}-${randomBytes(4).toString('hex')}`;
    env.PGAPPNAME = name;
    try {
      await fn();
    } catch (e) {
      env.PGAPPNAME = 'strongbox';
      await maintenance(terminateSessions(name)).catch(() => {});
      throw e;
    } finally {
      env.PGAPPNAME = 'strongbox';
    }
  }

  /**
   * Replacing a database that holds data, in one transaction: the prelude drops every user schema and
   * everything in public that no extension owns (and all large objects), then psql runs the dump as SQL
   * (pg_restore -f -). The result holds exactly what the dump holds, or, on any failure, what it held before.
   */
  async function replaceInto(input: AsyncIterable<Buffer>, db: string): Promise<void> {
    const args = scriptArgs(cfg.restoreArgs ?? PG_RESTORE_DEFAULTS);
    await feedPipe(
      spec('pg_restore', ['--file=-', ...args]),
      spec('psql', [
        '-X',
        '-q',
        '--no-password',
        '-v',
        'ON_ERROR_STOP=1',
        '--single-transaction',
        '-d',
        conninfo(db),
        '-c',
        CLEAR_DATABASE,
        '-f',
        '-',
      ]),
      input,
    );
  }

  async function restoreInto(input: AsyncIterable<Buffer>, db: string): Promise<void> {
    const args = ['--no-password', '--dbname', conninfo(db), ...(cfg.restoreArgs ?? PG_RESTORE_DEFAULTS)];
    if (!args.some((a) => a === '-j' || a.startsWith('--jobs') || /^-j\d+$/.test(a))) {
      await feedTool(spec('pg_restore', args), input);
      return;
    }
    // Parallel restore needs a seekable archive: only then is the dump spooled to a private temp file.
    const dump = await scope.spool(input, 'pgrestore', 'dump.pgcustom');
    try {
      await runTool(spec('pg_restore', [...args, dump.file]));
    } finally {
      await dump.dispose();
    }
  }
  return source;
}
