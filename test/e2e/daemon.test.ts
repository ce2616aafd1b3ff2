// `strongbox daemon` as a real process in real time: with a one-minute schedule it catches up at start, runs on
// the minute, logs JSON lines, reloads on SIGHUP (refusing an invalid config) and on a change of the file, and on
// SIGTERM takes the shutdown backup and exits 0 within its deadline; `strongbox runs` shows what it ran.
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOut, sbOk, tempDir } from './helpers.js';
import { spawnSb } from './proc.js';

describe('strongbox daemon (real time, one-minute schedule)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let configPath: string;
  let repo: string;
  let history: string;
  const config = (schedule: unknown) =>
    stringify({
      repositories: { main: { location: repo } },
      apps: [
        {
          id: 'shop',
          repository: 'main',
          files: [{ name: 'webroot', path: join(tmp.path, 'site') }],
          periodicities: ['hourly', 'shutdown'],
          schedule: { hourly: schedule },
        },
      ],
      daemon: { history, shutdownDeadline: '2min' },
    });

  beforeAll(async () => {
    tmp = await tempDir('sb-daemon-e2e-');
    repo = join(tmp.path, 'repo');
    history = join(tmp.path, 'state', 'runs.jsonl');
    configPath = join(tmp.path, 'strongbox.yaml');
    await mkdir(join(tmp.path, 'site'));
    await writeFile(join(tmp.path, 'site', 'index.html'), '<h1>shop</h1>\n');
    await writeFile(configPath, config('* * * * *'));
    await sbOk(['-r', repo, 'init']);
  });
  afterAll(async () => tmp?.cleanup());

  it('runs the schedule, reloads, and on SIGTERM saves a shutdown snapshot and exits 0', async () => {
    const d = spawnSb(['--config', configPath, 'daemon', '--log-format', 'json']);
    let out = '';
    d.child.stdout!.on('data', (b) => {
      out += b;
    });
    const lines = () =>
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { level: string; msg: string; trigger?: string; outcome?: string });
    const waitFor = async (what: string, pred: (l: ReturnType<typeof lines>[number]) => boolean) => {
      while (!lines().some(pred)) {
        if (d.child.exitCode !== null) throw new Error(`the daemon exited while waiting for ${what}:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      await waitFor('the catch-up run', (l) => l.trigger === 'catch-up' && l.outcome === 'ok');
      // The one-minute schedule fires by itself (within about a minute).
      await waitFor('a scheduled run', (l) => l.trigger === 'schedule' && l.outcome === 'ok');

      await writeFile(configPath, config('61 * * * *'));
      d.child.kill('SIGHUP');
      await waitFor(
        'the refused reload',
        (l) => l.level === 'error' && l.msg.includes('refused, keeping the running config'),
      );
      await writeFile(configPath, config('0 0 1 1 *'));
      await waitFor('the reload on change', (l) => l.msg.startsWith('config reloaded (the config file changed)'));

      d.child.kill('SIGTERM');
      const r = await d.done;
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(lines().at(-1)!.msg).toBe('daemon stopped: 1 of 1 shutdown backups saved');
    } finally {
      if (d.child.exitCode === null) d.child.kill('SIGKILL');
    }
    const snaps = jsonOut<{ periodicity: string }[]>((await sbOk(['-r', repo, '--json', 'snapshots'])).stdout);
    expect(snaps.filter((s) => s.periodicity === 'shutdown')).toHaveLength(1);
    expect(snaps.filter((s) => s.periodicity === 'hourly').length).toBeGreaterThanOrEqual(2);

    const runs = jsonOut<{ trigger: string; outcome: string }[]>(
      (await sbOk(['--config', configPath, '--json', 'runs', '--app', 'shop'])).stdout,
    );
    expect(runs.map((x) => x.trigger)).toEqual([
      ...runs.slice(0, -1).map(() => expect.stringMatching(/^(catch-up|schedule)$/)),
      'shutdown',
    ]);
    // A scheduled run that happened to be under way at SIGTERM is cancelled (the next start catches it up).
    expect(runs.at(-1)!.outcome).toBe('ok');
    expect(runs.slice(0, -1).every((x) => x.outcome === 'ok' || x.outcome === 'cancelled')).toBe(true);
    expect(runs.filter((x) => x.outcome === 'ok').length).toBeGreaterThanOrEqual(3);
    const table = (await sbOk(['--config', configPath, 'runs', '--limit', '1'])).stdout;
    expect(table).toMatch(
      /Started +App +Periodicity +Trigger +Outcome[^\n]*\n[- ]+\n\d{4}-\d\d-\d\d [\d:]{8} +shop +shutdown +shutdown +ok /,
    );
  }, 240_000);

  it('refuses to start with an invalid config (exit 2, naming the field) and a bad --log-format (exit 2)', async () => {
    const bad = join(tmp.path, 'bad.yaml');
    await writeFile(bad, stringify({ repositories: { main: { location: repo } }, daemon: { concurrency: 0 } }));
    const r = await sbOk(['--config', bad, 'daemon'], 2);
    expect(r.stderr).toMatch(/daemon\.concurrency: /);
    expect((await sbOk(['--config', configPath, 'daemon', '--log-format', 'xml'], 2)).stderr).toContain(
      '--log-format xml: use "text" or "json"',
    );
  });
});
