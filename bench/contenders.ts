// The tools the benchmark compares, each a plain object that says how to init, back up and restore.
// strongbox's command comes from STRONGBOX_BIN (e.g. a fake for testing the harness) or the built dist/cli/main.js.
import { basename, dirname, join } from 'node:path';
import type { Command } from './tools.js';

/** The file-tree section's three; the remote section names its own ("strongbox sftp", "restic s3", …). */
export type ContenderName = 'strongbox' | 'restic' | 'tar+zstd' | (string & {});

export interface Contender {
  name: ContenderName;
  /** Only snapshotting tools have a repository to init; they also get the no-change backup. */
  init?(repo: string): Command;
  backup(repo: string, source: string): Command;
  restore?(repo: string, target: string): Command;
  snapshotsJson?(repo: string): Command;
  statsJson?(repo: string): Command;
}

/** The archive file inside the tar+zstd "repository" directory. */
export const TAR_ARCHIVE = 'webroot.tar.zst';

export function strongbox(bin: string[], password: string): Contender {
  const env = { STRONGBOX_PASSWORD: password };
  const cmd = (repo: string, ...args: string[]): Command => ({ argv: [...bin, '-r', repo, ...args], env });
  return {
    name: 'strongbox',
    init: (repo) => cmd(repo, 'init'),
    backup: (repo, source) => cmd(repo, 'backup', source),
    restore: (repo, target) => cmd(repo, 'restore', 'latest', '--target', target),
    snapshotsJson: (repo) => cmd(repo, 'snapshots', '--json'),
    statsJson: (repo) => cmd(repo, 'stats', '--json'),
  };
}

/** restic with default backup settings on a v2 repository (compression auto); its cache kept under `cacheDir`. */
export function restic(password: string, cacheDir: string): Contender {
  const env = { RESTIC_PASSWORD: password, RESTIC_CACHE_DIR: cacheDir };
  const cmd = (repo: string, ...args: string[]): Command => ({ argv: ['restic', '-r', repo, ...args], env });
  return {
    name: 'restic',
    init: (repo) => cmd(repo, 'init', '--repository-version', '2'),
    backup: (repo, source) => cmd(repo, 'backup', source),
    restore: (repo, target) => cmd(repo, 'restore', 'latest', '--target', target),
    snapshotsJson: (repo) => cmd(repo, 'snapshots', '--json'),
  };
}

/** The floor to beat: one tar stream through multi-threaded zstd -1, no dedup, no encryption, no snapshots. */
export function tarZstd(): Contender {
  const pack = 'set -o pipefail; mkdir -p "$3" && tar -cf - -C "$1" "$2" | zstd -1 -T0 -q > "$3/$4"';
  const unpack = 'set -o pipefail; zstd -dc -q "$1" | tar -xf - -C "$2"';
  return {
    name: 'tar+zstd',
    backup: (repo, source) => ({
      argv: ['bash', '-c', pack, 'pack', dirname(source), basename(source), repo, TAR_ARCHIVE],
    }),
    restore: (repo, target) => ({ argv: ['bash', '-c', unpack, 'unpack', join(repo, TAR_ARCHIVE), target] }),
  };
}

/** Where a tool put the restored copy of `source` under `target`: restic nests the absolute path, others may not. */
export function restoredRootCandidates(target: string, source: string): string[] {
  return [join(target, source), join(target, basename(source)), target];
}
