// `strongbox key list|add|remove` and `strongbox unlock`.
import type { Command } from 'commander';
import { addKey, listKeys, removeKey, unlock } from '../../ops/keys.js';
import { plainRepo } from '../../ops/target.js';
import { choice, type GlobalOptions, type Io, printJson, runOp } from '../context.js';
import { table } from '../output/format.js';

export async function runKeyList(g: GlobalOptions, io: Io): Promise<void> {
  const spec = await plainRepo(choice(g));
  const { keys } = await runOp(g, io, (ctx) => listKeys(spec, ctx));
  if (g.json) printJson(io, keys);
  else
    io.out(
      table(
        [' ', 'ID', 'User', 'Host', 'Created'],
        keys.map((k) => [k.current ? '*' : ' ', k.id.slice(0, 8), k.username, k.host, k.created]),
      ),
    );
}

export async function runKeyAdd(g: GlobalOptions, o: { newPasswordFile?: string }, io: Io): Promise<void> {
  const spec = await plainRepo(choice(g));
  const { id } = await runOp(g, io, (ctx) =>
    addKey(spec, { file: o.newPasswordFile, env: 'STRONGBOX_NEW_PASSWORD' }, ctx),
  );
  if (g.json) printJson(io, { id });
  else io.out(`added key ${id.slice(0, 8)}`);
}

export async function runKeyRemove(g: GlobalOptions, prefix: string, io: Io): Promise<void> {
  const spec = await plainRepo(choice(g));
  const { id } = await runOp(g, io, (ctx) => removeKey(spec, prefix, ctx));
  if (!g.quiet) io.out(`removed key ${id.slice(0, 8)}`);
}

export async function runUnlock(g: GlobalOptions, o: { removeAll?: boolean }, io: Io): Promise<void> {
  const spec = await plainRepo(choice(g));
  const { removed, kept, advice } = await runOp(g, io, (ctx) => unlock(spec, { all: o.removeAll }, ctx));
  for (const line of advice) io.err(line);
  if (!g.quiet) io.out(`removed ${removed} lock(s)${kept ? `, kept ${kept}` : ''}`);
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  const key = program.command('key').description('manage the passwords (keys) that open the repository');
  key
    .command('list')
    .description('list keys')
    .action(async () => {
      await runKeyList(globals(), io);
    });
  key
    .command('add')
    .description('add a key; its password comes from STRONGBOX_NEW_PASSWORD or --new-password-file')
    .option('--new-password-file <file>', 'file holding the new password')
    .action(async (o: { newPasswordFile?: string }) => {
      await runKeyAdd(globals(), o, io);
    });
  key
    .command('remove')
    .description('remove a key (not the one in use)')
    .argument('<id>')
    .action(async (id: string) => {
      await runKeyRemove(globals(), id, io);
    });
  program
    .command('unlock')
    .description('remove stale locks (or all locks with --remove-all)')
    .option('--remove-all', 'remove every lock, also ones that look alive')
    .action(async (o: { removeAll?: boolean }) => {
      await runUnlock(globals(), o, io);
    });
}
