// Browser side of the overview: every app as a card with its traffic lights per periodicity (newest snapshot and
// next run of each), and the recent runs of all apps.
import { ago, api, type AppView, badge, byId, h, light, runRow, type RunView, when } from './common.js';

function card(a: AppView, last: RunView | undefined): HTMLElement {
  return h(
    'article',
    { 'data-app': a.id, 'aria-labelledby': `app-${a.id}` },
    h(
      'h2',
      { id: `app-${a.id}` },
      h('a', { href: `/apps/${encodeURIComponent(a.id)}` }, a.id),
      ' ',
      h(
        'span',
        { class: `badge ${a.healthy ? 'ok' : 'bad'}`, 'data-healthy': String(a.healthy) },
        a.healthy ? 'healthy' : 'needs attention',
      ),
    ),
    h('p', { class: 'muted' }, `repository ${a.repository}`),
    h(
      'p',
      { class: 'last-run' },
      last
        ? [
            'Last backup ',
            h('a', { href: `/runs/${encodeURIComponent(last.id)}` }, when(last.startedAt)),
            ' ',
            badge(last.state === 'running' ? 'running' : (last.outcome ?? '')),
          ]
        : 'No backup has run yet.',
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
            'div',
            { class: 'muted' },
            p.newest ? ['last ', ago(p.newest.ageMs), ` (${p.count} kept)`] : 'no snapshot yet',
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

async function main(): Promise<void> {
  const status = byId('status');
  try {
    const [{ apps }, { runs }] = await Promise.all([
      api<{ apps: AppView[] }>('/api/apps'),
      api<{ runs: RunView[] }>('/api/runs?limit=500'),
    ]);
    // The runs come newest first (those in progress before them): the first backup of an app is its last.
    const lastBackup = (id: string) => runs.find((r) => r.app === id && r.kind === 'backup');
    byId('apps').replaceChildren(...apps.map((a) => card(a, lastBackup(a.id))));
    const unhealthy = apps.filter((a) => !a.healthy).length;
    status.textContent = `${apps.length} app${apps.length === 1 ? '' : 's'}, ${unhealthy ? `${unhealthy} needing attention` : 'all healthy'}.`;
    const body = byId('runs').querySelector('tbody')!;
    body.replaceChildren(...runs.slice(0, 15).map((r) => runRow(r, true)));
    if (!runs.length) body.append(h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No runs yet.')));
  } catch (e) {
    status.textContent = `Could not load the apps: ${(e as Error).message}`;
    status.className = 'error';
  }
}

void main();
