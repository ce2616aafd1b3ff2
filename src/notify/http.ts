// One HTTP request of a notifier, tried again on a network error, 429 or 5xx with doubling waits: webhooks
// and pings. Other answers are final. Only the URL's origin is ever named in a message (its path may be a token).
import { StrongboxError } from '../errors.js';
import { VERSION } from '../version.js';

export interface Delivery {
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  retries: number;
  /** The first wait between tries (ms); doubled each time. */
  backoffMs: number;
}

export function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(bad URL)';
  }
}

/** Resolves with the number of tries it took; rejects with the last failure. */
export async function deliver(d: Delivery): Promise<number> {
  let last = '';
  for (let attempt = 0; attempt <= d.retries; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, d.backoffMs * 2 ** (attempt - 1)));
    try {
      const res = await fetch(d.url, {
        method: d.method,
        body: d.body,
        signal: AbortSignal.timeout(d.timeoutMs),
        redirect: 'error',
        headers: { 'user-agent': `strongbox/${VERSION}`, ...d.headers },
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return attempt + 1;
      last = `HTTP ${res.status}`;
      if (res.status !== 429 && res.status < 500) break;
    } catch (e) {
      last =
        (e as Error).name === 'TimeoutError'
          ? `no answer within ${d.timeoutMs} ms`
          : (((e as Error).cause as Error)?.message ?? (e as Error).message);
    }
  }
  throw new StrongboxError('BACKEND', `${d.method} ${origin(d.url)} failed: ${last}`);
}
