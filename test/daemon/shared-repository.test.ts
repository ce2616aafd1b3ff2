// Two daemons (two hosts) with the same app and schedule sharing one repository, on one injected clock: a scheduled
// run that reaches the front of its queue when the repository already holds a snapshot of its app and periodicity
// taken at or after its slot is skipped (recorded, logged, counted; not notified), so each slot gives one snapshot.
// A skip does not count as a good run for failure/recovery notifications, also across a restart.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli } from '../../src/cli/main.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { textLog } from '../../src/daemon/log.js';
import { readRuns, type RunRecord } from '../../src/history/journal.js';
import { backupApps } from '../../src/ops/backup-app.js';
import { newContext } from '../../src/ops/context.js';
import { loadChosenConfig } from '../../src/ops/target.js';
import { httpReceiver, type HttpReceiver } from '../support/receivers.js';
import { daemonFixture, type Fixture } from './fixture.js';

const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);
let f: Fixture | undefined;
let http: HttpReceiver | undefined;
afterEach(async () => {
  await http?.close();
  await f?.cleanup();
  f = http = undefined;
});

interface Host {
  d: Daemon;
  runs: RunRecord[];
  lines: string[];
  history: string;
  configPath: string;
}

/**
 * A second host: the fixture's config with its own run history (and what `edit` changes), its own daemon, log and
 * runs, on the fixture's clocks.
 */
async function secondHost(fx: Fixture, edit: (cfg: any) => void = () => {}): Promise<Host> {
  const cfg = parse(await readFile(fx.configPath, 'utf8'));
  const history = join(fx.dir, 'state-b', 'runs.jsonl');
  cfg.daemon.history = history;
  edit(cfg);
  const configPath = join(fx.dir, 'strongbox-b.yaml');
  await writeFile(configPath, stringify(cfg));
  const runs: RunRecord[] = [];
  const lines: string[] = [];
  const d = await fx.start({
    configPath,
    log: textLog((l) => lines.push(l), fx.clock),
    onRun: (r) => runs.push(r),
  });
  return { d, runs, lines, history, configPath };
}

/** A daily snapshot of the fixture's app, as the other host takes it. */
async function seedDaily(fx: Fixture): Promise<void> {
  const cfg = await loadChosenConfig({ config: fx.configPath });
  await backupApps(
    { config: fx.configPath },
    cfg,
    { apps: cfg.apps, periodicity: 'daily' },
    newContext({ clock: fx.clock }),
  );
}

/** Snapshots of every periodicity of the fixture's app taken just before `start`: nothing to catch up. */
async function seed(fx: Fixture): Promise<void> {
  const cfg = await loadChosenConfig({ config: fx.configPath });
  await backupApps(
    { config: fx.configPath },
    cfg,
    { apps: cfg.apps, periodicity: 'all' },
    newContext({ clock: fx.clock }),
  );
}

