// The dashboard's pages as server-rendered HTML (Hono's html template tag, which escapes every value): a shared
// layout and one shell per page; the browser modules named in each fill in the live data from the JSON API.
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface Shell {
  title: string;
  /** The signed-in user (absent on the login page). */
  user?: string;
  /** Which nav entry is current. */
  nav?: 'overview' | 'repositories';
  /** The browser module of the page (under /assets/js/). */
  script: string;
  /** Extra head elements (uPlot's style). */
  charts?: boolean;
  main: Html;
}

export function layout(s: Shell): Html {
  const current = (n: Shell['nav']) => (s.nav === n ? 'page' : 'false');
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${s.title} · strongbox</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/assets/style.css" />
        ${
          s.charts
            ? html`<link rel="stylesheet" href="/assets/vendor/uPlot.min.css" />
                <script src="/assets/vendor/uPlot.iife.min.js" defer></script>`
            : ''
        }
        <script type="module" src="/assets/js/${s.script}"></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to the content</a>
        <header class="top">
          <a class="brand" href="/">strongbox</a>
          ${
            s.user
              ? html`<nav aria-label="Main">
                    <a href="/" aria-current="${current('overview')}">Apps</a>
                    <a href="/repositories" aria-current="${current('repositories')}">Repositories</a>
                  </nav>
                  <div class="who">
                    <span>Signed in as <strong id="who">${s.user}</strong></span>
                    <button type="button" class="secondary small" id="logout">Sign out</button>
                  </div>`
              : ''
          }
        </header>
        ${s.main}
      </body>
    </html>`;
}

export function loginPage(next: string): Html {
  return layout({
    title: 'Sign in',
    script: 'login.js',
    main: html`<main id="main" class="narrow">
      <h1>Sign in</h1>
      <form id="login" data-next="${next}">
        <label for="user">User name</label>
        <input type="text" id="user" name="user" autocomplete="username" required autofocus />
        <label for="password">Password</label>
        <input type="password" id="password" name="password" autocomplete="current-password" required />
        <p id="login-error" class="error" role="alert" hidden></p>
        <p><button type="submit">Sign in</button></p>
      </form>
      <p class="muted">Users are made on the server: <code>strongbox user add NAME</code>.</p>
    </main>`,
  });
}

export function overviewPage(user: string): Html {
  return layout({
    title: 'Apps',
    user,
    nav: 'overview',
    script: 'overview.js',
    main: html`<main id="main">
      <h1>Apps</h1>
      <p id="status" role="status" class="muted">Loading the apps…</p>
      <div id="apps" class="cards"></div>
      <h2>Recent runs</h2>
      <div class="table-wrap">
        <table id="runs" aria-label="Recent runs">
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">What</th>
              <th scope="col">App</th>
              <th scope="col">Outcome</th>
              <th scope="col" class="opt">By</th>
              <th scope="col" class="num">Duration</th>
            </tr>
          </thead>
          <tbody></tbody>
        </table>
      </div>
    </main>`,
  });
}

export function appPage(user: string, app: string): Html {
  return layout({
    title: app,
    user,
    nav: 'overview',
    script: 'app.js',
    charts: true,
    main: html`<main id="main" data-app="${app}">
      <p><a href="/">← All apps</a></p>
      <h1>App <code>${app}</code></h1>
      <p id="status" role="status" class="muted">Loading…</p>
      <section class="card" aria-labelledby="health-h">
        <h2 id="health-h">Health</h2>
        <div id="health"></div>
      </section>

      <section class="card" aria-labelledby="backup-h">
        <h2 id="backup-h">Back up now</h2>
        <form id="backup" class="row">
          <div class="grow">
            <label for="note">Note (optional)</label>
            <input type="text" id="note" name="note" maxlength="500" placeholder="e.g. before the deploy" />
          </div>
          <div><button type="submit" id="backup-now">Back up now</button></div>
        </form>
        <p id="backup-error" class="error" role="alert" hidden></p>
      </section>

      <h2 id="snapshots-h">Snapshots</h2>
      <form id="filters" class="row" aria-label="Filter the snapshots">
        <div>
          <label for="f-periodicity">Periodicity</label
          ><select id="f-periodicity" name="periodicity">
            <option value="">all</option>
          </select>
        </div>
        <div>
          <label for="f-trigger">Trigger</label
          ><select id="f-trigger" name="trigger">
            <option value="">all</option>
            <option value="scheduled">scheduled</option>
            <option value="on-demand">on demand</option>
            <option value="shutdown">shutdown</option>
          </select>
        </div>
      </form>
      <div class="table-wrap">
        <table id="snapshots" class="stack" aria-labelledby="snapshots-h">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Label</th>
              <th scope="col">Trigger</th>
              <th scope="col">Note</th>
              <th scope="col" class="num">Size</th>
              <th scope="col" class="num opt">Added</th>
              <th scope="col" class="opt">Contents</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody></tbody>
        </table>
      </div>

      <h2>Size and duration over time</h2>
      <div class="charts">
        <figure class="card chart">
          <figcaption id="size-cap">Backup size</figcaption>
          <div id="size-chart"></div>
        </figure>
        <figure class="card chart">
          <figcaption id="duration-cap">Backup duration</figcaption>
          <div id="duration-chart"></div>
        </figure>
      </div>

      <h2>Runs</h2>
      <div class="table-wrap">
        <table id="runs">
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">What</th>
              <th scope="col">Outcome</th>
              <th scope="col" class="opt">By</th>
              <th scope="col" class="num">Duration</th>
            </tr>
          </thead>
          <tbody></tbody>
        </table>
      </div>

      <dialog id="restore-dialog" aria-labelledby="restore-h">
        <form id="restore" method="dialog">
          <h2 id="restore-h">Restore a snapshot</h2>
          <label for="r-snapshot">Snapshot</label
          ><select id="r-snapshot" name="snapshot" required></select>
          <fieldset>
            <legend>What to restore</legend>
            <input type="radio" id="r-all" name="parts" value="all" checked /><label for="r-all"
              >database and files</label
            >
            <input type="radio" id="r-db" name="parts" value="db" /><label for="r-db">database only</label>
            <input type="radio" id="r-files" name="parts" value="files" /><label for="r-files">files only</label>
          </fieldset>
          <label for="r-into">Into app</label
          ><select id="r-into" name="into"></select>
          <p id="r-warning" class="muted"></p>
          <label for="r-confirm">Type the target app's ID to confirm</label>
          <input type="text" id="r-confirm" name="confirm" autocomplete="off" required />
          <p id="restore-error" class="error" role="alert" hidden></p>
          <p class="actions">
            <button type="submit" id="r-go" class="danger" disabled>Restore</button>
            <button type="button" id="r-cancel" class="secondary">Cancel</button>
          </p>
        </form>
      </dialog>
    </main>`,
  });
}

export function runPage(user: string, id: string): Html {
  return layout({
    title: `Run ${id.slice(0, 8)}`,
    user,
    script: 'run.js',
    main: html`<main id="main" data-run="${id}">
      <p><a href="/" id="back">← All apps</a></p>
      <h1>Run <code>${id.slice(0, 8)}</code></h1>
      <section class="card"><dl class="facts" id="facts"></dl></section>
      <h2>Progress</h2>
      <p id="state" role="status">Connecting…</p>
      <progress id="progress" max="1" value="0" aria-labelledby="state"></progress>
      <p id="current" class="muted"></p>
      <ol class="events" id="events" aria-live="polite"></ol>
      <section id="result" class="card" hidden aria-live="polite">
        <h2>Result</h2>
        <dl class="facts" id="result-facts"></dl>
      </section>
    </main>`,
  });
}

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
