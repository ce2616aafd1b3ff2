// Browser side of an app's page: its health, "Back up now" with a note, its snapshots (filtered by periodicity and
// trigger) with their downloads and a restore button each, its charts and its runs.
import { drawCharts } from './charts.js';
import { ago, api, type AppView, byId, bytes, h, light, runRow, type RunView, showError, when } from './common.js';
import { openRestore, setupRestore } from './restore.js';

export interface SnapshotView {
  id: string;
  time: string;
  periodicity: string;
  trigger: string;
  note: string | null;
  label: string;
  incomplete: boolean;
  components: { kind: string; name: string; engine?: string }[];
  bytes: number;
  added: number;
  stored: number;
}

const app = byId('main').dataset.app!;
const base = `/api/apps/${encodeURIComponent(app)}`;
let all: SnapshotView[] = [];
let mayRestore = false;

function healthOf(a: AppView): HTMLElement {
  return h(
    'div',
    {},
    h(
      'p',
      {},
      h('span', { class: `badge ${a.healthy ? 'ok' : 'bad'}` }, a.healthy ? 'healthy' : 'needs attention'),
      ` repository ${a.repository}`,
    ),
    h(
      'ul',
      { class: 'lights' },
      a.health.map((p) =>
        h(
          'li',
          { 'data-periodicity': p.periodicity, 'data-state': p.state },
          light(p.state, p.periodicity),
          h(
            'span',
            { class: 'muted' },
            p.newest ? ` last ${ago(p.newest.ageMs)}` : ' none yet',
            p.next ? [' · next ', when(p.next)] : null,
          ),
        ),
      ),
    ),
    a.health.length ? null : h('p', { class: 'muted' }, 'No periodicity is scheduled: backups are on demand.'),
    a.problems.length
      ? h(
          'ul',
          { class: 'error' },
          a.problems.map((x) => h('li', {}, x)),
        )
      : null,
  );
}

/** The download links of a snapshot: each file tree as a tar, each database as its native dump, the export. */
function downloads(s: SnapshotView): HTMLElement[] {
  if (!mayRestore) return [];
  const at = `${base}/snapshots/${s.id}`;
  const links = s.components.flatMap((c) => {
    if (c.kind === 'files')
      return [
        h(
          'a',
          {
            class: 'button secondary small',
            href: `${at}/trees/${encodeURIComponent(c.name)}`,
            download: '',
            'data-download': `tree:${c.name}`,
          },
          `${c.name} (tar)`,
        ),
      ];
    if (c.kind === 'database')
      return [
        h(
          'a',
          {
            class: 'button secondary small',
            href: `${at}/dumps/${encodeURIComponent(c.name)}`,
            download: '',
            'data-download': `dump:${c.name}`,
          },
          `${c.name} (dump)`,
        ),
      ];
    return [];
  });
  links.push(
    h(
      'a',
      { class: 'button secondary small', href: `${at}/export`, download: '', 'data-download': 'export' },
      'portable export',
    ),
  );
  return links;
}

function row(s: SnapshotView): HTMLElement {
  return h(
    'tr',
    { 'data-snapshot': s.id },
    h('td', { 'data-label': 'Time' }, when(s.time), h('div', { class: 'muted' }, h('code', {}, s.id.slice(0, 8)))),
    h('td', { 'data-label': 'Label' }, s.label, s.incomplete ? h('div', { class: 'error' }, 'incomplete') : null),
    h('td', { 'data-label': 'Trigger' }, s.trigger),
    h('td', { class: 'note', 'data-label': 'Note' }, s.note ?? ''),
    h('td', { class: 'num', 'data-label': 'Size' }, bytes(s.bytes)),
    h(
      'td',
      { class: 'num opt', 'data-label': 'Added', title: `stored ${bytes(s.stored)} after compression` },
      bytes(s.added),
    ),
    h(
      'td',
      { class: 'opt', 'data-label': 'Contents' },
      s.components.map((c) => `${c.kind === 'database' ? `database ${c.name}` : `${c.kind} ${c.name}`}`).join(', '),
    ),
    h(
      'td',
      { 'data-label': 'Actions' },
      h(
        'div',
        { class: 'actions' },
        mayRestore
          ? h(
              'button',
              {
                type: 'button',
                class: 'small restore',
                'aria-label': `Restore… ${s.label}`,
                onclick: () => openRestore(s.id),
              },
              'Restore…',
            )
          : null,
        downloads(s),
      ),
    ),
  );
}

async function loadSnapshots(): Promise<void> {
  const q = new URLSearchParams();
  const p = byId<HTMLSelectElement>('f-periodicity').value;
  const t = byId<HTMLSelectElement>('f-trigger').value;
  if (p) q.set('periodicity', p);
  if (t) q.set('trigger', t);
  const { snapshots } = await api<{ snapshots: SnapshotView[] }>(`${base}/snapshots${q.size ? `?${q}` : ''}`);
  if (!p && !t) all = snapshots;
  const body = byId('snapshots').querySelector('tbody')!;
  body.replaceChildren(...snapshots.map(row));
  if (!snapshots.length) body.append(h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No snapshots match.')));
}

async function main(): Promise<void> {
  const status = byId('status');
  try {
    const [view, me, { apps }, { runs }] = await Promise.all([
      api<AppView>(base),
      api<{ scopes: string[] }>('/api/me'),
      api<{ apps: AppView[] }>('/api/apps'),
      api<{ runs: RunView[] }>(`/api/runs?app=${encodeURIComponent(app)}&limit=1000`),
    ]);
    mayRestore = me.scopes.includes('restore') || me.scopes.includes('admin');
    // Without the backup scope the button could only be refused: it is not offered.
    if (!me.scopes.includes('backup') && !me.scopes.includes('admin'))
      byId('backup-h').closest('section')!.hidden = true;
    byId('health').replaceChildren(healthOf(view));
    const select = byId<HTMLSelectElement>('f-periodicity');
    for (const p of new Set([...view.periodicities, 'manual'])) select.append(h('option', { value: p }, p));
    await loadSnapshots();
    setupRestore(
      app,
      base,
      all,
      apps.filter((a) => a.repository === view.repository).map((a) => a.id),
    );
    const body = byId('runs').querySelector('tbody')!;
    body.replaceChildren(...runs.slice(0, 20).map((r) => runRow(r, false)));
    if (!runs.length) body.append(h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No runs yet.')));
    drawCharts(runs);
    status.textContent = `${all.length} snapshot${all.length === 1 ? '' : 's'}.`;
  } catch (e) {
    status.textContent = `Could not load the app: ${(e as Error).message}`;
    status.className = 'error';
  }
}

byId('filters').addEventListener('change', () => {
  void loadSnapshots().catch((e) => showError(byId('status'), e));
});

byId<HTMLFormElement>('backup').addEventListener('submit', async (e) => {
  e.preventDefault();
  const error = byId('backup-error');
  error.hidden = true;
  const button = byId<HTMLButtonElement>('backup-now');
  button.disabled = true;
  const note = byId<HTMLInputElement>('note').value.trim();
  try {
    const { run } = await api<{ run: { id: string } }>(`${base}/backup`, { json: note ? { note } : {} });
    location.assign(`/runs/${encodeURIComponent(run.id)}`);
  } catch (err) {
    showError(error, err);
    button.disabled = false;
  }
});

void main();
