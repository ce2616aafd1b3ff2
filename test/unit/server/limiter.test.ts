// The login limiter: the limit-th failure within the window blocks until the oldest failure leaves it; a success
// clears the count.
import { expect, it } from 'vitest';
import { fixedClock } from '../../../src/clock.js';
import { FailureLimiter } from '../../../src/server/limiter.js';

it('blocks after max failures in the window, for as long as the oldest stays in it', () => {
  const clock = fixedClock(0);
  const l = new FailureLimiter(clock, { max: 3, windowMs: 60_000 });
  for (let i = 0; i < 3; i++) {
    expect(l.retryAfter('a')).toBe(0);
    l.fail('a');
    clock.advance(10_000);
  }
  expect(l.retryAfter('a')).toBe(30_000);
  expect(l.retryAfter('b')).toBe(0);
  clock.advance(30_000);
  expect(l.retryAfter('a')).toBe(0);
  l.fail('a');
  l.succeed('a');
  expect(l.retryAfter('a')).toBe(0);
});
