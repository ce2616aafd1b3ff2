// The daemon's log on stdout: one human-readable line per event by default, or JSON lines (pino) with
// `--log-format json`. Fields are plain values; no secret is ever put in one.
import { pino } from 'pino';
import type { Clock } from '../clock.js';
import type { RunRecord } from '../history/journal.js';

export type Fields = Record<string, string | number | boolean | undefined>;
export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Log {
  debug(msg: string, f?: Fields): void;
  info(msg: string, f?: Fields): void;
  warn(msg: string, f?: Fields): void;
  error(msg: string, f?: Fields): void;
}

export type LogFormat = 'text' | 'json';

/** "2026-03-01T02:30:00.000Z INFO  backup saved  app=shop periodicity=daily". */
export function textLog(write: (line: string) => void, clock: Clock, debug = false): Log {
  const line =
    (level: Level) =>
    (msg: string, f: Fields = {}) => {
      if (level === 'debug' && !debug) return;
      const kv = Object.entries(f)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${quote(String(v))}`)
        .join(' ');
      write(`${new Date(clock.now()).toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}${kv ? `  ${kv}` : ''}`);
    };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

function quote(v: string): string {
  return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
}

/** JSON lines: {"level":"info","time":"…","msg":"…",…fields}. */
export function jsonLog(write: (line: string) => void, clock: Clock, debug = false): Log {
  const p = pino(
    {
      level: debug ? 'debug' : 'info',
      base: undefined,
      messageKey: 'msg',
      timestamp: () => `,"time":"${new Date(clock.now()).toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write: (s: string) => write(s.endsWith('\n') ? s.slice(0, -1) : s) },
  );
  const at =
    (level: Level) =>
    (msg: string, f: Fields = {}) =>
      p[level](f, msg);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export function makeLog(format: LogFormat, write: (line: string) => void, clock: Clock, debug = false): Log {
  return format === 'json' ? jsonLog(write, clock, debug) : textLog(write, clock, debug);
}

/**
 * One line for a run that ended: info when it saved a snapshot or found its slot taken, warn when saved with a
 * problem, else error.
 */
export function logRun(log: Log, r: RunRecord): void {
  const f = {
    app: r.app,
    periodicity: r.periodicity,
    trigger: r.trigger,
    outcome: r.outcome,
    durationMs: r.durationMs,
    snapshot: r.snapshot?.slice(0, 8),
    added: r.bytes?.added,
    warnings: r.events.warnings || undefined,
  };
  const what = `backup of ${r.app} (${r.periodicity})`;
  if (r.outcome === 'ok') log.info(`${what} saved snapshot ${r.snapshot!.slice(0, 8)}`, f);
  else if (r.outcome === 'skipped') log.info(`${what} skipped: ${r.reason ?? ''}`, f);
  else if (r.outcome === 'incomplete' || r.outcome === 'hook-failed')
    log.warn(`${what} ${r.outcome}: ${r.error?.message ?? ''}`, f);
  else log.error(`${what} ${r.outcome}: ${r.error?.message ?? ''}`, f);
}
