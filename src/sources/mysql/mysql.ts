// MySQL / MariaDB source: mysqldump (mariadb-dump) in one consistent transaction with routines, triggers,
// events, hex BLOBs and utf8mb4, restored through the mysql (mariadb) client. Credentials reach the tools
// only in a 0600 options file in a private temporary directory, removed afterwards.
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StrongboxError, isStrongboxError } from '../../errors.js';
import { type ConnOverride, type ServerDbConfig, type ServerConn, serverConn, toolPath } from '../server.js';
import type { Dump, DumpMeta, Source, TargetState } from '../source.js';
import { Scope, type TempDir } from '../../util/scope.js';
import { feedTool, runTool, streamTool, type ToolSpec, versionOf } from '../tool.js';
import {
  characterSetExists,
  charsetClause,
  collationExists,
  createDatabase,
  databaseDefaults,
  databaseState,
  DEFAULT_CHARSET,
  dropAndCreate,
  dropDatabase,
  dropIfExistsAndCreate,
  exactRowCounts,
  SERVER_VERSION,
  setLockWaitTimeout,
  tableRowEstimates,
} from './sql.js';

// A row larger than the client's default packet limit (16 MiB) would break the dump and the restore.
export const MYSQLDUMP_DEFAULTS = [
  '--single-transaction',
  '--routines',
  '--triggers',
  '--events',
  '--hex-blob',
  '--default-character-set=utf8mb4',
  '--no-tablespaces',
  '--max-allowed-packet=1G',
];

const INSTALL = 'Debian: apt-get install mariadb-client';
/** An option-file value: quoted, with the escapes the client's option parser understands. */
const optValue = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** Writes the connection into a private 0600 options file; `dispose` removes it. */
async function optionsFile(conn: ServerConn, scope: Scope): Promise<{ file: string; dispose: () => Promise<void> }> {
  const dir = await scope.tempDir('my');
  const file = join(dir.path, 'client.cnf');
  const lines = ['[client]', `host=${optValue(conn.host)}`, `port=${conn.port}`, 'protocol=TCP'];
  if (conn.user) lines.push(`user=${optValue(conn.user)}`);
  if (conn.password !== undefined) lines.push(`password=${optValue(conn.password)}`);
  await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
  return { file, dispose: dir.dispose };
}

async function withOptionsFile<T>(conn: ServerConn, scope: Scope, fn: (file: string) => Promise<T>): Promise<T> {
  const opts = await optionsFile(conn, scope);
  try {
    return await fn(opts.file);
  } finally {
    await opts.dispose();
  }
}

/** A load error, with a hint when the cause is likely a row above the server's packet limit. */
function explainLoadError(e: unknown): Error {
  if (isStrongboxError(e, 'SOURCE') && /server has gone away|2006|max_allowed_packet/i.test(e.message)) {
    return new StrongboxError(
      'SOURCE',
      `${e.message} (a row may be larger than the server's max_allowed_packet allows: raise it, e.g. SET GLOBAL max_allowed_packet = 1073741824)`,
      { cause: e },
    );
  }
  return e as Error;
}

