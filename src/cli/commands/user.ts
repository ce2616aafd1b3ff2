// `strongbox user add|list|remove` and `strongbox token add|list|remove`: who may use the HTTP API, kept in
// strongbox-auth.json beside the config. A password comes from a prompt, STRONGBOX_USER_PASSWORD or a file; a
// token is printed once.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseScopes } from '../../auth/scopes.js';
import { authPathFor } from '../../auth/store.js';
import { systemClock } from '../../clock.js';
import { configPath } from '../../config/load.js';
import { StrongboxError } from '../../errors.js';
import { addToken, addUser, listAccess, removeToken, removeUser } from '../../ops/access.js';
import { collect, type GlobalOptions, type Io, printJson } from '../context.js';
import { table } from '../output/format.js';
import { promptSecret } from '../output/prompt.js';

export const USER_PASSWORD_ENV = 'STRONGBOX_USER_PASSWORD';

interface UserAddOptions {
  scope?: string[];
  passwordFile?: string;
  replace?: boolean;
}

async function newPassword(name: string, o: UserAddOptions): Promise<string> {
  if (o.passwordFile !== undefined) {
    try {
      return (await readFile(o.passwordFile, 'utf8')).split(/\r?\n/)[0];
    } catch (e) {
      throw new StrongboxError('IO', `cannot read --password-file ${o.passwordFile}: ${(e as Error).message}`);
    }
  }
  const env = process.env[USER_PASSWORD_ENV];
  if (env) return env;
  if (!process.stdin.isTTY)
    throw new StrongboxError(
      'USAGE',
      `no password for user ${name}: run on a terminal, set ${USER_PASSWORD_ENV}, or pass --password-file FILE`,
    );
  const first = await promptSecret(`password for ${name}: `);
  const again = await promptSecret('again: ');
  if (first !== again) throw new StrongboxError('USAGE', 'the two passwords differ');
  return first;
}

const authPath = (g: GlobalOptions) => authPathFor(configPath(g.config));

export async function runUserAdd(g: GlobalOptions, name: string, o: UserAddOptions, io: Io): Promise<void> {
  const scopes = o.scope?.length ? parseScopes(o.scope) : undefined;
  const password = await newPassword(name, o);
  const u = await addUser(authPath(g), { name, password, scopes, replace: o.replace }, systemClock);
  if (g.json) printJson(io, u);
  else if (!g.quiet) io.out(`user ${u.name} (${u.scopes.join(', ')}) saved in ${authPath(g)}`);
}

export async function runTokenAdd(g: GlobalOptions, name: string, o: { scope?: string[] }, io: Io): Promise<void> {
  if (!o.scope?.length)
    throw new StrongboxError('USAGE', 'give the token its scopes: --scope read,backup (read, backup, restore, admin)');
  const { token, entry } = await addToken(authPath(g), { name, scopes: parseScopes(o.scope) }, systemClock);
  if (g.json) printJson(io, { ...entry, token });
  else {
    io.out(token);
    if (!g.quiet) io.err(`token ${entry.name} (${entry.scopes.join(', ')}): shown once, only its digest is kept`);
  }
}

async function runList(g: GlobalOptions, what: 'users' | 'tokens', io: Io): Promise<void> {
  const a = await listAccess(authPath(g));
  const rows = what === 'users' ? a.users : a.tokens;
  if (g.json) return printJson(io, rows);
  io.out(
    table(
      ['Name', 'Scopes', 'Created'],
      rows.map((r) => [r.name, r.scopes.join(','), r.createdAt]),
    ),
  );
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  const user = program.command('user').description('the users of the HTTP API (strongbox serve)');
  user
    .command('add')
    .description(
      `add a user; the password is asked for on the terminal, or read from ${USER_PASSWORD_ENV} or --password-file`,
    )
    .argument('<name>', 'the user name')
    .option(
      '--scope <scopes>',
      'read, backup, restore, admin (repeatable or comma-separated; default read,backup,restore)',
      collect,
    )
    .option('--password-file <file>', 'read the password from this file (first line)')
    .option('--replace', 'set a new password (and scopes) for an existing user')
    .action(async (name: string, o: UserAddOptions) => {
      await runUserAdd(globals(), name, o, io);
    });
  user
    .command('list')
    .description('list the users')
    .action(async () => runList(globals(), 'users', io));
  user
    .command('remove')
    .description('remove a user (their sessions end at their next request)')
    .argument('<name>')
    .action(async (name: string) => {
      await removeUser(authPath(globals()), name);
    });

  const token = program.command('token').description('the API tokens of the HTTP API, for automation');
  token
    .command('add')
    .description('make a token with scopes; it is printed once, only its digest is kept')
    .argument('<name>', 'a name for the token (the audit trail shows token:NAME)')
    .option('--scope <scopes>', 'read, backup, restore, admin (repeatable or comma-separated)', collect)
    .action(async (name: string, o: { scope?: string[] }) => {
      await runTokenAdd(globals(), name, o, io);
    });
  token
    .command('list')
    .description('list the tokens (never their secrets)')
    .action(async () => runList(globals(), 'tokens', io));
  token
    .command('remove')
    .description('revoke a token at once')
    .argument('<name>')
    .action(async (name: string) => {
      await removeToken(authPath(globals()), name);
    });
}
