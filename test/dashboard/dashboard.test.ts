// The web dashboard in a real browser (Debian's chromium driven by playwright-core) against `strongbox serve`'s server
// in process: a local repository, two apps with their own PostgreSQL databases and file trees. It signs in, reads
// the apps' health, backs up now with a note and watches the run end, restores the database into the OTHER app
// and checks it through SQL, and downloads a file tree (and the portable export, where that route exists) and
// verifies it. STRONGBOX_SCREENSHOTS=1 also writes docs/screenshots/*.png.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { authPathFor } from '../../src/auth/store.js';
import { systemClock } from '../../src/clock.js';
import { addUser } from '../../src/ops/access.js';
import { newContext } from '../../src/ops/context.js';
import { initRepository } from '../../src/ops/repo.js';
import { type Server, startServer } from '../../src/server/serve.js';
import { tempDir } from '../e2e/helpers.js';
import { pgDrop, pgIdent } from '../support/postgres-db.js';
import { haveServer, PG, pgSql, uniqueDb } from '../support/servers.js';
import { haveChromium, launch, screenshot } from './browser.js';

const PASSWORD = 'dashboard-password-1';
const SCREENSHOTS = process.env.STRONGBOX_SCREENSHOTS === '1';
process.env.SB_DASH_PW = 'dashboard-repository-password';

const chromiumPath = haveChromium();
const ready = !!chromiumPath && haveServer('postgres');

