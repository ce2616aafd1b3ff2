// An HTTP API under test: a config with two apps (shop: a file tree and an SQLite database; staging: a file tree)
// in one memory: repository, users and a token per scope in strongbox-auth.json, and `strongbox serve`'s server
// started in process on a free loopback port. Requests are real fetches.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { authPathFor } from '../../src/auth/store.js';
import { type Clock, systemClock } from '../../src/clock.js';
import { addToken, addUser, type Scope } from '../../src/ops/access.js';
import { newContext } from '../../src/ops/context.js';
import { initRepository } from '../../src/ops/repo.js';
import { type Server, startServer } from '../../src/server/serve.js';
import { tempDir } from '../e2e/helpers.js';

process.env.SB_API_PW = 'api-test-password';

export const USER_PASSWORD = 'alice-password-1';
export const ROOT_PASSWORD = 'root-password-12';

export interface ApiFixture {
  dir: string;
  configPath: string;
  historyPath: string;
  site: string;
  stagingSite: string;
  base: string;
  server: Server;
  /** A token holding exactly these scopes (made once per combination). */
  token(...scopes: Scope[]): Promise<string>;
  log: string[];
  /** fetch against the server with an optional bearer token. */
  req(path: string, init?: RequestInit & { token?: string; json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

let n = 0;

export async function apiFixture(
  opts: { clock?: Clock; http?: Record<string, unknown>; more?: { repositories: object; apps: object[] } } = {},
): Promise<ApiFixture> {
  const tmp = await tempDir('sb-api-');
  const site = join(tmp.path, 'site');
  const stagingSite = join(tmp.path, 'staging');
  await mkdir(join(site, 'media'), { recursive: true });
  await mkdir(stagingSite);
  await writeFile(join(site, 'index.html'), '<h1>shop</h1>\n');
  await writeFile(join(site, 'media', 'logo.svg'), '<svg/>\n');
  await writeFile(join(stagingSite, 'index.html'), '<h1>staging</h1>\n');
  const db = join(tmp.path, 'shop.db');
  execFileSync('sqlite3', [db], {
    input: "CREATE TABLE orders (id INTEGER, item TEXT); INSERT INTO orders VALUES (1, 'tea'), (2, 'cake');",
  });
  const location = `memory:api-${process.pid}-${++n}`;
  await initRepository({ location, password: { env: 'SB_API_PW' } }, newContext());
  const configPath = join(tmp.path, 'strongbox.yaml');
  const historyPath = join(tmp.path, 'state', 'runs.jsonl');
  await writeFile(
    configPath,
    stringify({
      repositories: { main: { location, passwordEnv: 'SB_API_PW' }, ...opts.more?.repositories },
      apps: [
        {
          id: 'shop',
          repository: 'main',
          files: [{ name: 'web', path: site }],
          databases: [{ name: 'db', engine: 'sqlite', path: db }],
          periodicities: ['daily', 'weekly'],
        },
        { id: 'staging', repository: 'main', files: [{ name: 'web', path: stagingSite }] },
        ...(opts.more?.apps ?? []),
      ],
      daemon: { history: historyPath, ...(opts.http ? { http: opts.http } : {}) },
    }),
  );
  const clock = opts.clock ?? systemClock;
  const authPath = authPathFor(configPath);
  await addUser(authPath, { name: 'alice', password: USER_PASSWORD }, clock);
  await addUser(authPath, { name: 'root', password: ROOT_PASSWORD, scopes: ['admin'] }, clock);
  const log: string[] = [];
  const line = (level: string) => (msg: string) => log.push(`${level} ${msg}`);
  const server = await startServer({
    configPath,
    listen: '127.0.0.1:0',
    clock,
    log: { info: line('info'), warn: line('warn'), error: line('error') },
  });
  const base = `http://${server.listener.address}`;
  const tokens = new Map<string, string>();
  return {
    dir: tmp.path,
    configPath,
    historyPath,
    site,
    stagingSite,
    base,
    server,
    log,
    async token(...scopes) {
      const key = scopes.join(',');
      if (!tokens.has(key)) {
        const { token } = await addToken(authPath, { name: `t-${key.replace(/,/g, '-')}`, scopes }, clock);
        tokens.set(key, token);
      }
      return tokens.get(key)!;
    },
    req(path, init = {}) {
      const { token, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(`${base}${path}`, {
        ...rest,
        headers,
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      });
    },
    async close() {
      await server.close();
      await tmp.cleanup();
    },
  };
}

/** Reads a run's event stream to its end: every SSE message as { event, data }. */
export async function readEvents(res: Response): Promise<{ event: string; data: any }[]> {
  const text = await res.text();
  return (
    text
      .split('\n\n')
      // Comment lines (": keep-alive") carry no event.
      .filter((block) => block.split('\n').some((l) => l.startsWith('data: ')))
      .map((block) => {
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .map((l) => l.slice(6))
          .join('\n');
        return { event, data: JSON.parse(data) };
      })
  );
}