export function mysqlSource(
  cfg: ServerDbConfig & { engine: 'mysql' | 'mariadb' },
  label: string,
  override: ConnOverride = {},
  scope = new Scope(),
): Source {
  const conn = serverConn(cfg, label, override);
  const names =
    cfg.engine === 'mariadb' ? { dump: 'mariadb-dump', client: 'mariadb' } : { dump: 'mysqldump', client: 'mysql' };
  const fallback =
    cfg.engine === 'mariadb' ? { dump: 'mysqldump', client: 'mysql' } : { dump: 'mariadb-dump', client: 'mariadb' };
  // The MYSQL_PWD and MYSQL_HOST of the calling shell must not override the options file.
  const env = { MYSQL_PWD: undefined, MYSQL_HOST: undefined, MYSQL_TCP_PORT: undefined };
  const spec = (cmd: string, file: string, args: string[]): ToolSpec => ({
    cmd: toolPath(cfg, cmd),
    args: [`--defaults-extra-file=${file}`, ...args],
    env,
    label,
    installHint: INSTALL,
    scope,
  });
  // DROP DATABASE or a load blocked by the application's metadata locks fails after a while instead of hanging.
  const lockWait = `--init-command=${setLockWaitTimeout(cfg.lockTimeoutSeconds ?? 300)}`;

  /** The tool by its engine's name, else by the other name (Debian ships both for MariaDB). */
  let resolved: { dump: string; client: string; mariadbClient: boolean } | null = null;
  const tools = async (): Promise<{ dump: string; client: string; mariadbClient: boolean }> => {
    if (resolved) return resolved;
    for (const cand of [names, fallback]) {
      try {
        const v = await runTool({ cmd: toolPath(cfg, cand.client), args: ['--version'], label, scope });
        return (resolved = { ...cand, mariadbClient: /mariadb/i.test(v) });
      } catch (e) {
        if (!isStrongboxError(e, 'SOURCE') || !/not installed|does not exist/.test(e.message)) throw e;
      }
    }
    throw new StrongboxError(
      'SOURCE',
      `${label}: neither ${names.client} nor ${fallback.client} is installed ${cfg.binDir ? `in ${cfg.binDir}` : 'or on PATH'} (${INSTALL})`,
    );
  };
  const query = async (file: string, sql: string, db?: string): Promise<string[][]> => {
    const out = await runTool(
      spec((await tools()).client, file, [
        '--batch',
        '--skip-column-names',
        '--raw',
        lockWait,
        ...(db ? ['--database', db] : []),
        '-e',
        sql,
      ]),
    );
    return out
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t'));
  };
  const load = async (file: string, db: string, sqlFile: string): Promise<void> => {
    const t = await tools();
    const args = [
      '--default-character-set=utf8mb4',
      '--binary-mode',
      '--max-allowed-packet=1G',
      lockWait,
      ...(t.mariadbClient ? ['--skip-print-query-on-error'] : []),
      ...(cfg.restoreArgs ?? []),
      '--database',
      db,
    ];
    await feedTool(
      spec(t.client, file, args),
      createReadStream(sqlFile, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>,
    );
  };
  const state = async (file: string, db: string): Promise<TargetState> => {
    const [[schemas, objects]] = await query(file, databaseState(db));
    return schemas === '0' ? 'missing' : objects === '0' ? 'empty' : 'non-empty';
  };

  /** Fails, naming them, when this server lacks the backed-up database's character set or collation. */
  const requireCharset = async (file: string, d: Record<string, string>, db: string): Promise<void> => {
    const [[n]] = d.collation
      ? await query(file, collationExists(d.collation, d.characterSet))
      : await query(file, characterSetExists(d.characterSet));
    if (n !== '0') return;
    throw new StrongboxError(
      'SOURCE',
      `${label}: cannot create database ${db} with the backed-up database's character set ${d.characterSet}` +
        `${d.collation ? ` and collation ${d.collation}` : ''}: this server does not have ${d.collation ? 'that collation' : 'it'}. Nothing was changed. ` +
        'Create an empty database with settings this server has (an empty database is restored into as it is), and restore into it (--target-db)',
    );
  };

  const source: Source = {
    engine: cfg.engine,
    label,
    defaultTarget: cfg.database,
    describeTarget: (db) => `${cfg.engine} database \`${db}\` on ${conn.host}:${conn.port}`,

    async dump(): Promise<Dump> {
      const t = await tools();
      const toolVersion = versionOf(
        (
          await runTool({ cmd: toolPath(cfg, t.dump), args: ['--version'], label, installHint: INSTALL, scope })
        ).replace(/^.*?Distrib\s*/s, ''),
      );
      const { serverVersion, tables, defaults } = await withOptionsFile(conn, scope, async (file) => {
        const [[version]] = await query(file, SERVER_VERSION);
        const counts = await query(file, tableRowEstimates(cfg.database));
        const [row] = await query(file, databaseDefaults(cfg.database));
        const defaults = row ? { characterSet: row[0], collation: row[1] } : undefined; // not visible to every user
        return { serverVersion: version, tables: Object.fromEntries(counts.map(([n, c]) => [n, Number(c)])), defaults };
      });
      // The options file must outlive the dump process, so the stream owns it.
      return {
        stream: (async function* () {
          const opts = await optionsFile(conn, scope);
          try {
            yield* streamTool({
              ...spec(t.dump, opts.file, [...MYSQLDUMP_DEFAULTS, ...cfg.dumpArgs, cfg.database]),
              bufferStdout: true,
            });
          } finally {
            await opts.dispose();
          }
        })(),
        meta: {
          engine: cfg.engine,
          format: 'mysqldump-sql',
          tool: t.dump,
          toolVersion,
          serverVersion,
          database: cfg.database,
          tables,
          rowCounts: 'estimate',
          defaults,
        },
      };
    },

    targetState: (db) => withOptionsFile(conn, scope, (file) => state(file, db)),
    countRows: (db) =>
      withOptionsFile(conn, scope, async (file) => {
        const names = (await query(file, tableRowEstimates(db))).map(([n]) => n);
        if (!names.length) return {};
        return Object.fromEntries((await query(file, exactRowCounts(db, names))).map(([n, c]) => [n, Number(c)]));
      }),
    query: (db, sql) =>
      withOptionsFile(conn, scope, async (file) => (await query(file, sql, db)).map((r) => r.join('\t')).join('\n')),
    drop: (db) =>
      withOptionsFile(conn, scope, async (file) => {
        await query(file, dropDatabase(db));
      }),

    async restore(input: AsyncIterable<Buffer>, db: string, meta?: DumpMeta): Promise<void> {
      const t = await tools();
      await withOptionsFile(conn, scope, async (file) => {
        const now = await state(file, db);
        // The whole dump is read (and so verified) into a private file before the target is touched.
        const dump = await scope.spool(input, 'myrestore', 'dump.sql');
        let before: (TempDir & { file: string }) | null = null;
        // Aborted while the target is being replaced: the safety copy stays (the scope reports where it is).
        let rescued = false;
        try {
          // A database the restore (re)creates gets the backed-up database's character set and collation,
          // which the dump does not carry (snapshots from before they were recorded: the target's own, or utf8mb4).
          // A server without them is found out before anything is touched.
          const backedUp = charsetClause(meta?.defaults);
          if (backedUp && now !== 'empty') await requireCharset(file, meta!.defaults!, db);
          let previous = DEFAULT_CHARSET;
          if (now === 'non-empty') {
            // Replace means exactly the dump's contents: drop the database and create it again (grants on the
            // database name survive). Loading SQL is not transactional, so what the target holds is dumped
            // first, to be put back, with its own character set and collation, if anything after the drop fails.
            const [row] = await query(file, databaseDefaults(db));
            previous = charsetClause(row && { characterSet: row[0], collation: row[1] }) ?? previous;
            before = await scope.spool(
              streamTool({ ...spec(t.dump, file, [...MYSQLDUMP_DEFAULTS, db]), bufferStdout: true }),
              'mysafety',
              'before-restore.sql',
            );
          }
          // From the drop until the load ends (or the old contents are back), the safety copy is the only copy
          // of the target's previous contents: an interruption leaves it in place and says where it is.
          const disarm = before?.keepOnAbort(
            `the restore into ${source.describeTarget(db)} was interrupted while the database was ` +
              `being replaced, so it may be incomplete; its previous contents are in ${before.file} (to put them back: ` +
              `${t.client} ${db} < ${before.file}, after dropping and creating the database again)`,
          );
          try {
            if (now === 'non-empty') await query(file, dropAndCreate(db, backedUp ?? previous));
            else if (now === 'missing') await query(file, createDatabase(db, backedUp ?? previous));
            await load(file, db, dump.file);
          } catch (e) {
            if (scope.signal.aborted && before) {
              rescued = true;
              throw e;
            }
            const why = explainLoadError(e);
            if (before) {
              try {
                await query(file, dropIfExistsAndCreate(db, previous));
                await load(file, db, before.file);
              } catch (e2) {
                before.keep();
                throw new StrongboxError(
                  'SOURCE',
                  `${why.message}; putting back the previous contents failed too (${(e2 as Error).message}): they are in ${before.file}`,
                  { cause: e },
                );
              }
              throw new StrongboxError(
                'SOURCE',
                `${why.message}; the database was put back as it was before the restore`,
                { cause: e },
              );
            }
            if (now === 'missing') await query(file, dropDatabase(db)).catch(() => {});
            throw why;
          } finally {
            if (!rescued) disarm?.();
          }
        } finally {
          await dump.dispose();
          if (!rescued) await before?.dispose();
        }
      });
    },
  };
  return source;
}
