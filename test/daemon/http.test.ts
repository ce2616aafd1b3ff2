// The daemon with `daemon.http`: the HTTP API, /healthz and /metrics on its one listener; the API's next runs are
// the daemon's timetable; a backup asked for over the API goes through the daemon's queue (recorded once with its
// user, counted in the metrics); shutdown stops it.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { authPathFor } from '../../src/auth/store.js';
import { addToken } from '../../src/ops/access.js';
import { readHistory } from '../../src/history/journal.js';
import { readEvents } from '../server/fixture.js';
import { daemonFixture, type Fixture } from './fixture.js';

const at = (s: string) => Date.parse(s);
let f: Fixture | undefined;
afterEach(async () => {
  await f?.cleanup();
  f = undefined;
});

it('serves the API, /healthz and /metrics on one listener', async () => {
  f = await daemonFixture(at('2026-03-01T10:00:00Z'), { periodicities: ['daily'] });
  await f.writeConfig({}, { http: { listen: '127.0.0.1:0' }, metrics: {} });
  const { token } = await addToken(authPathFor(f.configPath), { name: 'ops', scopes: ['read', 'backup'] }, f.clock);
  const d = await f.start();
  try {
    await d.idle();
    const base = `http://${d.metricsAddress}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/strongbox_runs_total/);
    expect((await fetch(`${base}/api/apps`)).status).toBe(401);
    const auth = { authorization: `Bearer ${token}` };
    const { apps } = (await (await fetch(`${base}/api/apps`, { headers: auth })).json()) as {
      apps: { health: { periodicity: string; next: string | null; state: string }[] }[];
    };
    // The catch-up ran at start; the next daily run is the timetable's: tomorrow 02:30 UTC.
    expect(apps[0].health.find((h) => h.periodicity === 'daily')).toMatchObject({
      state: 'ok',
      next: '2026-03-02T02:30:00.000Z',
    });

    const res = await fetch(`${base}/api/apps/shop/backup`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'over the daemon' }),
    });
    expect(res.status).toBe(202);
    const { run } = (await res.json()) as { run: { id: string } };
    const events = await readEvents(await fetch(`${base}/api/runs/${run.id}/events`, { headers: auth }));
    expect(events.at(-1)!.data).toMatchObject({ type: 'summary', outcome: 'ok' });
    const { runs } = (await (await fetch(`${base}/api/runs`, { headers: auth })).json()) as {
      runs: { id: string; trigger: string; user?: string }[];
    };
    expect(runs[0]).toMatchObject({ id: run.id, trigger: 'api', user: 'token:ops' });
    expect(runs.some((r) => r.trigger === 'catch-up')).toBe(true);
    // It went through the daemon's queue: recorded once, and counted in the metrics.
    expect(runs.filter((r) => r.id === run.id)).toHaveLength(1);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/strongbox_runs_total\{app="shop",periodicity="manual",outcome="ok"\} 1/);
  } finally {
    expect(await d.shutdown('SIGTERM')).toBeNull();
  }
  await expect(fetch(`http://${d.metricsAddress}/healthz`)).rejects.toThrow();
});

it('a second API backup of the same app while the first waits or runs is refused (423); the first ends normally', async () => {
  f = await daemonFixture(at('2026-03-01T10:00:00Z'));
  const gate = join(f.dir, 'go');
  // The before hook holds the first backup until the test lets it go.
  await f.writeConfig(
    { hooks: { before: [`while [ ! -e '${gate}' ]; do sleep 0.02; done`] } },
    { http: { listen: '127.0.0.1:0' } },
  );
  const { token } = await addToken(authPathFor(f.configPath), { name: 'ops', scopes: ['read', 'backup'] }, f.clock);
  const d = await f.start();
  try {
    const base = `http://${d.metricsAddress}`;
    const post = () =>
      fetch(`${base}/api/apps/shop/backup`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const first = await post();
    expect(first.status).toBe(202);
    const second = await post();
    expect(second.status).toBe(423);
    expect(((await second.json()) as { error: { message: string } }).error.message).toMatch(
      /manual backup of app shop is already waiting or running/,
    );
    await writeFile(gate, '');
    const { run } = (await first.json()) as { run: { id: string } };
    const events = await readEvents(
      await fetch(`${base}/api/runs/${run.id}/events`, { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(events.at(-1)!.data).toMatchObject({ type: 'summary', outcome: 'ok' });
  } finally {
    await writeFile(gate, '');
    expect(await d.shutdown('SIGTERM')).toBeNull();
  }
});

/**
 * A daemon serving the API whose app backups wait in their before hook until `release()`, with an admin token; `post`
 * starts an action and returns its run ID, `health` reads /healthz.
 */
async function heldDaemon() {
  f = await daemonFixture(at('2026-03-01T10:00:00Z'));
  const gate = join(f.dir, 'go');
  await f.writeConfig(
    { hooks: { before: [`while [ ! -e '${gate}' ]; do sleep 0.02; done`] } },
    { http: { listen: '127.0.0.1:0' } },
  );
  const { token } = await addToken(authPathFor(f.configPath), { name: 'ops', scopes: ['admin'] }, f.clock);
  const auth = { authorization: `Bearer ${token}` };
  const d = await f.start();
  const base = `http://${d.metricsAddress}`;
  const health = async () => (await (await fetch(`${base}/healthz`)).json()) as { waiting: number; running: number };
  const post = async (path: string) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: auth });
    expect(res.status).toBe(202);
    return ((await res.json()) as { run: { id: string } }).run.id;
  };
  const untilWaiting = async () => {
    while ((await health()).waiting < 1) await new Promise((r) => setTimeout(r, 20));
  };
  return { d, base, auth, health, post, untilWaiting, release: () => writeFile(gate, '') };
}

it('an API prune under the daemon waits for the backup running on its repository, then runs', async () => {
  const { d, base, auth, health, post, untilWaiting, release } = await heldDaemon();
  try {
    const backup = await post('/api/apps/shop/backup');
    const prune = await post('/api/repositories/main/prune');
    // The prune waits in the repository's queue while the backup's hook holds the repository.
    await untilWaiting();
    expect(await health()).toMatchObject({ waiting: 1, running: 1 });
    await release();
    for (const id of [backup, prune]) {
      const events = await readEvents(await fetch(`${base}/api/runs/${id}/events`, { headers: auth }));
      expect(events.at(-1)!.data).toMatchObject({ outcome: 'ok' });
    }
    const { runs } = (await (await fetch(`${base}/api/runs`, { headers: auth })).json()) as {
      runs: { id: string; startedAt: string; endedAt: string }[];
    };
    const b = runs.find((r) => r.id === backup)!;
    const p = runs.find((r) => r.id === prune)!;
    expect(Date.parse(p.startedAt)).toBeGreaterThanOrEqual(Date.parse(b.endedAt));
  } finally {
    await release();
    expect(await d.shutdown('SIGTERM')).toBeNull();
  }
});

it('a prune waiting in the queue when the daemon shuts down ends as a cancelled run, and shutdown does not wait for it', async () => {
  const { d, post, untilWaiting } = await heldDaemon();
  await post('/api/apps/shop/backup');
  const prune = await post('/api/repositories/main/prune');
  await untilWaiting();
  // The held backup is cancelled by the shutdown (its hook is killed), the waiting prune never starts.
  await d.shutdown('SIGTERM');
  const { records } = await readHistory(f!.historyPath);
  expect(records.find((r) => r.id === prune)).toMatchObject({ op: 'prune', outcome: 'cancelled' });
});
