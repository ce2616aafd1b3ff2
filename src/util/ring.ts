// Placement in, and sizing of, the shared rings that carry sealed chunks from the backup's workers to the main
// thread (archiver/worker.ts). A ring starts small and is replaced by a larger one only when a chunk needs more
// than growAbove(its length).

const RING_SLACK = 4 * 1024 * 1024;

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

export interface Placement {
  /** Offset of the item. */
  at: number;
  /** Bytes the item takes from the ring's free space: itself, plus the skipped tail when it wraps to 0. */
  take: number;
  /** The write position after it. */
  head: number;
}

/**
 * Where the next item of `n` bytes goes in a FIFO ring of `length` bytes written up to `head`: right there if it
 * fits before the end (exactly reaching it included), else at 0, the tail from `head` skipped. The caller waits
 * until `take` bytes are free (its used count plus `take` at most `length`) before writing.
 */
export function placeInRing(length: number, head: number, n: number): Placement {
  if (n > length) throw new RangeError(`an item of ${n} bytes does not fit a ring of ${length}`);
  if (head + n <= length) return { at: head, take: n, head: head + n };
  return { at: 0, take: length - head + n, head: n };
}
