// What a notification says (pure): the event, the app and periodicity, what failed and the first lines of the
// error, as one JSON document (webhooks, commands) and as text (e-mail, pings). Never a secret: credentials in
// URLs and "password=…" pairs an error might quote are blanked.
import type { HousekeepingRecord, RunRecord } from '../history/journal.js';

export type NotifyEventName = 'failure' | 'recovery' | 'overdue' | 'success';

export interface Notification {
  event: NotifyEventName;
  /** The app (null for a repository's upkeep: see `repository`). */
  app: string | null;
  /** The repository, for a failed prune or check. */
  repository?: string;
  periodicity: string;
  host: string;
  /** When it was noticed (ISO 8601). */
  time: string;
  /** One line for people. */
  summary: string;
  run?: Pick<RunRecord, 'id' | 'trigger' | 'outcome' | 'startedAt' | 'durationMs' | 'snapshot' | 'bytes'> & {
    warnings: number;
  };
  /** The error's code and its first lines. */
  error?: { code: string; lines: string[] };
  overdue?: { newest: string | null; ageSeconds: number | null; allowedSeconds: number };
}

const ERROR_LINES = 5;

/** Blanks what looks like a credential: user:password@ in URLs, and password=/token=/secret= values. */
export function scrub(text: string): string {
  return text
    .replace(/(\/\/[^/\s:@]*:)[^@/\s]*@/g, '$1***@')
    .replace(/\b(password|passwd|pwd|token|secret|api[_-]?key)(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, '$1$2***');
}

export function runNotification(event: NotifyEventName, run: RunRecord, time: number): Notification {
  const what = `${run.periodicity} backup of ${run.app}`;
  const summary =
    event === 'failure'
      ? `${what} ${run.outcome === 'failed' ? 'failed' : `ended ${run.outcome}`}: ` +
        scrub(run.error?.message.split('\n')[0] ?? run.outcome)
      : event === 'recovery'
        ? `${what} succeeded again (snapshot ${run.snapshot?.slice(0, 8)})`
        : `${what} saved snapshot ${run.snapshot?.slice(0, 8)}`;
  return {
    event,
    app: run.app,
    periodicity: run.periodicity,
    host: run.host,
    time: new Date(time).toISOString(),
    summary,
    run: {
      id: run.id,
      trigger: run.trigger,
      outcome: run.outcome,
      startedAt: run.startedAt,
      durationMs: run.durationMs,
      ...(run.snapshot ? { snapshot: run.snapshot } : {}),
      ...(run.bytes ? { bytes: run.bytes } : {}),
      warnings: run.events.warnings,
    },
    ...(run.error && event === 'failure'
      ? { error: { code: run.error.code, lines: scrub(run.error.message).split('\n').slice(0, ERROR_LINES) } }
      : {}),
  };
}

export interface OverdueFacts {
  app: string;
  periodicity: string;
  host: string;
  newest: string | null;
  ageMs: number | null;
  allowedMs: number;
}

export function overdueNotification(o: OverdueFacts, time: number): Notification {
  const age = o.ageMs === null ? 'has no snapshot yet' : `is ${Math.round(o.ageMs / 3_600_000)} h old`;
  return {
    event: 'overdue',
    app: o.app,
    periodicity: o.periodicity,
    host: o.host,
    time: new Date(time).toISOString(),
    summary:
      `${o.periodicity} backup of ${o.app} is overdue: ` +
      `the newest ${age} (allowed ${Math.round(o.allowedMs / 3_600_000)} h)`,
    overdue: {
      newest: o.newest,
      ageSeconds: o.ageMs === null ? null : Math.round(o.ageMs / 1000),
      allowedSeconds: Math.round(o.allowedMs / 1000),
    },
  };
}

/** A failed forget, prune or check: `periodicity` names the operation. */
export function housekeepingNotification(r: HousekeepingRecord, time: number): Notification {
  const what = `${r.op} of repository ${r.repository}${r.app ? ` for app ${r.app}` : ''}`;
  return {
    event: 'failure',
    app: r.app ?? null,
    repository: r.repository,
    periodicity: r.op,
    host: r.host,
    time: new Date(time).toISOString(),
    summary: `${what} failed: ${scrub(r.error?.message.split('\n')[0] ?? r.outcome)}`,
    ...(r.error
      ? { error: { code: r.error.code, lines: scrub(r.error.message).split('\n').slice(0, ERROR_LINES) } }
      : {}),
  };
}

/** A backup saved, but not on every mirror of its repository. */
export function degradedNotification(run: RunRecord, repository: string, time: number): Notification {
  const stores = (run.degraded ?? []).map(scrub).join(', ');
  return {
    event: 'failure',
    app: run.app,
    repository,
    periodicity: run.periodicity,
    host: run.host,
    time: new Date(time).toISOString(),
    summary: `backup of ${run.app} (${run.periodicity}) is saved, but mirror ${stores} of repository ${repository} missed it (degraded); strongbox sync brings it up to date`,
  };
}

/** The e-mail subject and body, or a ping's log text. */
export function notificationText(n: Notification): { subject: string; body: string } {
  const who = n.app ?? `repository ${n.repository}`;
  const lines = [
    n.summary,
    '',
    n.app ? `app: ${n.app}` : `repository: ${n.repository}`,
    `periodicity: ${n.periodicity}`,
    `host: ${n.host}`,
    `time: ${n.time}`,
  ];
  if (n.run)
    lines.push(
      `run: ${n.run.trigger}, ${n.run.outcome}, ${(n.run.durationMs / 1000).toFixed(1)} s` +
        (n.run.snapshot ? `, snapshot ${n.run.snapshot.slice(0, 8)}` : ''),
    );
  if (n.error) lines.push('', `error (${n.error.code}):`, ...n.error.lines.map((l) => `  ${l}`));
  return { subject: `[strongbox] ${who} ${n.periodicity}: ${n.event}`, body: `${lines.join('\n')}\n` };
}
