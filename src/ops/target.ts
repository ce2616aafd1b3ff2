// Which repository and config an operation works on, from what a front end was told: a location and password
// flags, the environment, or the config file (an app's repository, or a config's only repository).
import { access } from 'node:fs/promises';
import { configPath, loadConfig } from '../config/load.js';
import type { AppConfig, Config, RepositoryConfig } from '../config/schema.js';
import { isStrongboxError, StrongboxError } from '../errors.js';
import { checkLocation } from '../repository/open.js';
import type { PasswordSource } from './password.js';
import { bucketLabel, bucketOptions } from '../sources/bucket/index.js';
import type { RepoSpec } from './repo.js';

/** What the user said about the repository (CLI flags; the daemon and the API give the same). */
export interface RepoChoice {
  /** -r/--repo; else STRONGBOX_REPOSITORY. */
  repo?: string;
  /** -c/--config; else STRONGBOX_CONFIG; else ./strongbox.yaml. */
  config?: string;
  passwordFile?: string;
  passwordCommand?: string;
  /** How long a password command may run (default 60 s). */
  passwordCommandTimeoutMs?: number;
}

export async function loadChosenConfig(c: RepoChoice, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  return (await loadConfig(configPath(c.config, env))).config;
}

/** The config when one was named (-c, STRONGBOX_CONFIG) or ./strongbox.yaml exists; else null. */
export async function optionalConfig(c: RepoChoice, env: NodeJS.ProcessEnv = process.env): Promise<Config | null> {
  const path = configPath(c.config, env);
  const named = c.config !== undefined || env.STRONGBOX_CONFIG !== undefined || (await exists(path));
  return named ? (await loadConfig(path)).config : null;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export function findApp(cfg: Config, id: string): AppConfig {
  const app = cfg.apps.find((a) => a.id === id);
  if (!app)
    throw new StrongboxError(
      'USAGE',
      `no app "${id}" in the config (apps: ${cfg.apps.map((a) => a.id).join(', ') || 'none'})`,
    );
  return app;
}

/**
 * The repository without an app: -r or STRONGBOX_REPOSITORY; with an explicit config and neither, the config's
 * repository when it names exactly one.
 */
export async function plainRepo(c: RepoChoice, env: NodeJS.ProcessEnv = process.env): Promise<RepoSpec> {
  const flags = { file: c.passwordFile, command: c.passwordCommand, commandTimeoutMs: c.passwordCommandTimeoutMs };
  const location = c.repo ?? env.STRONGBOX_REPOSITORY;
  const explicitConfig = c.config !== undefined || env.STRONGBOX_CONFIG;
  if (location) {
    // A configured repository at that location lends its backend options (region, credentials variables, …) and
    // its mirrors; a configured mirror there, its options (it is then opened by itself, as a repository).
    const repos = explicitConfig ? Object.values((await loadChosenConfig(c, env)).repositories) : [];
    const rc = repos.find((r) => r.location === location);
    if (rc) return { location, password: flags, ...optionsOf(rc), ...mirrorsOf(rc) };
    const mirror = repos.flatMap((r) => r.mirrors ?? []).find((m) => m.location === location);
    const own =
      mirror &&
      flags.file === undefined &&
      flags.command === undefined &&
      (mirror.passwordFile ?? mirror.passwordCommand ?? mirror.passwordEnv) !== undefined;
    const password = own
      ? {
          file: mirror.passwordFile,
          command: mirror.passwordCommand,
          env: mirror.passwordEnv ?? 'STRONGBOX_PASSWORD',
          commandTimeoutMs: flags.commandTimeoutMs,
        }
      : flags;
    return { location, password, ...(mirror ? optionsOf(mirror) : {}) };
  }
  if (explicitConfig) {
    const repos = Object.values((await loadChosenConfig(c, env)).repositories);
    if (repos.length === 1) return configuredRepo(c, repos[0]);
  }
  throw new StrongboxError('USAGE', 'no repository given: pass -r/--repo LOCATION or set STRONGBOX_REPOSITORY');
}

/**
 * The target of a copy: `location` with its own password source (never the source's), and the options and mirrors
 * of a configured repository at that location, if the config names one.
 */
export async function targetRepo(
  c: RepoChoice,
  location: string,
  password: PasswordSource,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RepoSpec> {
  const cfg = await optionalConfig(c, env);
  const rc = cfg ? Object.values(cfg.repositories).find((r) => r.location === location) : undefined;
  return { location, password, ...(rc ? { ...optionsOf(rc), ...mirrorsOf(rc) } : {}) };
}

/** An app's repository: its configured location and password source, unless the flags say otherwise. */
export function appRepo(c: RepoChoice, cfg: Config, app: AppConfig): RepoSpec {
  return configuredRepo(c, cfg.repositories[app.repository]);
}

/** A configured store's backend options, as a RepoSpec carries them (absent when it has none). */
function optionsOf(rc: { options?: Record<string, unknown> }): Pick<RepoSpec, 'options'> {
  return rc.options !== undefined ? { options: rc.options } : {};
}

/** The configured mirrors of a repository, as a RepoSpec carries them. */
function mirrorsOf(rc: RepositoryConfig): Pick<RepoSpec, 'mirrors'> {
  if (!rc.mirrors?.length) return {};
  return { mirrors: rc.mirrors.map((m) => ({ location: m.location, ...optionsOf(m) })) };
}

function configuredRepo(c: RepoChoice, rc: RepositoryConfig): RepoSpec {
  const fromFlags = c.passwordFile !== undefined || c.passwordCommand !== undefined;
  // The options and mirrors belong to the configured location: a -r naming another one does not get them.
  const own = c.repo === undefined || c.repo === rc.location;
  const options = rc.options !== undefined && own ? { options: rc.options } : {};
  return {
    location: c.repo ?? rc.location,
    ...options,
    ...(own ? mirrorsOf(rc) : {}),
    password: fromFlags
      ? { file: c.passwordFile, command: c.passwordCommand, commandTimeoutMs: c.passwordCommandTimeoutMs }
      : {
          file: rc.passwordFile,
          command: rc.passwordCommand,
          env: rc.passwordEnv ?? 'STRONGBOX_PASSWORD',
          commandTimeoutMs: c.passwordCommandTimeoutMs,
        },
  };
}

/**
 * Check every configured repository's backend options against its backend's list (for `config check`); no request
 * is made. A location whose scheme has no backend yet is left to the commands that open it.
 */
export function checkConfiguredRepositories(cfg: Config): void {
  // A bucket entry's options too (the S3 backend's schema), named by app and entry.
  for (const app of cfg.apps) for (const b of app.buckets ?? []) bucketOptions(b, bucketLabel(app.id, b.name));
  for (const [name, rc] of Object.entries(cfg.repositories)) {
    try {
      checkLocation(rc.location, rc.options);
      for (const m of rc.mirrors ?? []) checkLocation(m.location, m.options);
    } catch (e) {
      if (!isStrongboxError(e, 'CONFIG')) continue;
      throw new StrongboxError('CONFIG', `repositories.${name}: ${e.message}`, { cause: e });
    }
  }
}
