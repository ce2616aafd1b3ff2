// Reading blobs from the cache through one long-running `git cat-file --batch`: a restore or an index load reads
// hundreds of objects, and a process per object would cost more than the reading. Requests are pipelined; git
// answers them in order ("<oid> blob <size>\n<bytes>\n", or "<oid> missing\n").
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { GitFailure, type GitRunner } from './run.js';

interface Pending {
  oid: string;
  resolve(data: Buffer): void;
  reject(err: unknown): void;
}

export interface BlobReader {
  read(oid: string): Promise<Buffer>;
}

export function createBlobReader(git: GitRunner): BlobReader {
  let child: ChildProcessWithoutNullStreams | undefined;
  let pending: Pending[] = [];
  // What git sent and was not taken yet, as received (joined only once an answer is complete: a 16 MiB blob
  // arrives in 64 KiB pieces, and joining on every piece would copy it hundreds of times).
  let chunks: Buffer[] = [];
  let have = 0;
  /** The size of the blob whose header was read and whose bytes are awaited. */
  let awaited: number | undefined;
  let stderr = '';

  const take = (n: number): Buffer => {
    const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, have);
    const rest = all.subarray(n);
    chunks = rest.length > 0 ? [rest] : [];
    have = rest.length;
    return all.subarray(0, n);
  };

  /** Everything still waiting fails; the next read starts a new process. */
  const fail = (err: unknown) => {
    for (const p of pending) p.reject(err);
    pending = [];
    chunks = [];
    have = 0;
    awaited = undefined;
    child = undefined;
  };

  /** The next header line, once it is complete. */
  const headerLine = (): string[] | undefined => {
    if (chunks.length === 0) return undefined;
    let nl = chunks[0].indexOf(0x0a);
    if (nl < 0 && chunks.length > 1) {
      chunks = [Buffer.concat(chunks, have)];
      nl = chunks[0].indexOf(0x0a);
    }
    return nl < 0
      ? undefined
      : take(nl + 1)
          .toString('utf8')
          .trimEnd()
          .split(' ');
  };

  /** Takes every complete answer off the front of what was received. */
  const drain = () => {
    while (pending.length > 0) {
      const p = pending[0];
      if (awaited === undefined) {
        const header = headerLine();
        if (header === undefined) return;
        if (header[1] === 'missing') {
          pending.shift();
          p.reject(new GitFailure('cat-file', 128, `object ${p.oid} is missing from the cache`));
          continue;
        }
        const size = Number(header[2]);
        if (header[0] !== p.oid || header[1] !== 'blob' || !Number.isSafeInteger(size)) {
          child?.kill('SIGKILL');
          return fail(
            new GitFailure('cat-file', null, `unexpected answer for ${p.oid}: ${header.join(' ').slice(0, 100)}`),
          );
        }
        awaited = size;
      }
      if (have < awaited + 1) return;
      const data = Buffer.from(take(awaited + 1).subarray(0, awaited));
      awaited = undefined;
      pending.shift();
      p.resolve(data);
    }
    hold(false);
  };

  const ensure = (): ChildProcessWithoutNullStreams => {
    // Killed (a cancel, a closed scope) or exited, whether or not its exit was seen yet: not to be written to.
    if (child !== undefined && (child.killed || child.exitCode !== null || child.signalCode !== null)) {
      fail(new GitFailure('cat-file', child.exitCode, stderr, false, '', git.aborted));
    }
    if (child !== undefined) return child;
    const c = git.start(['cat-file', '--batch']);
    child = c;
    stderr = '';
    c.stdout.on('data', (d: Buffer) => {
      chunks.push(d);
      have += d.length;
      drain();
    });
    c.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-4096);
    });
    c.stdin.on('error', () => {}); // reported by the exit below
    c.once('error', (err) => {
      if (child === c) fail(err);
    });
    c.once('close', (code) => {
      if (child === c) fail(new GitFailure('cat-file', code, stderr, false, '', git.aborted));
    });
    return c;
  };

  /** An idle reader must not keep the process alive; one with reads waiting must. */
  const hold = (on: boolean) => {
    if (child === undefined) return;
    for (const h of [child, child.stdout, child.stderr, child.stdin] as { ref(): void; unref(): void }[]) {
      if (on) h.ref();
      else h.unref();
    }
  };

  return {
    read(oid) {
      return new Promise((resolve, reject) => {
        const c = ensure();
        pending.push({ oid, resolve, reject });
        if (pending.length === 1) hold(true);
        c.stdin.write(`${oid}\n`);
      });
    },
  };
}
