// Loading strongbox.yaml: find the file, parse YAML, interpolate ${VAR} from the environment, validate
// against the schema. Every error names the file, the field path and what is wrong.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type * as z from 'zod';
import { StrongboxError } from '../errors.js';
import { type Config, configSchema } from './schema.js';

export interface LoadedConfig {
  path: string;
  config: Config;
}

/** The config path: --config, else STRONGBOX_CONFIG, else ./strongbox.yaml. */
export function configPath(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): string {
  return resolve(cwd, flag ?? env.STRONGBOX_CONFIG ?? 'strongbox.yaml');
}

/** Reads and validates the config file without blocking the event loop (the daemon reloads it while it runs). */
export async function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StrongboxError(
      'CONFIG',
      code === 'ENOENT'
        ? `config file ${path} does not exist (pass --config FILE or set STRONGBOX_CONFIG)`
        : `cannot read config file ${path}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  return { path, config: parseConfig(text, path, env) };
}

export function parseConfig(text: string, path: string, env: NodeJS.ProcessEnv = process.env): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new StrongboxError(
      'CONFIG',
      `${path}: not valid YAML: ${doc.errors.map((e) => e.message.split('\n')[0]).join('; ')}`,
    );
  }
  const raw = interpolate(doc.toJS() ?? {}, [], path, env);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success)
    throw new StrongboxError('CONFIG', `${path}: invalid configuration:\n${formatIssues(parsed.error.issues)}`);
  return parsed.data;
}

export function formatIssues(issues: z.core.$ZodIssue[]): string {
  return issues.map((i) => `  ${fieldPath(i.path)}: ${i.message}`).join('\n');
}

export function fieldPath(path: PropertyKey[]): string {
  if (!path.length) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/**
 * Replaces ${VAR} and ${VAR:-default} in every string; "$${" stands for a literal "${". A variable that is
 * unset (and has no default) is an error naming the field, so a typo never becomes an empty password.
 */
export function interpolate(v: unknown, path: PropertyKey[], file: string, env: NodeJS.ProcessEnv): unknown {
  // Hook commands are left as written: the shell expands $VAR itself when it runs them, so a secret in the
  // environment never becomes part of a command line or of an error message quoting the hook.
  if (path.length === 4 && path[0] === 'apps' && path[2] === 'hooks') return v;
  if (typeof v === 'string') {
    return v.replace(
      /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
      (m, name: string | undefined, def: string | undefined) => {
        if (m === '$${') return '${';
        const val = env[name!];
        if (val !== undefined && val !== '') return val;
        if (def !== undefined) return def;
        throw new StrongboxError('CONFIG', `${file}: ${fieldPath(path)}: environment variable ${name} is not set`);
      },
    );
  }
  if (Array.isArray(v)) return v.map((x, i) => interpolate(x, [...path, i], file, env));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolate(x, [...path, k], file, env)]));
  }
  return v;
}
