// Printing a resolved config without its secrets: values of fields that hold or may hold a secret (and
// anything interpolated into them) are replaced, so `config check` output can be pasted into a ticket.
import type { Config } from './schema.js';

const SECRET_KEYS = /pass(word)?$|secret|token|key$/i;
export const REDACTED = '<redacted>';

export function redactConfig(cfg: Config): unknown {
  const walk = (v: unknown, key: string): unknown => {
    if (typeof v === 'string' && SECRET_KEYS.test(key) && !/Env$|File$|Command$/.test(key)) return REDACTED;
    // A notifier's URL (webhook, Healthchecks ping) is a credential in its path or query: only its origin is shown.
    if (typeof v === 'string' && key === 'url') return redactUrl(v);
    if (typeof v === 'string' && /^[a-z]+:\/\/[^/]*:[^@/]*@/i.test(v))
      return v.replace(/(\/\/[^:/]*:)[^@/]*@/, `$1${REDACTED}@`);
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return v;
  };
  return walk(cfg, '');
}

function redactUrl(v: string): string {
  try {
    const u = new URL(v);
    return u.pathname === '/' && !u.search ? u.origin : `${u.origin}/${REDACTED}`;
  } catch {
    return REDACTED;
  }
}
