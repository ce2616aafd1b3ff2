// A daemon under test: a config file with one app (a file tree and an SQLite database) in a memory: repository,
// a fixed clock with a monotonic clock beside it (a sleep moves only the wall clock), and its log kept in memory.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { fixedClock } from '../../src/clock.js';
import { Daemon, type DaemonOptions } from '../../src/daemon/daemon.js';
import { textLog } from '../../src/daemon/log.js';
import type { RunRecord } from '../../src/history/journal.js';
import { newContext } from '../../src/ops/context.js';
import { initRepository, type RepoSpec } from '../../src/ops/repo.js';
import { listSnapshots } from '../../src/ops/snapshots.js';
import { tempDir } from '../e2e/helpers.js';

process.env.SB_DAEMON_PW = 'daemon-test';

export interface Fixture {
  dir: string;
  configPath: string;
  historyPath: string;
  spec: RepoSpec;
  clock: ReturnType<typeof fixedClock>;
  /** Moves the wall clock only (the machine slept). */
  sleep(ms: number): void;
  lines: string[];
  runs: RunRecord[];
  writeConfig(app?: Record<string, unknown>, daemon?: Record<string, unknown>): Promise<void>;
  start(o?: Partial<DaemonOptions>): Promise<Daemon>;
  /** Advances both clocks by `step` until `to`, ticking and letting each run finish. */
  advance(d: Daemon, to: number, step: number): Promise<void>;
  snapshots(): Promise<{ periodicity: string; time: string; components: string[] }[]>;
  cleanup(): Promise<void>;
}

let n = 0;

/** With `local`, the repository is a directory in the fixture's temp dir (to damage it), else memory:. */
export async function daemonFixture(
  start: number,
  app: Record<string, unknown> = {},
  opts: { local?: boolean } = {},
): Promise<Fixture> {
  const tmp = await tempDir('sb-daemon-');
  const site = join(tmp.path, 'site');
  await mkdir(site);
  await writeFile(join(site, 'index.html'), '<h1>shop</h1>\n');
  const db = join(tmp.path, 'shop.db');
  execFileSync('sqlite3', [db], { input: 'CREATE TABLE t (x); INSERT INTO t VALUES (1), (2);' });
  const location = opts.local ? join(tmp.path, 'repo') : `memory:daemon-${process.pid}-${++n}`;
  const spec: RepoSpec = { location, password: { env: 'SB_DAEMON_PW' } };
  await initRepository(spec, newContext());
  const clock = fixedClock(start);
  let slept = 0;
  const configPath = join(tmp.path, 'strongbox.yaml');
  const historyPath = join(tmp.path, 'state', 'runs.jsonl');
  const f: Fixture = {
    dir: tmp.path,
    configPath,
    historyPath,
    spec,
    clock,
    lines: [],
    runs: [],
    sleep: (ms) => {
      clock.advance(ms);
      slept += ms;
    },
    async writeConfig(more = {}, daemon = {}) {
      const cfg = {
        repositories: { main: { location, passwordEnv: 'SB_DAEMON_PW' } },
        apps: [
          {
            id: 'shop',
            repository: 'main',
            files: [{ name: 'webroot', path: site }],
            databases: [{ name: 'main', engine: 'sqlite', path: db }],
            ...app,
            ...more,
          },
        ],
        // The overdue check opens the repository (a key derivation each time): once a simulated day is enough here.
        daemon: { history: historyPath, overdueCheck: '1d', ...daemon },
      };
      await writeFile(configPath, stringify(cfg));
    },
    start: (o = {}) =>
      Daemon.start({
        configPath,
        clock,
        monotonic: () => clock.now() - slept,
        random: () => 0,
        tickMs: 0,
        watchConfig: false,
        log: textLog((l) => f.lines.push(l), clock),
        onRun: (r) => f.runs.push(r),
        ...o,
      }),
    async advance(d, to, step) {
      while (clock.now() + step <= to) {
        clock.advance(step);
        await d.tick();
        await d.idle();
      }
    },
    async snapshots() {
      const list = (await listSnapshots(spec, {}, newContext({ clock }))).snapshots;
      return list
        .map((s) => ({
          periodicity: s.snapshot.periodicity!,
          time: s.snapshot.time,
          components: s.snapshot.components.map((c) => `${c.kind}:${c.name}`),
        }))
        .sort((a, b) => a.time.localeCompare(b.time) || a.periodicity.localeCompare(b.periodicity));
    },
    cleanup: () => tmp.cleanup(),
  };
  await f.writeConfig();
  return f;
}
