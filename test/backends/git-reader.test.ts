// The git backend's blob reader (one `git cat-file --batch` per backend): many reads at once of blobs of every
// size come back whole and in the right order, a missing object fails only its own read, a reader whose process
// died starts a new one, and a cancelled one none.
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBlobReader } from '../../src/backends/git/reader.js';
import { createGitRunner } from '../../src/backends/git/run.js';
import { Scope } from '../../src/util/scope.js';
import { bytes, rejection } from '../conformance/fixtures.js';
import { gitPlace, haveGit, type GitPlace } from '../support/git-remote.js';

describe.skipIf(!haveGit())('git blob reader (cat-file --batch)', () => {
  let place: GitPlace;
  let repo: string;
  let scope: Scope;
  const store = (data: Buffer) =>
    execFileSync('git', ['hash-object', '-w', '--stdin'], {
      input: data,
      env: { ...process.env, GIT_DIR: repo },
      encoding: 'utf8',
    }).trim();

  beforeEach(async () => {
    place = await gitPlace();
    repo = place.bare('cache.git');
    scope = new Scope();
  });
  afterEach(async () => {
    scope.close();
    await place.cleanup();
  });

  it('returns every blob whole, however many are asked for at once and whatever they hold', async () => {
    const blobs = [0, 1, 2, 10, 4096, 65_537, 3 * 1024 * 1024 + 17, 100].map((n, i) => bytes(n, i + 1));
    blobs.push(Buffer.from('line\nwith\nnewlines and a header look-alike\n0123 blob 5\n'));
    const oids = blobs.map(store);
    const reader = createBlobReader(createGitRunner(repo, process.env, scope));
    const got = await Promise.all([...oids, ...oids].map((oid) => reader.read(oid)));
    got.forEach((data, i) => expect(data.equals(blobs[i % blobs.length])).toBe(true));
  });

  it('fails only the read of a missing object', async () => {
    const a = store(bytes(1000, 1));
    const b = store(bytes(2000, 2));
    const reader = createBlobReader(createGitRunner(repo, process.env, scope));
    const [ra, missing, rb] = await Promise.allSettled([reader.read(a), reader.read('0'.repeat(40)), reader.read(b)]);
    expect(ra.status === 'fulfilled' && ra.value.equals(bytes(1000, 1))).toBe(true);
    expect(rb.status === 'fulfilled' && rb.value.equals(bytes(2000, 2))).toBe(true);
    expect(String((missing as PromiseRejectedResult).reason)).toMatch(/missing from the cache/);
  });

  it('starts a new process after the old one died, and none once the operation is cancelled', async () => {
    const a = store(bytes(10, 1));
    const abort = new AbortController();
    const own = new Scope(abort.signal);
    const reader = createBlobReader(createGitRunner(repo, process.env, own));
    expect((await reader.read(a)).equals(bytes(10, 1))).toBe(true);
    own.killChildren();
    expect((await reader.read(a)).equals(bytes(10, 1))).toBe(true);
    abort.abort();
    expect(String(await rejection(reader.read(a)))).toMatch(/cancelled/);
    own.close();
  });
});
