// The run history file: appended runs read back in order, filtered by app and limited to the newest; a torn
// last line (a crash mid-write) and foreign lines are skipped and counted; a missing file is an empty history.
import { appendFile, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendRun, defaultHistoryPath, readRuns, type RunRecord } from '../../../src/history/journal.js';
import { tempDir } from '../../e2e/helpers.js';

const run = (app: string, i: number): RunRecord => ({
  v: 1,
  id: `r${i}`,
  app,
  periodicity: 'daily',
  trigger: 'schedule',
  host: 'h',
  startedAt: `2026-03-0${i}T02:30:00.000Z`,
  endedAt: `2026-03-0${i}T02:31:00.000Z`,
  durationMs: 1,
  outcome: 'ok',
  events: { warnings: 0, firstWarnings: [] },
});

describe('run history', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir('sb-history-');
  });
  afterAll(async () => tmp?.cleanup());

  it('appends (creating the directory, mode 0600) and reads back, by app and newest N', async () => {
    const path = join(tmp.path, 'state', 'runs.jsonl');
    for (let i = 1; i <= 4; i++) await appendRun(path, run(i % 2 ? 'shop' : 'blog', i));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readRuns(path)).runs.map((r) => r.id)).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect((await readRuns(path, { app: 'shop' })).runs.map((r) => r.id)).toEqual(['r1', 'r3']);
    expect((await readRuns(path, { limit: 1 })).runs.map((r) => r.id)).toEqual(['r4']);
    expect(
      (await readFile(path, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .every((l) => JSON.parse(l).v === 1),
    ).toBe(true);
  });

  it('skips a torn last line and lines of another version, counting them; the next append still reads', async () => {
    const path = join(tmp.path, 'torn.jsonl');
    await appendRun(path, run('shop', 1));
    await appendFile(path, '{"v":2,"app":"shop","startedAt":"x"}\n{"v":1,"id":"r2","app":"sh');
    expect(await readRuns(path)).toMatchObject({ runs: [{ id: 'r1' }], skipped: 2 });
  });

  it('a missing file is an empty history; the default path follows STATE_DIRECTORY, then XDG_STATE_HOME', async () => {
    expect(await readRuns(join(tmp.path, 'none.jsonl'))).toEqual({ runs: [], skipped: 0 });
    expect(defaultHistoryPath({ STATE_DIRECTORY: '/var/lib/strongbox:/other' })).toBe('/var/lib/strongbox/runs.jsonl');
    expect(defaultHistoryPath({ XDG_STATE_HOME: '/home/u/.state' })).toBe('/home/u/.state/strongbox/runs.jsonl');
  });
});
