// `strongbox user`, `strongbox token` and `strongbox serve` as real processes: the auth file is 0600 and holds no
// usable secret, a password never comes from argv, a token is printed once; the server answers 401 without
// credentials and serves a token, speaks HTTPS with --tls-cert/--tls-key (session cookies Secure), and stops on SIGTERM.
import { readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sb, sbOk, tempDir } from './helpers.js';
import { spawnSb } from './proc.js';
import { selfSignedCert } from '../support/tls.js';

const USER_PW = 'a-long-user-password';

describe('strongbox user, token and serve', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let configPath: string;
  let authPath: string;
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => sb(['-c', configPath, ...args], { env });

  beforeAll(async () => {
    tmp = await tempDir('sb-serve-e2e-');
    const repo = join(tmp.path, 'repo');
    configPath = join(tmp.path, 'strongbox.yaml');
    authPath = join(tmp.path, 'strongbox-auth.json');
    await mkdir(join(tmp.path, 'site'));
    await writeFile(join(tmp.path, 'site', 'index.html'), '<h1>shop</h1>\n');
    await writeFile(
      configPath,
      stringify({
        repositories: { main: { location: repo } },
        apps: [{ id: 'shop', repository: 'main', files: [{ name: 'web', path: join(tmp.path, 'site') }] }],
        daemon: { history: join(tmp.path, 'runs.jsonl') },
      }),
    );
    await sbOk(['-r', repo, 'init']);
  });
  afterAll(async () => tmp?.cleanup());

  it('user add takes the password from the environment, never from argv, and keeps only a scrypt hash (0600)', async () => {
    const none = await cli(['user', 'add', 'alice']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/STRONGBOX_USER_PASSWORD|--password-file/);
    const argv = await cli(['user', 'add', 'alice', '--password', USER_PW]);
    expect(argv.code).toBe(2);
    const short = await cli(['user', 'add', 'alice'], { STRONGBOX_USER_PASSWORD: 'short' });
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/too short/);
    const ok = await cli(['user', 'add', 'alice', '--scope', 'read,backup'], { STRONGBOX_USER_PASSWORD: USER_PW });
    expect(ok.code, ok.stderr).toBe(0);
    expect((await stat(authPath)).mode & 0o777).toBe(0o600);
    const text = await readFile(authPath, 'utf8');
    expect(text).not.toContain(USER_PW);
    expect(text).toMatch(/"hash": "scrypt\$32768\$8\$1\$/);
    const again = await cli(['user', 'add', 'alice'], { STRONGBOX_USER_PASSWORD: USER_PW });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists already/);
  });

  it('token add prints the token once and stores its digest; bad scopes are named', async () => {
    expect((await cli(['token', 'add', 'ci'])).code).toBe(2);
    const bad = await cli(['token', 'add', 'ci', '--scope', 'read,write']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/write/);
    const r = await cli(['token', 'add', 'ci', '--scope', 'read', '--scope', 'backup']);
    expect(r.code, r.stderr).toBe(0);
    const token = r.stdout.trim();
    expect(token).toMatch(/^sbx_[A-Za-z0-9_-]{43}$/);
    expect(await readFile(authPath, 'utf8')).not.toContain(token);
    const list = await cli(['--json', 'token', 'list']);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'ci', scopes: ['read', 'backup'] })]);
    expect(list.stdout).not.toContain(token);
  });

  async function startServe(extra: string[]) {
    const s = spawnSb(['-c', configPath, 'serve', '--listen', '127.0.0.1:0', ...extra]);
    let out = '';
    s.child.stdout!.on('data', (b) => (out += b));
    let m: RegExpMatchArray | null = null;
    while (!(m = /HTTP API on (https?:\/\/[\d.]+:\d+)\/api/.exec(out))) {
      if (s.child.exitCode !== null) throw new Error(`serve exited: ${out}${(await s.done).stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return { ...s, base: m[1], out: () => out };
  }

  it('serve: 401 without credentials, a token gets in, SIGTERM stops it with exit 0', async () => {
    const s = await startServe([]);
    try {
      expect(s.base).toMatch(/^http:\/\/127\.0\.0\.1:/);
      expect((await fetch(`${s.base}/api/apps`)).status).toBe(401);
      const token = (await cli(['token', 'add', 'reader', '--scope', 'read'])).stdout.trim();
      const res = await fetch(`${s.base}/api/apps`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { apps: { id: string }[] }).apps.map((a) => a.id)).toEqual(['shop']);
      // A backup asked for over the API shows in `strongbox runs` with who asked.
      const ci = (await cli(['token', 'add', 'deploy', '--scope', 'read,backup'])).stdout.trim();
      const started = await fetch(`${s.base}/api/apps/shop/backup`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ci}` },
      });
      expect(started.status).toBe(202);
      const { run } = (await started.json()) as { run: { id: string } };
      const events = await (
        await fetch(`${s.base}/api/runs/${run.id}/events`, { headers: { authorization: `Bearer ${ci}` } })
      ).text();
      expect(events).toMatch(/event: summary/);
      const runs = await cli(['runs']);
      expect(runs.stdout).toMatch(/shop\s+manual\s+api\s+ok\b.*token:deploy/);
      s.child.kill('SIGTERM');
      const r = await s.done;
      expect(r.code, r.stderr).toBe(0);
      expect(s.out()).not.toContain(token);
    } finally {
      if (s.child.exitCode === null) s.child.kill('SIGKILL');
    }
  });

  it('serve over TLS: HTTPS with the given certificate, and Secure session cookies', async () => {
    const { key, cert } = selfSignedCert(tmp.path);
    const s = await startServe(['--tls-cert', cert, '--tls-key', key]);
    try {
      expect(s.base).toMatch(/^https:/);
      const ca = await readFile(cert);
      const body = JSON.stringify({ user: 'alice', password: USER_PW });
      const res = await new Promise<{ status: number; cookies: string[] }>((resolve, reject) => {
        const req = request(
          `${s.base}/api/login`,
          { method: 'POST', ca, headers: { 'content-type': 'application/json' } },
          (r) => {
            r.resume();
            r.on('end', () => resolve({ status: r.statusCode!, cookies: r.headers['set-cookie'] ?? [] }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      expect(res.status).toBe(200);
      const session = res.cookies.find((c) => c.startsWith('sb_session='))!;
      expect(session).toMatch(/; Secure/);
      expect(session).toMatch(/; HttpOnly/);
      s.child.kill('SIGTERM');
      expect((await s.done).code).toBe(0);
    } finally {
      if (s.child.exitCode === null) s.child.kill('SIGKILL');
    }
  });
});
