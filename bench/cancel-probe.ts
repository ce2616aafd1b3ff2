// What a cancelled backup may leave behind, looked for from outside the process: its child processes still
// running, temporary files in the repository (`.tmp-*`, a lock) and in its private TMPDIR, and the tree generator.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKeystream } from './random.js';
import { writeFrom } from './file-content.js';

export interface Proc {
  pid: number;
  comm: string;
}

function stat(pid: number): { comm: string; state: string; ppid: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const [state, ppid] = s.slice(close + 2).split(' ');
    return { comm: s.slice(s.indexOf('(') + 1, close), state, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

/** Every process descended from `root` (children, their children, …), read from /proc. */
export function descendants(root: number): Proc[] {
  const byParent = new Map<number, Proc[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    const s = Number.isInteger(pid) ? stat(pid) : undefined;
    if (s) byParent.set(s.ppid, [...(byParent.get(s.ppid) ?? []), { pid, comm: s.comm }]);
  }
  const out: Proc[] = [];
  for (let queue = [root]; queue.length;) {
    const kids = byParent.get(queue.shift()!) ?? [];
    out.push(...kids);
    queue.push(...kids.map((k) => k.pid));
  }
  return out;
}

/** Those of `procs` still alive (same pid and command, not a zombie). */
export function stillRunning(procs: Proc[]): Proc[] {
  return procs.filter((p) => {
    const s = stat(p.pid);
    return s !== undefined && s.comm === p.comm && s.state !== 'Z';
  });
}

/** Paths under `dir` whose name starts with `prefix`, relative to `dir`. */
export function findNamed(dir: string, prefix: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.name.startsWith(prefix)) out.push(p);
      if (e.isDirectory()) walk(p);
    }
  };
  if (existsSync(dir)) walk('');
  return out;
}

/** What a stopped backup left in its repository and its private temporary directory, one phrase each. */
export function leftovers(repo: string, tmp: string, procs: Proc[]): string[] {
  const out = findNamed(repo, '.tmp-').map((p) => `repo temp ${p}`);
  const locks = existsSync(join(repo, 'locks')) ? readdirSync(join(repo, 'locks')) : [];
  out.push(...locks.map((l) => `lock ${l}`));
  out.push(...readdirSync(tmp).map((t) => `TMPDIR ${t}`));
  out.push(...stillRunning(procs).map((p) => `process ${p.pid} (${p.comm}) still running`));
  return out;
}

const FILE_BYTES = 32 * 2 ** 20;

/**
 * A tree of `gib` GiB of incompressible files (32 MiB each, 8 per directory), written once: a `DIR.complete`
 * marker beside it (not in it: it would be backed up) naming the size lets later runs reuse it.
 */
export function ensureTree(dir: string, gib: number, log: (l: string) => void): void {
  const marker = `${dir}.complete`;
  if (existsSync(marker) && readFileSync(marker, 'utf8') === String(gib)) return log(`reusing ${dir} (${gib} GiB)`);
  rmSync(dir, { recursive: true, force: true });
  rmSync(marker, { force: true });
  const t = performance.now();
  const files = Math.ceil((gib * 2 ** 30) / FILE_BYTES);
  for (let i = 0; i < files; i++) {
    const sub = join(dir, `d${Math.floor(i / 8)}`);
    mkdirSync(sub, { recursive: true });
    const fd = openSync(join(sub, `f${i}.bin`), 'w');
    try {
      writeFrom(fd, createKeystream(`strongbox-cancel/${i}`), FILE_BYTES);
    } finally {
      closeSync(fd);
    }
  }
  writeFileSync(marker, String(gib));
  log(`generated ${dir}: ${files} files of 32 MiB in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
