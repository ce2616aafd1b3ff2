// The dashboard's pages as server-rendered HTML (Hono's html template tag, which escapes every value): a shared
// layout and one shell per page; the browser modules named in each fill in the live data from the JSON API.
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

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

/** The table of runs that the page's script fills (with an App column on the overview). */
export function runsTable(o: { label?: string; app: boolean }): Html {
  return html`<div class="table-wrap">
    <table id="runs" ${o.label ? html`aria-label="${o.label}"` : ''}>
      <thead>
        <tr>
          <th scope="col">Started</th>
          <th scope="col">What</th>
          ${o.app ? html`<th scope="col">App</th>` : ''}
          <th scope="col">Outcome</th>
          <th scope="col" class="opt">By</th>
          <th scope="col" class="num">Duration</th>
        </tr>
      </thead>
      <tbody></tbody>
    </table>
  </div>`;
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
      ${runsTable({ label: 'Recent runs', app: true })}
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
