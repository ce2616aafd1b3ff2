// `strongbox key list|add|remove` and `strongbox unlock`.
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import { makeKeyFile, parseKeyFile } from '../../repository/keys.js';
import { resolveIdPrefix } from '../../repository/ids.js';
import { keptLockAdvice, unlockRepository } from '../../repository/lock.js';
import { randomBytes } from 'node:crypto';
import { type GlobalOptions, type Io, openRepo, printJson, withLock } from '../context.js';
import { resolvePassword } from '../password.js';
import { table } from '../output/format.js';

export async function runKeyList(g: GlobalOptions, io: Io): Promise<{ id: string; current: boolean; host: string; username: string; created: string }[]> {
  const repo = await openRepo(g, { index: false });
  const out = [];
  for await (const f of repo.backend.list('key')) {
    const k = parseKeyFile(await repo.backend.load({ type: 'key', name: f.name }), f.name);
    out.push({ id: f.name, current: f.name === repo.keyName, host: k.host, username: k.username, created: k.created });
  }
  if (g.json) printJson(io, out);
  else io.out(table([' ', 'ID', 'User', 'Host', 'Created'], out.map((k) => [k.current ? '*' : ' ', k.id.slice(0, 8), k.username, k.host, k.created])));
  return out;
}

export interface KeyAddOptions {
  newPasswordFile?: string;
}

export async function runKeyAdd(g: GlobalOptions, o: KeyAddOptions, io: Io): Promise<string> {
  const repo = await openRepo(g, { index: false });
  const pw = resolvePassword({ passwordFile: o.newPasswordFile }, process.env, 'STRONGBOX_NEW_PASSWORD');
  const name = randomBytes(32).toString('hex');
  const kf = await makeKeyFile(repo.key, pw, repo.clock);
  await repo.save({ type: 'key', name }, Buffer.from(JSON.stringify(kf, null, 2)), true);
  if (g.json) printJson(io, { id: name });
  else io.out(`added key ${name.slice(0, 8)}`);
  return name;
}

export async function runKeyRemove(g: GlobalOptions, id: string, io: Io): Promise<void> {
  const repo = await openRepo(g, { index: false });
  const names: string[] = [];
  for await (const f of repo.backend.list('key')) names.push(f.name);
  const hits = [resolveIdPrefix('key', id, names, repo.backend.location)];
  if (hits[0] === repo.keyName) throw new StrongboxError('USAGE', `refusing to remove key ${id}: it is the key in use (open with another password to remove it)`);
  await withLock(repo, true, io, () => repo.backend.remove({ type: 'key', name: hits[0] }));
  if (!g.quiet) io.out(`removed key ${hits[0].slice(0, 8)}`);
}

export async function runUnlock(g: GlobalOptions, o: { removeAll?: boolean }, io: Io): Promise<number> {
  const repo = await openRepo(g, { index: false });
  const r = await unlockRepository(repo, { all: o.removeAll });
  for (const u of r.unreadable) io.err(`moved unreadable lock file ${u.name.slice(0, 8)} to quarantine (${u.message})`);
  for (const l of r.removed) io.err(`removed ${o.removeAll ? '' : 'stale '}lock ${l.name.slice(0, 8)} of host ${l.info.host} pid ${l.info.pid} (last refreshed ${l.info.refreshed})`);
  for (const line of keptLockAdvice(r.kept)) io.err(line);
  const n = r.removed.length + r.unreadable.length;
  if (!g.quiet) io.out(`removed ${n} lock(s)${r.kept.length ? `, kept ${r.kept.length}` : ''}`);
  return n;
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  const key = program.command('key').description('manage the passwords (keys) that open the repository');
  key.command('list').description('list keys').action(async () => { await runKeyList(globals(), io); });
  key.command('add').description('add a key; its password comes from STRONGBOX_NEW_PASSWORD or --new-password-file')
    .option('--new-password-file <file>', 'file holding the new password')
    .action(async (o: KeyAddOptions) => { await runKeyAdd(globals(), o, io); });
  key.command('remove').description('remove a key (not the one in use)').argument('<id>')
    .action(async (id: string) => { await runKeyRemove(globals(), id, io); });
  program.command('unlock').description('remove stale locks (or all locks with --remove-all)')
    .option('--remove-all', 'remove every lock, also ones that look alive')
    .action(async (o: { removeAll?: boolean }) => { await runUnlock(globals(), o, io); });
}
