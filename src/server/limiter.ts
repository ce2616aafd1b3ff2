// The login rate limit: failed logins counted per user name and per client address in a sliding window; past the
// limit a login is refused (429) without checking the password until the oldest failure leaves the window.
import type { Clock } from '../clock.js';

export interface LimitRule {
  max: number;
  windowMs: number;
}

/** Keys held before the old ones are swept. */
const MAX_KEYS = 10_000;

export const LOGIN_LIMITS = {
  perUser: { max: 5, windowMs: 15 * 60_000 },
  perAddress: { max: 20, windowMs: 15 * 60_000 },
};

export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(
    private readonly clock: Clock,
    private readonly rule: LimitRule,
  ) {}

  /** Milliseconds until `key` may try again (0: now). */
  retryAfter(key: string): number {
    const now = this.clock.now();
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.rule.windowMs);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list.length >= this.rule.max ? list[0] + this.rule.windowMs - now : 0;
  }

  fail(key: string): void {
    if (this.failures.size >= MAX_KEYS) this.sweep();
    const list = this.failures.get(key) ?? [];
    list.push(this.clock.now());
    this.failures.set(key, list);
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }

  /** Forgets the keys whose failures all left the window (names tried once do not pile up). */
  private sweep(): void {
    const now = this.clock.now();
    for (const [k, list] of this.failures)
      if (now - list[list.length - 1] >= this.rule.windowMs) this.failures.delete(k);
  }
}
