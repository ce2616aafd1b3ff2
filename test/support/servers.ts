// Which database servers the tests can reach. A test that needs a missing server skips loudly on a laptop,
// and fails in CI (CI=true), where .ci/run guarantees the servers (PostgreSQL 5432, MariaDB 3306).
import { execFileSync } from 'node:child_process';

export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };
export const MY = { host: '127.0.0.1', port: 3306, user: 'root' };

function reachable(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

const cache = new Map<string, boolean>();

/** True when the server answers; false (with a loud warning) when not and not in CI; throws in CI. */
export function haveServer(kind: 'postgres' | 'mariadb'): boolean {
  if (!cache.has(kind)) {
    cache.set(
      kind,
      kind === 'postgres'
        ? reachable('psql', [
            '-X',
            '-h',
            PG.host,
            '-p',
            String(PG.port),
            '-U',
            PG.user,
            '-d',
            'postgres',
            '-c',
            'SELECT 1',
          ])
        : reachable('mariadb', ['-h', MY.host, '-P', String(MY.port), '-u', MY.user, '-e', 'SELECT 1']),
    );
  }
  const ok = cache.get(kind)!;
  if (!ok) {
    const msg = `${kind} is not reachable on 127.0.0.1: the tests that need it cannot run`;
    if (process.env.CI) throw new Error(`${msg} (CI=true: this is a failure; .ci/run must start it)`);
    console.warn(`\n*** SKIPPING: ${msg} ***\n`);
  }
  return ok;
}

/** Run SQL on the PostgreSQL test server; returns psql's unaligned, tab-separated output. */
export function pgSql(db: string, sql: string): string {
  return execFileSync(
    'psql',
    [
      '-X',
      '-A',
      '-t',
      '-q',
      '-F',
      '\t',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      PG.host,
      '-p',
      String(PG.port),
      '-U',
      PG.user,
      '-d',
      db,
    ],
    { input: sql, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 },
  ).trimEnd();
}

/** Run SQL on the MariaDB test server (batch mode, raw, no column names). */
export function mySql(sql: string, db?: string): string {
  return execFileSync(
    'mariadb',
    [
      '-h',
      MY.host,
      '-P',
      String(MY.port),
      '-u',
      MY.user,
      '--batch',
      '--raw',
      '--skip-column-names',
      ...(db ? [db] : []),
    ],
    { input: sql, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 },
  ).trimEnd();
}

/** A database name unique to this test run. */
export function uniqueDb(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
}
