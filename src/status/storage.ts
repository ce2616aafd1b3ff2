// Whether a repository is outgrowing its store (pure): a git provider advises a repository size (GitHub: under
// 1 GB, strongly under 5 GB); `status` warns from 80 % of the size the backend names (the option warnSizeMiB).

/** The fraction of the warning size from which `status` says the repository approaches it. */
export const APPROACHING = 0.8;

const mib = (n: number) => `${(n / (1024 * 1024)).toFixed(0)} MiB`;

/** The warning for a repository at `location` that stores `bytes`, or undefined while it is well below `warnBytes`. */
export function storageWarning(location: string, bytes: number, warnBytes: number): string | undefined {
  if (bytes < APPROACHING * warnBytes) return undefined;
  const state = bytes > warnBytes ? 'is over' : 'approaches';
  return (
    `the repository at ${location} holds ${mib(bytes)} and ${state} the ${mib(warnBytes)} its store should stay under ` +
    '(the option warnSizeMiB): forget and prune old snapshots, or move older backups to another repository'
  );
}
