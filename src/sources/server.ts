// What PostgreSQL and MySQL sources share: the connection to a database server (from the config, or
// overridden by a --target-db URL) and where its password comes from. Passwords never leave this
// process except through a tool's environment or a 0600 options file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StrongboxError } from '../errors.js';

export interface ServerDbConfig {
  name: string;
  host: string;
  port: number;
  user?: string;
  passwordEnv?: string;
  passwordFile?: string;
  database: string;
  dumpArgs: string[];
  restoreArgs?: string[];
  /** How long a dump or restore waits for a lock the application holds before it fails. */
  lockTimeoutSeconds?: number;
  /** Directory holding the engine's tools (e.g. /usr/lib/postgresql/16/bin); default: the PATH. */
  binDir?: string;
}

export interface ServerConn {
  host: string;
  port: number;
  user?: string;
  password?: string;
}

/** A --target-db given as a URL: another server, user or port for the restore. */
export interface ConnOverride {
  host?: string;
  port?: number;
  user?: string;
}

export function serverConn(
  cfg: ServerDbConfig,
  label: string,
  override: ConnOverride = {},
  env: NodeJS.ProcessEnv = process.env,
): ServerConn {
  return {
    host: override.host ?? cfg.host,
    port: override.port ?? cfg.port,
    user: override.user ?? cfg.user,
    password:
      env.STRONGBOX_TARGET_DB_PASSWORD && Object.keys(override).length
        ? env.STRONGBOX_TARGET_DB_PASSWORD
        : passwordOf(cfg, label, env),
  };
}

function passwordOf(cfg: ServerDbConfig, label: string, env: NodeJS.ProcessEnv): string | undefined {
  if (cfg.passwordEnv) {
    const v = env[cfg.passwordEnv];
    if (v === undefined)
      throw new StrongboxError('CONFIG', `${label}: environment variable ${cfg.passwordEnv} (passwordEnv) is not set`);
    return v;
  }
  if (cfg.passwordFile) {
    try {
      return readFileSync(cfg.passwordFile, 'utf8').split(/\r?\n/)[0];
    } catch (e) {
      throw new StrongboxError(
        'CONFIG',
        `${label}: cannot read passwordFile ${cfg.passwordFile}: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }
  return undefined;
}

export function toolPath(cfg: { binDir?: string }, name: string): string {
  return cfg.binDir ? join(cfg.binDir, name) : name;
}

/** The leading major version number ("15.20" → 15, "10.11.19-MariaDB" → 10). */
export function major(version: string): number {
  return parseInt(version, 10);
}
