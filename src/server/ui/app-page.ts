// The page of one app: its health, "Back up now" with a note, its snapshots with filters, downloads and the
// restore dialog, its charts and runs; the browser module app.js fills it in from the JSON API.
import { html } from 'hono/html';
import { type Html, layout, runsTable } from './pages.js';

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
      ${runsTable({ app: false })}

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
