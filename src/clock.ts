// The only module that reads the wall clock. Everything else takes a Clock, so tests can inject time.

export interface Clock {
  /** Current time in milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function fixedClock(ms: number): Clock & { set(ms: number): void; advance(ms: number): void } {
  let t = ms;
  return {
    now: () => t,
    set: (v) => {
      t = v;
    },
    advance: (d) => {
      t += d;
    },
  };
}

/** Monotonic milliseconds for measuring durations (not wall-clock time). */
export function monotonicMs(): number {
  return performance.now();
}
