// Opening the source for a configured database (the factory the app backup and restore use), and
// reading a --target-db argument: a database name (a path for SQLite) or a connection URL.
import type { DatabaseConfig } from '../config/schema.js';
import { StrongboxError } from '../errors.js';
import { mysqlSource } from './mysql/mysql.js';
import { postgresSource } from './postgres/postgres.js';
import type { ConnOverride } from './server.js';
import type { Source } from './source.js';
import { Scope } from '../util/scope.js';
import { sqliteSource } from './sqlite/sqlite.js';

export interface OpenSourceOptions {
  /** Another server or user than the configured one (a --target-db URL). */
  override?: ConnOverride;
  /** The operation the source works for: its tools and temporary files belong to it (default: a scope of its own). */
  scope?: Scope;
}

export function openSource(db: DatabaseConfig, appId: string, opts: OpenSourceOptions = {}): Source {
  const label = `app ${appId}, database ${db.name}`;
  const scope = opts.scope ?? new Scope();
  const override = opts.override ?? {};
  switch (db.engine) {
    case 'postgres':
      return postgresSource(db, label, override, scope);
    case 'mysql':
    case 'mariadb':
      return mysqlSource({ ...db, engine: db.engine }, label, override, scope);
    case 'sqlite':
      return sqliteSource(db.path, label, scope);
  }
}

export interface TargetDb {
  /** Database name (or SQLite path) to restore into. */
  name: string;
  override: ConnOverride;
}

const SCHEMES: Record<string, string[]> = {
  postgres: ['postgres:', 'postgresql:'],
  mysql: ['mysql:', 'mariadb:'],
  mariadb: ['mysql:', 'mariadb:'],
  sqlite: [],
};

/**
 * A --target-db value for a component of `engine`: a plain name on the configured server, or a URL such as
 * postgresql://user@host:5432/name. A password in the URL is refused: it would sit in argv and shell history.
 */
export function parseTargetDb(value: string, engine: string): TargetDb {
  if (engine === 'sqlite' || !/^[a-z]+:\/\//i.test(value)) {
    if (!value) throw new StrongboxError('USAGE', '--target-db is empty');
    return { name: value, override: {} };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // The value may hold a password (which is refused below, once the URL parses): never echo it.
    throw new StrongboxError(
      'USAGE',
      `--target-db ${value.replace(/^([a-z]+:\/\/)[^/@]*@/i, '$1…@')} is not a valid URL`,
    );
  }
  if (!SCHEMES[engine]?.includes(url.protocol)) {
    throw new StrongboxError(
      'USAGE',
      `--target-db ${url.protocol}// URL does not fit a ${engine} database (use ${SCHEMES[engine].map((s) => `${s}//`).join(' or ')})`,
    );
  }
  if (url.password) {
    throw new StrongboxError(
      'USAGE',
      '--target-db must not contain a password (it would be visible in ps and shell history); set STRONGBOX_TARGET_DB_PASSWORD instead',
    );
  }
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name || name.includes('/'))
    throw new StrongboxError(
      'USAGE',
      `--target-db ${value} must name one database after the host, e.g. ${url.protocol}//user@host/name`,
    );
  const override: ConnOverride = {};
  if (url.hostname) override.host = url.hostname.replace(/^\[|\]$/g, '');
  if (url.port) override.port = Number(url.port);
  if (url.username) override.user = decodeURIComponent(url.username);
  return { name, override };
}
