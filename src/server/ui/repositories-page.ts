// The repositories page, rendered on the server from the config and the run history: each repository's location
// (credentials redacted), mirrors, apps, and its last check and prune; "Check now" for an admin.
import { html } from 'hono/html';
import { redactConfig } from '../../config/redact.js';
import type { Config } from '../../config/schema.js';
import type { HousekeepingRecord } from '../../history/journal.js';
import { type Html, layout } from './pages.js';

export interface RepositoryRow {
  name: string;
  location: string;
  mirrors: string[];
  apps: string[];
  lastCheck: { id: string; at: string; outcome: string; message?: string } | null;
  lastPrune: { id: string; at: string; outcome: string } | null;
}

export function repositoriesPage(user: string, rows: RepositoryRow[], admin: boolean): Html {
  const run = (r: { id: string; at: string; outcome: string } | null) =>
    r
      ? html`<a href="/runs/${r.id}"><time datetime="${r.at}">${r.at}</time></a>
          <span class="badge ${r.outcome}">${r.outcome}</span>`
      : html`<span class="light missing">never</span>`;
  return layout({
    title: 'Repositories',
    user,
    nav: 'repositories',
    script: 'repositories.js',
    main: html`<main id="main">
      <h1>Repositories</h1>
      <p id="check-error" class="error" role="alert" hidden></p>
      <div class="cards">
        ${rows.map(
          (r) =>
            html`<article data-repository="${r.name}">
              <h2>${r.name}</h2>
              <dl class="facts">
                <dt>Location</dt>
                <dd><code>${r.location}</code></dd>
                <dt>Mirrors</dt>
                <dd>
                  ${
                    r.mirrors.length
                      ? html`<ul>
                          ${r.mirrors.map((m) => html`<li><code>${m}</code></li>`)}
                        </ul>`
                      : 'none'
                  }
                </dd>
                <dt>Apps</dt>
                <dd>
                  ${r.apps.length ? r.apps.map((a, i) => html`${i ? ', ' : ''}<a href="/apps/${a}">${a}</a>`) : 'none'}
                </dd>
                <dt>Last check</dt>
                <dd class="last-check">
                  ${run(r.lastCheck)}${
                    r.lastCheck?.message ? html`<br /><span class="error">${r.lastCheck.message}</span>` : ''
                  }
                </dd>
                <dt>Last prune</dt>
                <dd>${run(r.lastPrune)}</dd>
              </dl>
              ${
                admin && r.apps.length
                  ? html`<p><button type="button" class="check-now" data-repository="${r.name}">Check now</button></p>`
                  : ''
              }
            </article>`,
        )}
      </div>
      ${rows.length ? '' : html`<p>No repositories in the config.</p>`}
    </main>`,
  });
}

/** Each repository of the config (locations redacted) with its apps and its newest check and prune. */
export function repositoryRows(cfg: Config, upkeep: HousekeepingRecord[]): RepositoryRow[] {
  const shown = redactConfig(cfg) as Config;
  return Object.entries(shown.repositories).map(([name, r]) => {
    const newest = (op: string) => upkeep.filter((x) => x.op === op && x.repository === name).at(-1);
    const check = newest('check');
    const prune = newest('prune');
    return {
      name,
      location: r.location,
      mirrors: (r.mirrors ?? []).map((m) => m.location),
      apps: cfg.apps.filter((a) => a.repository === name).map((a) => a.id),
      lastCheck: check
        ? { id: check.id, at: check.endedAt, outcome: check.outcome, message: check.error?.message }
        : null,
      lastPrune: prune ? { id: prune.id, at: prune.endedAt, outcome: prune.outcome } : null,
    };
  });
}