describe.skipIf(!ready)('the dashboard in chromium', () => {
  const shopDb = uniqueDb('sb_dash_shop');
  const stagingDb = uniqueDb('sb_dash_staging');
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let server: Server;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let configPath: string;
  const problems: string[] = [];
  const log: string[] = [];

  /** Backs up shop over the API with the page's session, and waits for the run to end. */
  async function backupByApi(note: string): Promise<void> {
    const csrf = (await context.cookies()).find((c) => c.name === 'sb_csrf')!.value;
    const res = await page.request.post(`${base}/api/apps/shop/backup`, {
      headers: { 'x-csrf-token': csrf },
      data: { note },
    });
    expect(res.status()).toBe(202);
    const { run } = (await res.json()) as { run: { id: string } };
    expect(await (await page.request.get(`${base}/api/runs/${run.id}/events`)).text()).toContain('event: summary');
  }

  beforeAll(async () => {
    pgSql('postgres', `CREATE DATABASE ${pgIdent(shopDb)}`);
    pgSql(
      shopDb,
      "CREATE TABLE orders (id int PRIMARY KEY, item text); INSERT INTO orders VALUES (1, 'tea'), (2, 'cake');",
    );
    pgSql('postgres', `CREATE DATABASE ${pgIdent(stagingDb)}`);
    pgSql(
      stagingDb,
      "CREATE TABLE orders (id int PRIMARY KEY, item text); INSERT INTO orders VALUES (9, 'test order');",
    );
    tmp = await tempDir('sb-dash-');
    const site = join(tmp.path, 'site');
    const stagingSite = join(tmp.path, 'staging');
    await mkdir(join(site, 'media'), { recursive: true });
    await mkdir(stagingSite);
    await writeFile(join(site, 'index.html'), '<h1>shop</h1>\n');
    await writeFile(join(site, 'media', 'logo.svg'), '<svg/>\n');
    await writeFile(join(stagingSite, 'index.html'), '<h1>staging</h1>\n');
    const location = join(tmp.path, 'repo');
    await initRepository({ location, password: { env: 'SB_DASH_PW' } }, newContext());
    const db = (database: string) => ({
      name: 'db',
      engine: 'postgres',
      host: PG.host,
      port: PG.port,
      user: PG.user,
      database,
    });
    configPath = join(tmp.path, 'strongbox.yaml');
    await writeFile(
      configPath,
      stringify({
        repositories: { main: { location, passwordEnv: 'SB_DASH_PW' } },
        apps: [
          {
            id: 'shop',
            repository: 'main',
            files: [{ name: 'web', path: site }],
            databases: [db(shopDb)],
            periodicities: ['daily', 'weekly'],
          },
          {
            id: 'staging',
            repository: 'main',
            files: [{ name: 'web', path: stagingSite }],
            databases: [db(stagingDb)],
          },
        ],
        daemon: { history: join(tmp.path, 'state', 'runs.jsonl') },
      }),
    );
    await addUser(authPathFor(configPath), { name: 'alice', password: PASSWORD }, systemClock);
    const line = (level: string) => (msg: string) => log.push(`${level} ${msg}`);
    server = await startServer({
      configPath,
      listen: '127.0.0.1:0',
      log: { info: line('info'), warn: line('warn'), error: line('error') },
    });
    base = `http://${server.listener.address}`;
    browser = await launch(chromiumPath!);
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    page = await context.newPage();
    // Any script error or refused resource (a CSP violation among them) fails the last test.
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      // The refused login's 401 is the one error the test asks for.
      const refusedLogin = m.location().url.endsWith('/api/login') && m.text().includes('401');
      if (m.type() === 'error' && !refusedLogin) problems.push(`console: ${m.text()} (${m.location().url})`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (ready) {
      pgDrop(shopDb);
      pgDrop(stagingDb);
    }
    await tmp?.cleanup();
  });

  it('sends a visitor without a session to the login page, with security headers', async () => {
    const res = await fetch(`${base}/apps/shop`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?next=%2Fapps%2Fshop');
    const login = await fetch(`${base}/login`);
    expect(login.status).toBe(200);
    expect(login.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(login.headers.get('x-frame-options')).toBe('DENY');
    // No inline script: every <script> names its file.
    expect(await login.text()).not.toMatch(/<script(?![^>]*\bsrc=)/);
  });

  it('signs in (a wrong password is refused on the page) and shows every app with its health', async () => {
    await page.goto(`${base}/`);
    await page.waitForURL(/\/login$/);
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#login-error').textContent()).toContain('wrong user name or password');
    await page.getByLabel('Password').fill(PASSWORD);
    await screenshot(page, 'login');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/`);
    const session = (await context.cookies()).find((c) => c.name === 'sb_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await page.locator('article[data-app="shop"]').waitFor();
    expect(
      await page.locator('article[data-app]').evaluateAll((a) => a.map((x) => x.getAttribute('data-app'))),
    ).toEqual(['shop', 'staging']);
    // No snapshot yet: shop's scheduled periodicities are red, and the card says so in words.
    const daily = page.locator('article[data-app="shop"] li[data-periodicity="daily"]');
    expect(await daily.getAttribute('data-state')).toBe('missing');
    expect(await daily.textContent()).toContain('daily: missing');
    expect(await page.locator('article[data-app="shop"] [data-healthy]').textContent()).toBe('needs attention');
    await screenshot(page, 'overview');
  });

  it('backs up now with a note and follows the run live to its summary', async () => {
    await page.getByRole('link', { name: 'shop', exact: true }).click();
    await page.waitForURL(`${base}/apps/shop`);
    await page.getByLabel('Note (optional)').fill('before the deploy');
    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    await page.locator('#result[data-outcome]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#result').getAttribute('data-outcome')).toBe('ok');
    expect(await page.locator('#state').textContent()).toBe('Finished: ok.');
    expect(await page.locator('#events').textContent()).toMatch(/files web/);
    expect(await page.locator('#result-facts').textContent()).toMatch(/snapshot[0-9a-f]{64}/);
    await expect.poll(() => page.locator('#facts').textContent()).toContain('alice');
    await screenshot(page, 'run');
  });

  it('lists the snapshot with its label, note and sizes, filters by trigger, and draws the charts', async () => {
    await page.getByRole('link', { name: '← App shop' }).click();
    await page.waitForURL(`${base}/apps/shop`);
    const row = page.locator('#snapshots tbody tr[data-snapshot]');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    expect(await row.locator('td').nth(1).textContent()).toBe('manual 1');
    expect(await row.locator('td.note').textContent()).toBe('before the deploy');
    expect(await row.locator('td').nth(2).textContent()).toBe('on-demand');
    await page.getByLabel('Trigger').selectOption('scheduled');
    await page.locator('#snapshots tbody').getByText('No snapshots match.').waitFor();
    await page.getByLabel('Trigger').selectOption('on-demand');
    await row.first().waitFor();
    await page.locator('#size-chart canvas').waitFor();
    await page.locator('#duration-chart canvas').waitFor();
    expect(await page.locator('#size-cap').textContent()).toContain('over 1 backups');
    if (SCREENSHOTS) {
      // For the screenshot only: more backups of a growing database, so that the charts draw lines.
      for (let i = 1; i <= 4; i++) {
        pgSql(
          shopDb,
          `CREATE TABLE IF NOT EXISTS visits (id serial, v text);
          INSERT INTO visits (v) SELECT md5(g::text) FROM generate_series(1, ${i * 20000}) g;`,
        );
        await backupByApi(`deploy ${i}`);
      }
      await page.reload();
      await page.locator('#size-chart canvas').waitFor();
    }
    await screenshot(page, 'app');
  });

  it('restores the database into the other app after its ID is typed, and SQL sees the data there', async () => {
    // By keyboard: Enter on the focused button opens the dialog with the focus in it, Escape closes it.
    await page.getByRole('button', { name: 'Restore…' }).first().focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('r-snapshot');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Restore…' }).first().click();
    await dialog.waitFor();
    await dialog.getByLabel('database only').check();
    await dialog.getByLabel('Into app').selectOption('staging');
    const go = dialog.getByRole('button', { name: 'Restore', exact: true });
    const confirm = dialog.getByLabel("Type the target app's ID to confirm");
    expect(await go.isDisabled()).toBe(true);
    await confirm.fill('shop');
    expect(await go.isDisabled()).toBe(true);
    await confirm.fill('staging');
    expect(await go.isDisabled()).toBe(false);
    expect(await dialog.locator('#r-warning').textContent()).toContain('replaces the databases of app staging');
    await screenshot(page, 'restore', false);
    await go.click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    await page.locator('#result[data-outcome]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#result').getAttribute('data-outcome')).toBe('ok');
    expect(pgSql(stagingDb, 'SELECT id, item FROM orders ORDER BY id')).toBe('1\ttea\n2\tcake');
    await expect.poll(() => page.locator('#facts').textContent()).toContain('staging');
  });

  it('downloads a file tree whose manifest matches its files, the database dump, and the export if the server has it', async () => {
    await page.goto(`${base}/apps/shop`);
    const link = page.locator('a[data-download="tree:web"]').first();
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const file = join(tmp.path, 'web.tar');
    await download.saveAs(file);
    const out = join(tmp.path, 'untarred');
    await mkdir(out);
    execFileSync('tar', ['-xf', file, '-C', out]);
    const manifest = JSON.parse(await readFile(join(out, 'strongbox-manifest.json'), 'utf8')) as {
      entries: { path: string; type: string; sha256?: string }[];
    };
    const files = manifest.entries.filter((e) => e.type === 'file');
    expect(files.map((e) => e.path).sort()).toEqual(['web/index.html', 'web/media/logo.svg']);
    for (const e of files)
      expect(
        createHash('sha256')
          .update(await readFile(join(out, e.path)))
          .digest('hex'),
        e.path,
      ).toBe(e.sha256);

    // The database's native dump: pg_restore reads it as it is.
    const [dump] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('a[data-download="dump:db"]').first().click(),
    ]);
    expect(dump.suggestedFilename()).toMatch(/^shop-db-[0-9a-f]{8}\.pgdump$/);
    const dumpFile = join(tmp.path, 'shop.pgdump');
    await dump.saveAs(dumpFile);
    expect(execFileSync('pg_restore', ['--list', dumpFile], { encoding: 'utf8' })).toMatch(/TABLE public orders/);

    // The export route is another branch's work: where the server does not have it (the API's 404 for an unknown
    // route), this one check is left out, loudly.
    const href = await page.locator('a[data-download="export"]').first().getAttribute('href');
    const res = await page.request.get(`${base}${href}`);
    if (res.status() === 404) {
      const body = (await res.json()) as { error: { message: string } };
      expect(body.error.message).toMatch(/^no route GET /);
      console.warn(`\n*** SKIPPING the export check: the server has no route ${href} yet ***\n`);
      return;
    }
    expect(res.status()).toBe(200);
    const exported = join(tmp.path, 'export.tar');
    await writeFile(exported, await res.body());
    const dir = join(tmp.path, 'export');
    await mkdir(dir);
    execFileSync('tar', ['-xf', exported, '-C', dir]);
    const sums = (await readdir(dir, { recursive: true })).find((p) => p.endsWith('SHA256SUMS'));
    expect(sums, 'the export holds a SHA256SUMS').toBeDefined();
    execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: join(dir, dirname(sums!)) });
  });

  it('shows the repositories with their last check and mirrors', async () => {
    await page.getByRole('link', { name: 'Repositories' }).click();
    await page.waitForURL(`${base}/repositories`);
    const card = page.locator('article[data-repository="main"]');
    expect(await card.locator('.last-check').textContent()).toContain('never');
    expect((await card.locator('dd').nth(1).textContent())?.trim()).toBe('none');
    await screenshot(page, 'repositories');
    if (SCREENSHOTS) {
      await page.goto(`${base}/`);
      await page.locator('article[data-app="shop"]').waitFor();
      await screenshot(page, 'overview');
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${base}/apps/shop`);
      await page.locator('#snapshots tbody tr[data-snapshot]').first().waitFor();
      await screenshot(page, 'app-narrow');
      await page.setViewportSize({ width: 1280, height: 860 });
      await page.goto(`${base}/repositories`);
    }
  });

  it('offers a read-only user neither backups, restores nor downloads', async () => {
    await addUser(authPathFor(configPath), { name: 'viewer', password: PASSWORD, scopes: ['read'] }, systemClock);
    const other = await browser.newContext();
    try {
      const p = await other.newPage();
      await p.goto(`${base}/apps/shop`);
      await p.getByLabel('User name').fill('viewer');
      await p.getByLabel('Password').fill(PASSWORD);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.waitForURL(`${base}/apps/shop`);
      await p.locator('#snapshots tbody tr[data-snapshot]').first().waitFor();
      expect(await p.getByRole('button', { name: 'Back up now' }).isVisible()).toBe(false);
      expect(await p.locator('button.restore').count()).toBe(0);
      expect(await p.locator('a[data-download]').count()).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('signs out, after which pages need a login again; no script error or CSP refusal happened', async () => {
    await page.goto(`${base}/`);
    const last = page.locator('article[data-app="shop"] .last-run');
    await expect.poll(() => last.textContent()).toMatch(/^Last backup .*ok$/);
    expect(await page.locator('article[data-app="staging"] .last-run').textContent()).toBe('No backup has run yet.');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login$/);
    await page.goto(`${base}/apps/shop`);
    await page.waitForURL(/\/login\?next=/);
    expect(problems).toEqual([]);
  });
});
