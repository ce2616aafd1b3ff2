// The git backend's commit protocol on a local bare repository, with two caches as two hosts: concurrent pushes
// are replayed and both land, exclusive creates are atomic across hosts, removals are batched and rewrite history
// (and a host with a stale tip never brings removed objects back), and provider limits are enforced.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { chmod, utimes, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Backend, Handle } from '../../src/backends/backend.js';
import { openGitBackend } from '../../src/backends/git/git.js';
import type { GitOptions } from '../../src/backends/git/options.js';
import { bytes, collect, hexName, rejection } from '../conformance/fixtures.js';
import { startGitHttp } from '../support/git-http.js';
import { commitsOf, gitIn, gitPlace, haveGit, pathsOf, type GitPlace } from '../support/git-remote.js';

const data = (label: string): Handle => ({ type: 'data', name: hexName(label) });
const lock = (label: string): Handle => ({ type: 'lock', name: hexName(label) });
const dataPath = (h: Handle) => `data/${h.name.slice(0, 2)}/${h.name}`;

describe.skipIf(!haveGit())('git backend protocol (two hosts on one bare repository)', () => {
  let place: GitPlace;
  let remote: string;
  const opened: Backend[] = [];
  const host = (name: string, opts: GitOptions = {}, warn?: (message: string) => void) => {
    const b = openGitBackend(remote, { cacheDir: place.cache(name), ...opts }, process.env, undefined, warn);
    opened.push(b);
    return b;
  };

  beforeEach(async () => {
    place = await gitPlace();
    remote = place.bare();
  });
  afterEach(async () => {
    for (const b of opened.splice(0)) await b.close().catch(() => {});
    await place.cleanup();
  });

  it("replays a save on the other host's newer tip: both land, in one line of history", async () => {
    const a = host('a');
    const b = host('b');
    expect(await collect(a.list('data'))).toEqual([]); // a knows the (empty) tip
    await b.save(data('from-b'), bytes(100, 1));
    await a.save(data('from-a'), bytes(200, 2)); // built on a stale tip: rejected, fetched, replayed
    expect(pathsOf(remote).sort()).toEqual([dataPath(data('from-a')), dataPath(data('from-b'))].sort());
    const commits = commitsOf(remote);
    expect(commits).toHaveLength(2);
    expect(gitIn(remote, ['rev-parse', `${commits[0]}^`])).toBe(commits[1]);
  });

  it('lands every save of two hosts writing at once', async () => {
    const a = host('a');
    const b = host('b');
    const saves = Array.from({ length: 40 }, (_, i) => ({
      h: data(`many-${i}`),
      bytes: bytes(1000 + i, i + 1),
      on: i % 2 ? a : b,
    }));
    await Promise.all(saves.map((s) => s.on.save(s.h, s.bytes)));
    const c = host('c');
    expect((await collect(c.list('data'))).map((f) => f.name).sort()).toEqual(saves.map((s) => s.h.name).sort());
    for (const s of saves) expect((await c.load(s.h)).equals(s.bytes)).toBe(true);
  });

  it('lets exactly one of two hosts create the same lock (exclusive saves are atomic across hosts)', async () => {
    const a = host('a');
    const b = host('b');
    await collect(a.list('lock'));
    await collect(b.list('lock'));
    const results = await Promise.allSettled([
      a.save(lock('L'), bytes(10, 1), { exclusive: true }),
      b.save(lock('L'), bytes(10, 2), { exclusive: true }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(a.isAlreadyExists(lost.reason), String(lost.reason)).toBe(true);
  });

  it('batches removals into one commit; removing only locks keeps history, removing data makes one root commit', async () => {
    const a = host('a');
    for (let i = 0; i < 5; i++) await a.save(data(`d${i}`), bytes(50, i + 1));
    await a.save(lock('l'), bytes(5));
    const before = commitsOf(remote).length;
    await a.remove(lock('l'));
    expect(await collect(a.list('lock'))).toEqual([]); // gone for this process, still queued
    expect(commitsOf(remote)).toHaveLength(before);
    await a.save(lock('m'), bytes(5)); // sends the queued removal with it
    expect(commitsOf(remote)).toHaveLength(before + 1);
    for (let i = 0; i < 3; i++) await a.remove(data(`d${i}`));
    expect(commitsOf(remote)).toHaveLength(before + 1); // queued, not sent yet
    await a.close();
    const commits = commitsOf(remote);
    expect(commits).toHaveLength(1);
    expect(pathsOf(remote).sort()).toEqual(
      [...[3, 4].map((i) => dataPath(data(`d${i}`))), `locks/${lock('m').name}`].sort(),
    );
  });

  it("a host whose tip predates another host's history rewrite replays only its own change: removed objects stay removed", async () => {
    const a = host('a');
    const b = host('b');
    await a.save(data('old'), bytes(10, 1));
    await a.save(data('kept'), bytes(10, 2));
    await collect(b.list('data')); // b knows both
    await a.remove(data('old'));
    await a.close(); // the rewrite
    await b.save(data('new'), bytes(10, 3));
    expect(pathsOf(remote).sort()).toEqual([dataPath(data('kept')), dataPath(data('new'))].sort());
    expect(commitsOf(remote)).toHaveLength(2);
    expect((await collect(b.list('data'))).map((f) => f.name).sort()).toEqual(
      [data('kept').name, data('new').name].sort(),
    );
  });

  it('sees objects another host saved since its last listing when loading them', async () => {
    const a = host('a');
    const b = host('b');
    await collect(a.list('index'));
    await b.save({ type: 'index', name: hexName('i') }, bytes(33));
    expect((await a.load({ type: 'index', name: hexName('i') })).equals(bytes(33))).toBe(true);
  });

  it('leaves files it does not know alone (a README the provider made), and never lists them', async () => {
    const work = join(place.dir, 'work');
    execFileSync('git', ['clone', '--quiet', remote, work]);
    await writeFile(join(work, 'README.md'), 'backups\n');
    const g = (args: string[]) =>
      execFileSync('git', ['-C', work, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args]);
    g(['add', 'README.md']);
    g(['commit', '--quiet', '-m', 'readme']);
    g(['push', '--quiet', 'origin', 'HEAD:refs/heads/main']);
    const a = host('a');
    await a.save(data('x'), bytes(3));
    await a.remove(data('x'));
    await a.close();
    expect(pathsOf(remote)).toEqual(['README.md']);
  });

  it('refuses an object larger than maxFileMiB as a permanent error naming the limit, and reports the limit', async () => {
    const a = host('a', { maxFileMiB: 10 });
    expect(a.capabilities.maxObjectSize).toBe(10 * 1024 * 1024);
    const err = await rejection(a.save(data('big'), Buffer.alloc(10 * 1024 * 1024 + 1)));
    expect(a.isPermanent(err)).toBe(true);
    expect(String(err)).toMatch(/at most 10 MiB .*maxFileMiB/);
    expect(commitsOf(remote)).toEqual([]);
  });

  it('fails with a permanent error saying what to do when the location holds no git repository', async () => {
    const notRepo = join(place.dir, 'plain');
    execFileSync('mkdir', [notRepo]);
    const b = openGitBackend(notRepo, { cacheDir: place.cache('x') });
    opened.push(b);
    const err = await rejection(collect(b.list('snapshot')));
    expect(b.isPermanent(err)).toBe(true);
    expect(String(err)).toContain(`git:${notRepo}#main`);
    expect(String(err)).toMatch(/no git repository there/);
  });

  it("cleans what killed processes left in the cache: their refs and old index files, not a live process's", async () => {
    const a = host('a');
    await a.save(data('x'), bytes(3));
    const cache = place.cache('a');
    const tip = gitIn(cache, ['rev-list', '-1', '--all']);
    const deadPid = spawnSync('true').pid!;
    gitIn(cache, ['update-ref', `refs/strongbox/${deadPid}-0a`, tip]);
    gitIn(cache, ['update-ref', `refs/strongbox/${process.ppid}-0b`, tip]);
    const old = join(cache, 'strongbox-index-0123');
    const fresh = join(cache, 'strongbox-index-4567');
    await writeFile(old, 'x');
    await writeFile(fresh, 'x');
    await utimes(old, new Date(0), new Date(0));
    const b = host('a'); // another process on this host, same cache
    await collect(b.list('data'));
    const refs = gitIn(cache, ['for-each-ref', '--format=%(refname)', 'refs/strongbox/']);
    expect(refs).not.toContain(`${deadPid}-0a`);
    expect(refs).toContain(`${process.ppid}-0b`);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
  });

  it('fails only the saves of a push the server refuses; saves queued behind it still land', async () => {
    const armed = join(place.dir, 'refuse-next');
    const busy = join(place.dir, 'hook-running');
    await writeFile(
      join(remote, 'hooks', 'pre-receive'),
      `#!/bin/sh\ncat >/dev/null\nif [ -e ${armed} ]; then rm ${armed}; touch ${busy}; sleep 1; echo refused >&2; exit 1; fi\nexit 0\n`,
    );
    await chmod(join(remote, 'hooks', 'pre-receive'), 0o755);
    await writeFile(armed, '');
    const a = host('a');
    const first = a.save(data('refused'), bytes(10, 1)).then(
      () => 'saved',
      (e: unknown) => e,
    );
    while (!existsSync(busy)) await new Promise((r) => setTimeout(r, 10));
    const second = a.save(data('queued-behind'), bytes(10, 2)); // queued while the refused push is under way
    expect(a.isPermanent(await first)).toBe(true);
    expect(String(await first)).toMatch(/the server refused the push \(git push .*remote: refused/);
    await second;
    expect(pathsOf(remote)).toEqual([dataPath(data('queued-behind'))]);
  });

  it('says to allow force pushes when the server refuses the history rewrite of a prune', async () => {
    gitIn(remote, ['config', 'receive.denyNonFastForwards', 'true']);
    const a = host('a');
    await a.save(data('x'), bytes(3));
    await a.remove(data('x'));
    const err = await rejection(a.close());
    expect(a.isPermanent(err)).toBe(true);
    expect(String(err)).toMatch(/refuses to rewrite the branch .*allow force pushes to this branch/);
    expect(pathsOf(remote)).toEqual([dataPath(data('x'))]);
  });

  it('uses the branch of the location and leaves the others alone', async () => {
    const a = openGitBackend(`${remote}#backups`, { cacheDir: place.cache('a') });
    opened.push(a);
    await a.save(data('x'), bytes(3));
    expect(commitsOf(remote, 'backups')).toHaveLength(1);
    expect(commitsOf(remote, 'main')).toEqual([]);
  });

  describe('a lock file that a killed git left on the remote (refs/heads/main.lock)', () => {
    const branchLock = () => join(remote, 'refs', 'heads', 'main.lock');

    it('is removed once older than staleRefLockSeconds, with a warning naming it, and the save lands', async () => {
      const warnings: string[] = [];
      const a = host('a', { staleRefLockSeconds: 2 }, (m) => warnings.push(m));
      await a.save(data('before'), bytes(10, 1));
      await writeFile(branchLock(), ''); // as a receive-pack killed mid-update leaves it
      const started = Date.now();
      await a.save(data('after'), bytes(10, 2));
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500); // waited for it to age: it might have been live
      expect(existsSync(branchLock())).toBe(false);
      expect(pathsOf(remote).sort()).toEqual([dataPath(data('after')), dataPath(data('before'))].sort());
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`removed ${branchLock()}`);
    });

    it('is removed at once when already older than that', async () => {
      const warnings: string[] = [];
      const a = host('a', {}, (m) => warnings.push(m)); // the default: 60 s
      await a.save(data('before'), bytes(10, 1));
      await writeFile(branchLock(), '');
      const old = new Date(Date.now() - 10 * 60_000);
      await utimes(branchLock(), old, old);
      await a.save(data('after'), bytes(10, 2));
      expect(existsSync(branchLock())).toBe(false);
      expect(pathsOf(remote)).toContain(dataPath(data('after')));
      expect(warnings).toEqual([expect.stringMatching(/removed .*main\.lock.* 600 s old/)]);
    });

    it('is waited for while a live git holds it, and left to that git', async () => {
      const warnings: string[] = [];
      const a = host('a', {}, (m) => warnings.push(m));
      await a.save(data('before'), bytes(10, 1));
      await writeFile(branchLock(), '');
      const release = setTimeout(() => rmSync(branchLock()), 700);
      try {
        await a.save(data('after'), bytes(10, 2));
      } finally {
        clearTimeout(release);
      }
      expect(pathsOf(remote)).toContain(dataPath(data('after')));
      expect(warnings).toEqual([]);
    });

    it('fails the save with the path to remove when the remote is not on this machine (http)', async () => {
      const bare = remote;
      const server = await startGitHttp(dirname(bare), 'tok-lock');
      try {
        const env = { ...process.env, SB_TEST_GIT_TOKEN: 'tok-lock' };
        const open = () =>
          openGitBackend(
            server.url(basename(bare)),
            { tokenEnv: 'SB_TEST_GIT_TOKEN', cacheDir: place.cache('http'), staleRefLockSeconds: 2 },
            env,
          );
        const a = open();
        opened.push(a);
        await a.save(data('before'), bytes(10, 1));
        await writeFile(branchLock(), '');
        const err = await rejection(a.save(data('after'), bytes(10, 2)));
        expect(a.isPermanent(err), String(err)).toBe(true);
        expect(String(err)).toMatch(/refs\/heads\/main\.lock/);
        expect(String(err)).toMatch(/remove it/);
        expect(existsSync(branchLock())).toBe(true); // not ours to remove
      } finally {
        await server.stop();
      }
    });
  });
});
