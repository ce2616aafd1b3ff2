// Debian's chromium for the dashboard's browser tests (driven by playwright-core, which downloads no browser):
// its path, or null with a loud warning on a laptop without it; in CI (CI=true), where .ci/run installs it, a failure.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { ROOT } from '../e2e/helpers.js';

export function findChromium(): string | null {
  // The binary itself: Debian's /usr/bin/chromium is a wrapper script around it.
  for (const p of ['/usr/lib/chromium/chromium']) if (existsSync(p)) return p;
  try {
    return (
      execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim() ||
      null
    );
  } catch {
    return null;
  }
}

export function haveChromium(): string | null {
  const path = findChromium();
  if (!path) {
    const msg = 'chromium is not installed (apt-get install chromium): the dashboard browser tests cannot run';
    if (process.env.CI) throw new Error(`${msg} (CI=true: this is a failure; .ci/run installs it)`);
    console.warn(`\n*** SKIPPING: ${msg} ***\n`);
  }
  return path;
}

export async function launch(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}

/** With STRONGBOX_SCREENSHOTS=1, the page as docs/screenshots/NAME.png (the committed screenshots come from here). */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  if (process.env.STRONGBOX_SCREENSHOTS !== '1') return;
  await page.screenshot({ path: join(ROOT, 'docs', 'screenshots', `${name}.png`), fullPage });
}
