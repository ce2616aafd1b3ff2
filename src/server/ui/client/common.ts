// Browser side, shared by every page: JSON API calls with the session's CSRF token, a small element builder (text
// only, never HTML strings), number and time formatting, traffic lights, and the sign-out button.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

/** The session's CSRF token (the readable sb_csrf cookie the login set). */
export function csrfToken(): string {
  const m = /(?:^|;\s*)sb_csrf=([^;]+)/.exec(document.cookie);
  return m ? decodeURIComponent(m[1]) : '';
}

/** A JSON API call; a POST carries the CSRF token. A lost session goes back to the login page. */
export async function api<T>(path: string, init: { method?: string; json?: unknown } = {}): Promise<T> {
  const method = init.method ?? (init.json !== undefined ? 'POST' : 'GET');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken();
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
  });
  if (res.status === 401 && path !== '/api/login') {
    location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
    throw new ApiError('signed out', 401, 'UNAUTHORIZED');
  }
  if (res.status === 204) return undefined as T;
  const body = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!res.ok)
    throw new ApiError(
      body.error?.message ?? `${res.status} ${res.statusText}`,
      res.status,
      body.error?.code ?? 'HTTP',
    );
  return body as T;
}

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

/** An element with attributes (`on…` are listeners, booleans set or omit) and children (strings become text). */
export function h(tag: string, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat())
    if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'number' ? String(c) : c);
  return el;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`no element #${id}`);
  return el as T;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
export function bytes(n: number | undefined): string {
  if (n === undefined || n === null) return '–';
  let v = n;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${UNITS[i]}`;
}

export function duration(ms: number | undefined): string {
  if (ms === undefined || ms === null) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A <time> element showing the local date and time. */
export function when(iso: string | null | undefined): HTMLElement | string {
  if (!iso) return '–';
  return h('time', { datetime: iso, title: iso }, new Date(iso).toLocaleString());
}

/** "3 h ago" from an age in milliseconds. */
export function ago(ms: number): string {
  const m = Math.round(ms / 60000);
  if (m < 1) return 'just now';
  if (m < 120) return `${m} min ago`;
  const hours = Math.round(m / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** Health states in words: the colour is never the only sign. */
const STATE_WORDS: Record<string, string> = {
  ok: 'ok',
  overdue: 'overdue',
  missing: 'missing',
  incomplete: 'incomplete',
  ahead: 'ahead of schedule',
  info: 'not scheduled',
};

export function light(state: string, label: string): HTMLElement {
  return h('span', { class: `light ${state}` }, `${label}: ${STATE_WORDS[state] ?? state}`);
}

export function badge(outcome: string): HTMLElement {
  return h('span', { class: `badge ${outcome}` }, outcome);
}

export interface Health {
  periodicity: string;
  scheduled: boolean;
  state: string;
  count: number;
  next: string | null;
  newest: { id: string; time: string; ageMs: number; bytes: number } | null;
}

export interface AppView {
  id: string;
  repository: string;
  periodicities: string[];
  healthy: boolean;
  problems: string[];
  databases: { name: string; engine: string }[];
  files: { name: string; path: string }[];
  health: Health[];
}

export interface RunView {
  id: string;
  kind: string;
  state: string;
  app?: string;
  repository?: string;
  periodicity?: string;
  trigger?: string;
  user?: string;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  outcome?: string;
  snapshot?: string;
  bytes?: { total: number; added: number; stored: number };
  detail?: Record<string, string | number>;
  error?: { code: string; message: string };
}

/** A table row per run, linking to its page. */
export function runRow(r: RunView, withApp: boolean): HTMLElement {
  const what = r.kind === 'backup' && r.periodicity ? `backup (${r.periodicity})` : r.kind;
  return h(
    'tr',
    {},
    h('td', {}, h('a', { href: `/runs/${encodeURIComponent(r.id)}` }, when(r.startedAt))),
    h('td', {}, what),
    withApp
      ? h('td', {}, r.app ? h('a', { href: `/apps/${encodeURIComponent(r.app)}` }, r.app) : (r.repository ?? ''))
      : null,
    h('td', {}, badge(r.state === 'running' ? 'running' : (r.outcome ?? ''))),
    h('td', { class: 'opt' }, r.user ?? r.trigger ?? ''),
    h('td', { class: 'num' }, duration(r.durationMs)),
  );
}

export function showError(el: HTMLElement, e: unknown): void {
  el.textContent = e instanceof Error ? e.message : String(e);
  el.hidden = false;
}

/** The sign-out button of the page header. */
export function setupLogout(): void {
  const b = document.getElementById('logout');
  b?.addEventListener('click', async () => {
    await api('/api/logout', { method: 'POST' }).catch(() => undefined);
    location.assign('/login');
  });
}

setupLogout();
