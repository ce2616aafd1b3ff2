// Running dump and restore tools: their failures are reported as SOURCE errors with their own message, a
// tool that stops reading never hangs the feeder, and a failing input kills the tools before their input ends.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isStrongboxError } from '../../src/errors.js';
import { feedPipe, feedTool, streamTool } from '../../src/sources/tool.js';
import { Scope } from '../../src/util/scope.js';
import { tempDir } from '../e2e/helpers.js';

async function* mib(n: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < n; i++) yield Buffer.alloc(1 << 20, 97);
}

async function* failingAfter(n: number, err: Error): AsyncGenerator<Buffer> {
  yield* mib(n);
  throw err;
}

const scope = new Scope();
const sh = (script: string, label = 'app t, database d') => ({ cmd: 'sh', args: ['-c', script], label, scope });

describe('tool streams', () => {
  it('a tool that exits early with an error is reported by its message, not as EPIPE', async () => {
    const err = await feedTool(sh('head -c 10 >/dev/null; echo "syntax error at line 1" >&2; exit 3'), mib(64)).catch(
      (e) => e,
    );
    expect(isStrongboxError(err, 'SOURCE')).toBe(true);
    expect(err.message).toBe('app t, database d: sh exited with status 3: syntax error at line 1');
  });

  it("a two-tool pipe whose second tool fails early ends with that tool's error instead of hanging", async () => {
    const err = await feedPipe(
      { cmd: 'cat', args: [], label: 'x', scope },
      sh('head -c 10 >/dev/null; echo "psql: ERROR" >&2; exit 3'),
      mib(200),
    ).catch((e) => e);
    expect(err.message).toMatch(/sh exited with status 3: psql: ERROR/);
  }, 20_000);

  it('when the input fails, the second tool is killed before it sees the end of its input (it writes nothing final)', async () => {
    const tmp = await tempDir('sb-tool-');
    try {
      const marker = join(tmp.path, 'committed');
      const damaged = new Error('blob failed verification');
      const err = await feedPipe(
        { cmd: 'cat', args: [], label: 'x', scope },
        sh(`cat >/dev/null && echo yes > '${marker}'`),
        failingAfter(8, damaged),
      ).catch((e) => e);
      expect(err).toBe(damaged);
      await new Promise((r) => setTimeout(r, 200));
      expect(await readFile(marker, 'utf8').catch(() => 'absent')).toBe('absent');
    } finally {
      await tmp.cleanup();
    }
  });

  it("a failing input ends a two-tool pipe promptly even while the first tool's output waits for a slow second tool", async () => {
    const damaged = new Error('blob failed verification');
    const started = Date.now();
    const err = await feedPipe(
      { cmd: 'cat', args: [], label: 'x', scope },
      sh('sleep 2; cat >/dev/null'),
      failingAfter(16, damaged),
    ).catch((e) => e);
    expect(err).toBe(damaged);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);

  it("a second tool that exits without reading ends the pipe promptly, though the first tool's output sits unread", async () => {
    const started = Date.now();
    const err = await feedPipe({ cmd: 'cat', args: [], label: 'x', scope }, sh('sleep 1'), mib(4)).catch((e) => e);
    expect(err.message).toMatch(/sh ended before its input did/);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);

  it('a two-tool pipe passes every byte through when both succeed', async () => {
    const tmp = await tempDir('sb-tool-');
    try {
      const out = join(tmp.path, 'out');
      await feedPipe({ cmd: 'cat', args: [], label: 'x', scope }, sh(`cat > '${out}'`), mib(3));
      expect((await readFile(out)).length).toBe(3 << 20);
      await rm(out);
    } finally {
      await tmp.cleanup();
    }
  });

  it('a dump tool killed mid-stream fails the stream after its last byte', async () => {
    let bytes = 0;
    const err = await (async () => {
      for await (const b of streamTool(sh('head -c 300000 /dev/zero; kill -KILL $$'))) bytes += b.length;
    })().catch((e) => e);
    expect(bytes).toBe(300000);
    expect(err.message).toBe('app t, database d: sh was killed by SIGKILL');
  });

  it('a missing tool is named, with how to get it', async () => {
    const err = await (async () => {
      for await (const _ of streamTool({
        cmd: 'strongbox-no-such-tool',
        args: [],
        label: 'app t, database d',
        scope,
        installHint: 'apt-get install x',
      }))
        void _;
    })().catch((e) => e);
    expect(err.message).toBe(
      'app t, database d: strongbox-no-such-tool is not installed or not on PATH (apt-get install x)',
    );
  });

  describe('bufferStdout (stdbuf -o 1M, from coreutils, which CI has)', () => {
    const collect = async (spec: Parameters<typeof streamTool>[0]) => {
      const parts: Buffer[] = [];
      for await (const b of streamTool(spec)) parts.push(b);
      return Buffer.concat(parts);
    };

    it('runs the tool with a 1 MiB stdout buffer and passes its output through unchanged', async () => {
      // stdbuf tells the tool's stdio its buffer size through _STDBUF_O.
      expect((await collect({ ...sh('echo "buffer=$_STDBUF_O"'), bufferStdout: true })).toString()).toBe(
        'buffer=1048576\n',
      );
      const plain = await collect({ cmd: 'seq', args: ['1', '300000'], label: 'x', scope });
      const buffered = await collect({ cmd: 'seq', args: ['1', '300000'], label: 'x', scope, bufferStdout: true });
      expect(buffered.equals(plain)).toBe(true);
      expect(plain.length).toBe(1_988_895); // 1 to 300000, one per line
    });

    it('a missing tool is still named, with how to get it, and a failing one still reports its status and message', async () => {
      const missing = await collect({
        cmd: 'strongbox-no-such-tool',
        args: [],
        label: 'app t, database d',
        scope,
        installHint: 'apt-get install x',
        bufferStdout: true,
      }).catch((e) => e);
      expect(missing.message).toBe(
        'app t, database d: strongbox-no-such-tool is not installed or not on PATH (apt-get install x)',
      );
      const failing = await collect({ ...sh('echo "no such database" >&2; exit 127'), bufferStdout: true }).catch(
        (e) => e,
      );
      expect(failing.message).toBe('app t, database d: sh exited with status 127: no such database');
    });
  });
});
