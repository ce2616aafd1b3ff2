// Sizing of the shared rings that carry chunks between threads (archiver/worker.ts, repository/seal-pool.ts).
// A ring starts small and is replaced by a larger one only when a chunk needs more than growAbove(its length).

export const RING_SLACK = 4 * 1024 * 1024;

/**
 * A chunk larger than this gets a new ring of grownRing(its size), for which the bound is at least that size
 * again: a run of large chunks replaces the ring once, not once each.
 */
export function growAbove(ringLength: number): number {
  return Math.max(ringLength / 2, ringLength - RING_SLACK);
}

/** The new ring for a chunk of `bytes`: room for it and RING_SLACK more, so average chunks keep flowing. */
export function grownRing(bytes: number): number {
  return bytes + RING_SLACK;
}
