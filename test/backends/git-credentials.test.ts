// What git is given and what it never gets: an https token reaches the server through the credential helper (never
// argv, never a message), strongbox's own secrets never reach git's children, and a cancelled operation stops git.
import { readFile, writeFile, chmod } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openGitBackend } from '../../src/backends/git/git.js';
import { bytes, collect, hexName, rejection } from '../conformance/fixtures.js';
import { gitPlace, haveGit, pathsOf, type GitPlace } from '../support/git-remote.js';

const TOKEN = 'ghp_TestToken0123456789abcdefABCDEF';

describe.skipIf(!haveGit())('git backend: credentials, environment, cancellation', () => {
  let place: GitPlace;
  beforeEach(async () => {
    place = await gitPlace();
  });
  afterEach(() => place.cleanup());

  it('sends the token from tokenEnv to an https server as Basic credentials, and puts it in no message, traces or not', async () => {
    const seen: string[] = [];
    const server: Server = createServer((req, res) => {
      const auth = req.headers.authorization;
      if (auth === undefined) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end();
        return;
      }
      seen.push(auth);
      res.writeHead(403).end('no');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const b = openGitBackend(
        `http://127.0.0.1:${port}/me/backups.git`,
        { tokenEnv: 'MY_GIT_TOKEN', cacheDir: place.cache('a') },
        { ...process.env, MY_GIT_TOKEN: TOKEN, GIT_CURL_VERBOSE: '1', GIT_TRACE_CURL: '1' },
      );
      const err = await rejection(collect(b.list('snapshot')));
      await b.close();
      expect(seen.length).toBeGreaterThan(0);
      expect(Buffer.from(seen[0].replace(/^Basic /, ''), 'base64').toString()).toBe(`x-access-token:${TOKEN}`);
      expect(b.isPermanent(err)).toBe(true);
      expect(String(err)).not.toContain(TOKEN);
      expect(String(err)).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString('base64'));
      expect(String(err)).toContain(`git:http://127.0.0.1:${port}/me/backups.git#main`);
      // The cache's config names neither the URL nor the token.
      const config = await readFile(join(place.cache('a'), 'config'), 'utf8');
      expect(config).not.toContain(TOKEN);
      expect(config).not.toContain(String(port));
    } finally {
      server.close();
    }
  });

  it('refuses to open when the variable tokenEnv names is not set, naming the variable', () => {
    expect(() => openGitBackend('https://example.invalid/r.git', { tokenEnv: 'NOT_SET_HERE' }, {})).toThrow(
      /NOT_SET_HERE, which is not set/,
    );
  });

  it("gives git's children no strongbox secret, no prompt, and the configured author", async () => {
    const dump = join(place.dir, 'env.txt');
    const ssh = join(place.dir, 'fake-ssh');
    await writeFile(ssh, `#!/bin/sh\nenv > ${dump}\nexit 1\n`);
    await chmod(ssh, 0o755);
    const b = openGitBackend(
      'ssh://nobody@127.0.0.1:1/r.git',
      { cacheDir: place.cache('a'), authorName: 'Backup Bot' },
      {
        ...process.env,
        GIT_SSH_COMMAND: ssh,
        STRONGBOX_PASSWORD: 'repo-secret',
        STRONGBOX_NEW_PASSWORD: 'other-secret',
      },
    );
    await rejection(collect(b.list('lock')));
    await b.close();
    const env = await readFile(dump, 'utf8');
    expect(env).not.toContain('repo-secret');
    expect(env).not.toContain('other-secret');
    expect(env).toMatch(/^GIT_TERMINAL_PROMPT=0$/m);
    expect(env).toMatch(/^GIT_AUTHOR_NAME=Backup Bot$/m);
  });

  it('says so when git is not installed (permanent)', async () => {
    const b = openGitBackend(place.bare(), { cacheDir: place.cache('a') }, { PATH: join(place.dir, 'no-bin') });
    const err = await rejection(collect(b.list('snapshot')));
    await b.close();
    expect(b.isPermanent(err)).toBe(true);
    expect(String(err)).toMatch(/git is not installed or not on PATH/);
  });

  it('kills a fetch that outlives timeoutSeconds and reports it as transient (the retry layer tries again)', async () => {
    const ssh = join(place.dir, 'stalling-ssh');
    await writeFile(ssh, '#!/bin/sh\nexec sleep 5\n');
    await chmod(ssh, 0o755);
    const b = openGitBackend(
      'ssh://nobody@127.0.0.1:1/r.git',
      { cacheDir: place.cache('a'), timeoutSeconds: 1 },
      { ...process.env, GIT_SSH_COMMAND: ssh },
    );
    const err = await rejection(collect(b.list('lock')));
    await b.close();
    expect(b.isPermanent(err)).toBe(false);
    expect(String(err)).toContain('cannot fetch at git:ssh://nobody@127.0.0.1:1/r.git#main: git fetch timed out');
  });

  it('after the operation is cancelled, refuses saves at once (permanent, no retries), and close() still sends the queued removals', async () => {
    const remote = place.bare();
    const abort = new AbortController();
    const b = openGitBackend(remote, { cacheDir: place.cache('a') }, process.env, abort.signal);
    const kept = { type: 'data' as const, name: hexName('kept') };
    const lock = { type: 'lock' as const, name: hexName('lock') };
    await b.save(kept, bytes(10));
    await b.save(lock, bytes(10));
    await b.remove(lock); // a released lock
    abort.abort();
    const err = await rejection(b.save({ type: 'data', name: hexName('y') }, bytes(10)));
    expect(b.isPermanent(err)).toBe(true);
    expect(String(err)).toMatch(/cancelled/);
    await b.close();
    expect(pathsOf(remote)).toEqual([`data/${kept.name.slice(0, 2)}/${kept.name}`]);
  });
});
