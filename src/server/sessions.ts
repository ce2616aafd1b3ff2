// Browser sessions of the HTTP API: a random ID in an HttpOnly SameSite=Strict cookie, a CSRF token per session
// (double submit: a readable cookie the page echoes in X-CSRF-Token), an idle timeout. Held in memory only.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';

export const SESSION_COOKIE = 'sb_session';
export const CSRF_COOKIE = 'sb_csrf';
export const CSRF_HEADER = 'x-csrf-token';
export const SESSION_IDLE_MS = 12 * 3_600_000;

export interface Session {
  user: string;
  csrf: string;
  lastSeen: number;
}

export class Sessions {
  private readonly map = new Map<string, Session>();
  constructor(
    private readonly clock: Clock,
    private readonly idleMs = SESSION_IDLE_MS,
  ) {}

  create(user: string): { id: string; session: Session } {
    this.sweep();
    const id = randomBytes(32).toString('base64url');
    const session = { user, csrf: randomBytes(32).toString('base64url'), lastSeen: this.clock.now() };
    this.map.set(id, session);
    return { id, session };
  }

  /** The live session of this ID (its idle time restarts), or undefined. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.map.get(id);
    if (!s) return undefined;
    if (this.clock.now() - s.lastSeen > this.idleMs) {
      this.map.delete(id);
      return undefined;
    }
    s.lastSeen = this.clock.now();
    return s;
  }

  end(id: string | undefined): void {
    if (id) this.map.delete(id);
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [id, s] of this.map) if (now - s.lastSeen > this.idleMs) this.map.delete(id);
  }
}
