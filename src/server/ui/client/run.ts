// Browser side of a run's page: what the run is, then its events live over Server-Sent Events (phases, progress,
// warnings) until its summary or error, which is shown as the result.
import { api, badge, byId, bytes, duration, h, type RunView, when } from './common.js';

const id = byId('main').dataset.run!;
const state = byId('state');
const bar = byId<HTMLProgressElement>('progress');
const events = byId('events');

function fact(dl: HTMLElement, term: string, value: Node | string | undefined | null): void {
  if (value === undefined || value === null || value === '') return;
  dl.append(h('dt', {}, term), h('dd', {}, value));
}

function showFacts(r: RunView): void {
  const dl = byId('facts');
  dl.replaceChildren();
  fact(dl, 'What', r.kind === 'backup' && r.periodicity ? `backup (${r.periodicity})` : r.kind);
  fact(dl, 'App', r.app ? h('a', { href: `/apps/${encodeURIComponent(r.app)}` }, r.app) : undefined);
  fact(dl, 'Repository', r.repository);
  fact(dl, 'By', r.user ?? r.trigger);
  fact(dl, 'Started', when(r.startedAt));
  fact(dl, 'Ended', r.endedAt ? when(r.endedAt) : undefined);
  fact(dl, 'Duration', r.durationMs !== undefined ? duration(r.durationMs) : undefined);
  fact(dl, 'State', badge(r.state === 'running' ? 'running' : (r.outcome ?? r.state)));
  if (r.app) byId<HTMLAnchorElement>('back').href = `/apps/${encodeURIComponent(r.app)}`;
  if (r.app) byId('back').textContent = `← App ${r.app}`;
}

interface Progress {
  phase: string;
  component?: string;
  bytesDone?: number;
  bytesTotal?: number;
  files?: number;
  filesDone?: number;
  walkDone?: boolean;
  done?: number;
  total?: number;
  unit?: string;
  currentFile?: string;
}

function showProgress(p: Progress): void {
  let fraction: number | undefined;
  let text: string;
  if (p.done !== undefined && p.total !== undefined) {
    fraction = p.total ? p.done / p.total : undefined;
    text = `${p.phase}: ${p.done} of ${p.total} ${p.unit ?? ''}`;
  } else if (p.files !== undefined) {
    fraction = p.walkDone && p.bytesTotal ? (p.bytesDone ?? 0) / p.bytesTotal : undefined;
    text = `${p.phase} ${p.component ?? ''}: ${p.filesDone} of ${p.files}${p.walkDone ? '' : '+'} files, ${bytes(p.bytesDone)} of ${bytes(p.bytesTotal)}`;
  } else {
    fraction = p.bytesTotal ? (p.bytesDone ?? 0) / p.bytesTotal : undefined;
    text = `${p.phase} ${p.component ?? ''}: ${bytes(p.bytesDone)}${p.bytesTotal ? ` of ${bytes(p.bytesTotal)}` : ''}`;
  }
  if (fraction === undefined) bar.removeAttribute('value');
  else bar.value = Math.min(1, fraction);
  state.textContent = text;
  byId('current').textContent = p.currentFile ?? '';
}

function showResult(outcome: string, facts: [string, string | Node][]): void {
  const section = byId('result');
  section.dataset.outcome = outcome;
  const dl = byId('result-facts');
  dl.replaceChildren();
  fact(dl, 'Outcome', badge(outcome));
  for (const [k, v] of facts) fact(dl, k, v);
  section.hidden = false;
  bar.value = outcome === 'ok' ? 1 : bar.value || 0;
  byId('current').textContent = '';
}

function summaryFacts(result: Record<string, unknown>): [string, string | Node][] {
  const out: [string, string | Node][] = [];
  for (const [k, v] of Object.entries(result)) {
    if (v === undefined || v === null || typeof v === 'object') continue;
    const text = ['total', 'added', 'stored'].includes(k) && typeof v === 'number' ? bytes(v) : String(v);
    out.push([k, k === 'snapshot' ? h('code', {}, text) : text]);
  }
  const err = result.error as { message?: string } | undefined;
  if (err?.message) out.push(['problem', err.message]);
  return out;
}

function follow(): void {
  const es = new EventSource(`/api/runs/${encodeURIComponent(id)}/events`);
  let ended = false;
  es.addEventListener('open', () => {
    if (!ended) state.textContent = 'Running…';
  });
  es.addEventListener('phase', (e) => {
    const p = JSON.parse((e as MessageEvent).data) as {
      phase: string;
      state: string;
      component?: string;
      message?: string;
    };
    events.append(
      h('li', {}, `${p.phase}${p.component ? ` ${p.component}` : ''} ${p.state}${p.message ? `: ${p.message}` : ''}`),
    );
  });
  es.addEventListener('progress', (e) => showProgress(JSON.parse((e as MessageEvent).data) as Progress));
  es.addEventListener('warning', (e) => {
    const w = JSON.parse((e as MessageEvent).data) as { message: string };
    events.append(h('li', { class: 'error' }, `warning: ${w.message}`));
  });
  const end = async () => {
    ended = true;
    es.close();
    showFacts(await api<RunView>(`/api/runs/${encodeURIComponent(id)}`));
  };
  es.addEventListener('summary', (e) => {
    const s = JSON.parse((e as MessageEvent).data) as { outcome: string; result: Record<string, unknown> };
    state.textContent = `Finished: ${s.outcome}.`;
    showResult(s.outcome, summaryFacts(s.result));
    void end();
  });
  es.addEventListener('error', (e) => {
    // The run's own error event carries data; a bare error event is the connection's.
    if (e instanceof MessageEvent && e.data) {
      const x = JSON.parse(e.data as string) as { outcome: string; code: string; message: string };
      state.textContent = `Finished: ${x.outcome}.`;
      showResult(x.outcome, [
        ['error', x.code],
        ['message', x.message],
      ]);
      void end();
    } else if (!ended && es.readyState === EventSource.CLOSED) {
      state.textContent = 'The connection to the server was lost; reload the page to see the run.';
    }
  });
}

async function main(): Promise<void> {
  try {
    showFacts(await api<RunView>(`/api/runs/${encodeURIComponent(id)}`));
    follow();
  } catch (e) {
    state.textContent = `Could not load the run: ${(e as Error).message}`;
    state.className = 'error';
  }
}

void main();
