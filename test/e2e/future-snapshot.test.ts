// A snapshot dated in the future (a mistyped --time, a host whose clock is wrong, one written by an older
// version) must not become 'latest' or the parent silently, and retention must never remove the snapshot
// written last because an older one claims a later time (issue 14, row 1).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openBackend } from '../../src/backends/index.js';
import { Repository } from '../../src/repository/repository.js';
import { jsonOut, PASSWORD, sb, sbOk, tempDir } from './helpers.js';

interface JsonSnapshot {
  id: string;
  time: string;
  seq?: number;
}

describe('a snapshot dated in the future', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let repo: string;
  let dir: string;
  const r = (args: string[], want = 0) => sbOk(['-r', repo, ...args], want);
  const snapshots = async () => JSON.parse((await r(['--json', 'snapshots'])).stdout) as JsonSnapshot[];
  const restoreLatest = async (name: string) => {
    const out = join(tmp.path, name);
    const res = await r(['restore', 'latest', '--target', out]);
    return { res, content: await readFile(join(out, dir, 'file.txt'), 'utf8') };
  };

  beforeEach(async () => {
    tmp = await tempDir('sb-future-');
    repo = join(tmp.path, 'repo');
    dir = join(tmp.path, 'site');
    await r(['init']);
    await mkdir(dir);
    await writeFile(join(dir, 'file.txt'), 'old content\n');
  });
  afterEach(() => tmp.cleanup());

  it('the reproduction: --time 9999 is refused, and the real backup survives forget --keep-last 1 --prune', async () => {
    const refused = await sb(['-r', repo, 'backup', dir, '--time', '9999-12-31T23:59:59Z']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/9999-12-31T23:59:59\.000Z is in the future.*--allow-future/);
    await writeFile(join(dir, 'file.txt'), 'new content\n');
    const today = jsonOut((await r(['--json', 'backup', dir])).stdout) as { id: string };
    await r(['forget', '--keep-last', '1', '--prune']);
    expect((await snapshots()).map((s) => s.id)).toEqual([today.id]);
    expect((await restoreLatest('out')).content).toBe('new content\n');
  });

  it('with --allow-future: the snapshot written last is latest, parent and kept; the 9999 one is named in warnings', async () => {
    const future = jsonOut(
      (await r(['--json', 'backup', dir, '--time', '9999-12-31T23:59:59Z', '--allow-future'])).stdout,
    ) as { id: string };
    await writeFile(join(dir, 'file.txt'), 'new content\n');
    const today = jsonOut((await r(['--json', 'backup', dir])).stdout) as { id: string; parent: string | null };
    const forget = await r(['forget', '--keep-last', '1', '--prune', '--explain']);
    // Both stay: the 9999 one is the newest by its claimed time ("last 1/1"), today's is the newest written.
    expect((await snapshots()).map((s) => s.id).sort()).toEqual([future.id, today.id].sort());
    expect(forget.stderr).toContain(`warning: snapshot ${future.id.slice(0, 8)} of host ${hostname()}`);
    expect(forget.stdout).toMatch(/9999-12-31 23:59:59 \(ahead \d+y \d+d\)/);
    const { res, content } = await restoreLatest('out');
    expect(content).toBe('new content\n');
    expect(res.stdout).toContain(`restored snapshot ${today.id.slice(0, 8)}`);
    expect(res.stderr).toContain(
      `snapshot ${future.id.slice(0, 8)} of host ${hostname()} is dated 9999-12-31T23:59:59.000Z`,
    );
    const ls = JSON.parse((await r(['--json', 'ls', 'latest'])).stdout) as { path: string; size: number }[];
    expect(ls.find((e) => e.path === join(dir, 'file.txt'))?.size).toBe('new content\n'.length);
    // The next backup takes today's snapshot as its parent, not the one claiming the later time.
    const next = jsonOut((await r(['--json', 'backup', dir])).stdout) as { parent: string | null };
    expect(next.parent).toBe(today.id);
  });

  it('a future-dated snapshot without a sequence number (an older writer, a wrong clock) loses to the ones written after it', async () => {
    const first = jsonOut((await r(['--json', 'backup', dir])).stdout) as { id: string };
    // What an older strongbox, or one on a host whose clock was years ahead, left in the repository.
    const repository = await Repository.open(await openBackend(repo), PASSWORD);
    const { seq: _seq, ...old } = await repository.loadSnapshot(first.id);
    const legacy = await repository.saveSnapshot({ ...old, time: '9999-12-31T23:59:59.000Z' });
    await writeFile(join(dir, 'file.txt'), 'new content\n');
    const today = jsonOut((await r(['--json', 'backup', dir])).stdout) as { id: string; parent: string | null };
    expect(today.parent).toBe(first.id);
    await r(['forget', '--keep-last', '1', '--prune']);
    expect((await snapshots()).map((s) => s.id).sort()).toEqual([legacy, today.id].sort());
    expect((await restoreLatest('out')).content).toBe('new content\n');
  });

  it('dates outside 1970–9999 and sign games are refused, not stored as another year', async () => {
    for (const t of ['-5000-01-01', '+275760-09-13T00:00:00Z', '10000-01-01', '1969-12-31', '2025-02-30']) {
      const res = await sb(['-r', repo, 'backup', dir, '--time', t]);
      expect(res.code, `--time ${t}`).toBe(2);
      expect(res.stderr, `--time ${t}`).toContain(`--time ${t}`);
    }
    expect(await snapshots()).toEqual([]);
    const past = jsonOut((await r(['--json', 'backup', dir, '--time', '1970-01-01T00:00:00Z'])).stdout) as {
      id: string;
    };
    expect((await snapshots()).find((s) => s.id === past.id)?.time).toBe('1970-01-01T00:00:00.000Z');
  });
});
