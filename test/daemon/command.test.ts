// `strongbox daemon` run in-process: an interrupt that came while it was starting is not lost (it takes the
// shutdown backups and ends, exit 0), and --json makes its log JSON lines.
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { daemonFixture } from './fixture.js';

describe('strongbox daemon, in-process', () => {
  it('stops cleanly when interrupted while starting, after its shutdown backup, logging JSON lines with --json', async () => {
    const f = await daemonFixture(Date.now(), { periodicities: ['shutdown'] });
    try {
      const out: string[] = [];
      const interrupted = new AbortController();
      interrupted.abort();
      const code = await runCli(['--config', f.configPath, '--json', 'daemon'], {
        out: (s) => out.push(s),
        err: (s) => out.push(s),
        isTTY: false,
        signal: interrupted.signal,
      });
      expect(code).toBe(0);
      const lines = out.map((l) => JSON.parse(l) as { level: string; msg: string });
      expect(lines[0].msg).toMatch(/^daemon started: 0 scheduled jobs for 1 apps$/);
      expect(lines.at(-1)!.msg).toBe('daemon stopped: 1 of 1 shutdown backups saved');
      expect((await f.snapshots()).map((s) => s.periodicity)).toEqual(['shutdown']);
    } finally {
      await f.cleanup();
    }
  });
});
