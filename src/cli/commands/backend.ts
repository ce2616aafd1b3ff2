// `strongbox backend test [LOCATION] [--size-mib N]`: parse, call src/ops/backend-test.ts, render a table of checks.
// Exits 1 (BACKEND) when the store fails a check the engine relies on.
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import { testBackend } from '../../ops/backend-test.js';
import { choice, type GlobalOptions, type Io, printJson, runOp } from '../context.js';
import { bytes, table } from '../output/format.js';

export async function runBackendTest(
  g: GlobalOptions,
  location: string | undefined,
  o: { sizeMib?: string },
  io: Io,
): Promise<void> {
  let size = 64 << 20;
  if (o.sizeMib !== undefined) {
    if (!/^\d+$/.test(o.sizeMib) || Number(o.sizeMib) < 1 || Number(o.sizeMib) > 4096) {
      throw new StrongboxError('USAGE', `--size-mib ${o.sizeMib}: give a whole number of MiB from 1 to 4096`);
    }
    size = Number(o.sizeMib) << 20;
  }
  const r = await runOp(g, io, (ctx) =>
    testBackend({ location, choice: choice(g), bytes: size, objectBytes: Math.min(size, 16 << 20) }, ctx),
  );
  if (g.json) printJson(io, r);
  else if (!g.quiet) {
    io.out(`store ${r.location} (scratch ${r.scratch})`);
    const c = r.capabilities;
    io.out(
      `declared: atomic create ${c.atomicCreate ? 'yes' : 'no'}, consistent listing ${c.consistentListing ? 'yes' : 'no'}, ranged reads ${c.rangeReads ? 'yes' : 'no'}, ${c.connections} connection(s)`,
    );
    io.out(
      table(
        ['Check', 'Result', 'Detail'],
        r.checks.map((k) => [k.name, k.state.toUpperCase(), k.detail]),
      ),
    );
    const l = r.latency;
    const ms = (x: { medianMs: number; p95Ms: number }) => `${x.medianMs.toFixed(1)} / ${x.p95Ms.toFixed(1)} ms`;
    io.out(`latency median / p95: save ${ms(l.save)}, load ${ms(l.load)}, stat ${ms(l.stat)}, list ${ms(l.list)}`);
    if (r.throughput.bytes) {
      io.out(
        `throughput (${bytes(r.throughput.bytes)}): upload ${bytes(r.throughput.uploadBytesPerSecond)}/s, download ${bytes(r.throughput.downloadBytesPerSecond)}/s`,
      );
    }
    for (const left of r.leftovers) io.err(`left behind: ${left}`);
  }
  const failed = r.checks.filter((k) => k.state === 'fail');
  if (failed.length)
    throw new StrongboxError(
      'BACKEND',
      `${r.location} failed ${failed.length} check(s): ${failed.map((k) => k.name).join(', ')}`,
    );
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  const backend = program.command('backend').description('check a storage location');
  backend
    .command('test [location]')
    .description(
      'write, read, list and remove objects under a scratch prefix of LOCATION (default: the repository) and report what the store does: atomic create, list-after-write, ranged reads, latency, throughput',
    )
    .option('--size-mib <n>', 'MiB to upload and download for the throughput figure, 1 to 4096 (default 64)')
    .action(async (location: string | undefined, o: { sizeMib?: string }) => {
      await runBackendTest(globals(), location, o, io);
    });
}