describe('two daemons with the same app and schedule sharing one repository', () => {
  it('take one snapshot per slot over a day: whichever starts second skips, recorded with the reason', async () => {
    f = await daemonFixture(at('2026-03-02T00:00:00Z'), { periodicities: ['hourly', 'daily'] });
    await seed(f);
    const a = { d: await f.start(), runs: f.runs, history: f.historyPath };
    const b = await secondHost(f);
    await a.d.idle();
    await b.d.idle();
    // Each minute both look at the clock; in even hours host A gets there first, in odd hours host B.
    while (f.clock.now() < at('2026-03-03T00:00:00Z')) {
      f.clock.advance(MIN);
      const order = new Date(f.clock.now()).getUTCHours() % 2 === 0 ? [a, b] : [b, a];
      for (const h of order) {
        await h.d.tick();
        await h.d.idle();
      }
    }
    const taken = (await f.snapshots()).filter((s) => s.time > '2026-03-02T00:00:00.000Z');
    expect(taken).toHaveLength(25);
    const slots = (runs: RunRecord[], outcome: string) =>
      runs
        .filter((r) => r.outcome === outcome)
        .map((r) => `${r.periodicity} ${r.slot}`)
        .sort();
    const all = [...a.runs, ...b.runs];
    expect(all.every((r) => r.trigger === 'schedule')).toBe(true);
    // Every slot: one run saved a snapshot, the other was skipped.
    expect(slots(all, 'ok')).toEqual(slots(all, 'skipped'));
    expect(slots(all, 'ok')).toHaveLength(25);
    expect(new Set(slots(all, 'ok')).size).toBe(25);
    expect(slots(a.runs, 'ok').filter((s) => s.startsWith('hourly'))).toHaveLength(12);
    expect(slots(b.runs, 'ok').filter((s) => s.startsWith('hourly'))).toHaveLength(12);

    // The run history of the host that skipped says which snapshot took the slot.
    const ok = a.runs.find((r) => r.outcome === 'ok' && r.periodicity === 'hourly')!;
    const skipped = (await readRuns(b.history)).runs.find((r) => r.slot === ok.slot && r.periodicity === 'hourly')!;
    expect(skipped).toMatchObject({ outcome: 'skipped', trigger: 'schedule' });
    expect(skipped.snapshot).toBeUndefined();
    expect(skipped.reason).toBe(
      `the repository holds hourly snapshot ${ok.snapshot!.slice(0, 8)} of host ${skipped.host} ` +
        `(${ok.startedAt}), taken at or after the slot at ${ok.slot}`,
    );
    expect(b.lines.some((l) => l.includes(`backup of shop (hourly) skipped: ${skipped.reason}`))).toBe(true);
    // `strongbox runs` says it too, under its table.
    const err: string[] = [];
    const cli = { out: () => {}, err: (l: string) => err.push(l), isTTY: false };
    expect(await runCli(['--config', b.configPath, 'runs', '--app', 'shop'], cli)).toBe(0);
    expect(err).toContain(`${skipped.startedAt} shop hourly: ${skipped.reason}`);
  });

  it('a run queued before the other host saved the slot, started after, is skipped (and not notified as a failure)', async () => {
    http = await httpReceiver();
    f = await daemonFixture(at('2026-03-04T02:00:00Z'), { periodicities: ['daily'] });
    await seed(f);
    const hold = join(f.dir, 'hold');
    const gate = join(f.dir, 'go');
    const a = { d: await f.start(), runs: f.runs };
    // Host B also backs up another app into the repository first, whose hook, once told to, holds B's queue until
    // the gate opens.
    const b = await secondHost(f, (cfg) => {
      cfg.apps.unshift({
        id: 'blog',
        repository: 'main',
        periodicities: ['daily'],
        files: cfg.apps[0].files,
        hooks: { before: [`while [ -e '${hold}' ] && [ ! -e '${gate}' ]; do sleep 0.02; done`] },
      });
      cfg.daemon.notify = { on: ['success', 'failure'], webhooks: [{ url: `${http!.url}/hook` }] };
      cfg.daemon.metrics = { listen: '127.0.0.1:0' };
    });
    await a.d.idle();
    await b.d.idle();
    expect(b.runs.map((r) => `${r.app} ${r.trigger}`)).toEqual(['blog catch-up']);

    await writeFile(hold, '');
    f.clock.advance(30 * MIN); // 02:30: both hosts' daily slot
    await b.d.tick(); // B queues blog, then shop behind it
    while (b.lines.filter((l) => l.includes('backup of blog (daily) started')).length < 2)
      await new Promise((r) => setTimeout(r, 10));
    await a.d.tick();
    await a.d.idle(); // A saves shop's daily snapshot meanwhile
    expect(a.runs.map((r) => `${r.app} ${r.outcome}`)).toEqual(['shop ok']);
    await writeFile(gate, '');
    await b.d.idle();

    expect(b.runs.slice(1).map((r) => `${r.app} ${r.slot} ${r.outcome}`)).toEqual([
      'blog 2026-03-04T02:30:00.000Z ok',
      'shop 2026-03-04T02:30:00.000Z skipped',
    ]);
    expect(
      (await f.snapshots()).filter((s) => s.periodicity === 'daily' && s.time >= '2026-03-04T02:30:00.000Z'),
    ).toHaveLength(2); // blog's and A's shop
    // B notified blog's two successes, nothing for the skipped shop run.
    expect(http.requests.map((r) => JSON.parse(r.body)).map((n) => `${n.event} ${n.app}`)).toEqual([
      'success blog',
      'success blog',
    ]);
    const metrics = await (await fetch(`http://${b.d.metricsAddress}/metrics`)).text();
    expect(metrics).toContain('strongbox_runs_total{app="shop",periodicity="daily",outcome="skipped"} 1');
    expect(metrics).not.toContain('strongbox_last_success_timestamp_seconds{app="shop"');
    expect(metrics).not.toContain('strongbox_last_run_duration_seconds{app="shop"');
    await b.d.shutdown('SIGTERM');
  });

  it('a skipped run is no recovery: after a failure, a skip and a restart, the next good run is told as one', async () => {
    http = await httpReceiver();
    f = await daemonFixture(at('2026-03-04T02:00:00Z'), { periodicities: ['daily'] });
    await seed(f);
    await f.writeConfig({}, { notify: { on: ['failure', 'recovery'], webhooks: [{ url: `${http.url}/hook` }] } });
    const events = () => http!.requests.map((r) => JSON.parse(r.body)).map((n) => `${n.event} ${n.run?.outcome}`);
    const db = join(f.dir, 'shop.db');
    await rename(db, `${db}.away`);
    const d = await f.start();
    await f.advance(d, at('2026-03-04T02:30:00Z'), 30 * MIN);
    expect(events()).toEqual(['failure failed']);
    await rename(`${db}.away`, db);

    // The next day the other host takes the slot first: this one skips it.
    f.clock.set(at('2026-03-05T02:30:00Z'));
    await seedDaily(f);
    await d.tick();
    await d.idle();
    expect(f.runs.map((r) => r.outcome)).toEqual(['failed', 'skipped']);

    // Restarted, the daemon reads its state from the run history; its next good run is the recovery.
    const again = await f.start();
    await again.idle();
    await f.advance(again, at('2026-03-06T02:30:00Z'), 30 * MIN);
    expect(f.runs.map((r) => r.outcome)).toEqual(['failed', 'skipped', 'ok']);
    expect(events()).toEqual(['failure failed', 'recovery ok']);
  });
});
