// `strongbox copy --to LOCATION [--to-password-…] [--app ID] [--periodicity P] [SNAPSHOT…]`: re-encrypt snapshots
// into another repository, storing only what it lacks (docs/usage/copy.md).
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import { copyRepo } from '../../ops/copy.js';
import type { PasswordSource } from '../../ops/password.js';
import { SHARED_LOCK_WAIT_MS } from '../../ops/repo.js';
import { appRepo, findApp, loadChosenConfig, plainRepo, targetRepo } from '../../ops/target.js';
import { type Periodicity, parsePeriodicity } from '../../repository/snapshot.js';
import { choice, type GlobalOptions, type Io, lockWait, runOp } from '../context.js';
import { bytes, shortId } from '../output/format.js';
import { printSummary } from '../output/render.js';

export interface CopyCmdOptions {
  to?: string;
  toPasswordFile?: string;
  toPasswordEnv?: string;
  toPasswordCommand?: string;
  app?: string;
  periodicity?: string;
  retryLock?: string;
}

/** The target's password: one of the --to-password-… options (never the source's, which is another key). */
function targetPassword(o: CopyCmdOptions, timeoutMs: number | undefined): PasswordSource {
  const given = [o.toPasswordFile, o.toPasswordEnv, o.toPasswordCommand].filter((v) => v !== undefined);
  const options = '--to-password-file FILE, --to-password-env VAR or --to-password-command CMD';
  if (given.length > 1) throw new StrongboxError('USAGE', `give only one of ${options}`);
  if (o.toPasswordEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.toPasswordEnv)) {
    throw new StrongboxError('USAGE', `--to-password-env ${o.toPasswordEnv}: give the name of an environment variable`);
  }
  if (!given.length) throw new StrongboxError('USAGE', `copy needs the target repository's password: ${options}`);
  return { file: o.toPasswordFile, command: o.toPasswordCommand, env: o.toPasswordEnv, commandTimeoutMs: timeoutMs };
}

export async function runCopy(g: GlobalOptions, ids: string[], o: CopyCmdOptions, io: Io): Promise<void> {
  if (o.to === undefined || o.to.trim() === '') {
    throw new StrongboxError('USAGE', 'copy needs --to LOCATION (the repository to copy into)');
  }
  const periodicity = o.periodicity === undefined ? undefined : (parsePeriodicity(o.periodicity, false) as Periodicity);
  const c = choice(g);
  const to = await targetRepo(c, o.to, targetPassword(o, c.passwordCommandTimeoutMs));
  // The source: -r (or STRONGBOX_REPOSITORY), else the app's configured repository, else the config's only one.
  const fromApp = o.app !== undefined && g.repo === undefined && process.env.STRONGBOX_REPOSITORY === undefined;
  const spec = fromApp
    ? await (async () => {
        const cfg = await loadChosenConfig(c);
        return appRepo(c, cfg, findApp(cfg, o.app!));
      })()
    : await plainRepo(c);
  const input = { to, app: o.app, periodicity, snapshots: ids, lockWaitMs: lockWait(o.retryLock, SHARED_LOCK_WAIT_MS) };
  const r = await runOp(g, io, (ctx) => copyRepo(spec, input, ctx), { stream: true });
  if (g.json) printSummary(io, { ...r });
  else if (!g.quiet) {
    for (const x of r.copied) io.out(`snapshot ${shortId(x.source)} copied as ${shortId(x.target)}`);
    io.out(
      `copied ${r.copied.length} snapshot(s) to ${r.to} (${r.skipped.length} copied before); ` +
        `stored ${r.blobsAdded} new blobs ` +
        `(${bytes(r.bytesAdded)}), ${r.blobsPresent} were there already`,
    );
  }
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('copy')
    .description(
      'copy snapshots into another repository, re-encrypted with its key; only data it lacks is stored, ' +
        'and snapshots copied before are skipped',
    )
    .argument('[snapshots...]', 'snapshot IDs (prefixes) or latest; default: every snapshot the filters select')
    .option('--to <location>', 'the repository to copy into (it must exist: strongbox init)')
    .option('--to-password-file <file>', "read the target repository's password from a file")
    .option('--to-password-env <var>', "the environment variable holding the target repository's password")
    .option('--to-password-command <cmd>', "run a command that prints the target repository's password")
    .option('--app <id>', "only this app's snapshots (from its configured repository unless -r is given)")
    .option('--periodicity <p>', 'only snapshots of this periodicity')
    .option('--retry-lock <duration>', 'wait this long for a running forget/prune on either repository (default 30min)')
    .action(async (ids: string[], o: CopyCmdOptions) => {
      await runCopy(globals(), ids, o, io);
    });
}
