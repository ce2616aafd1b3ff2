// One SSH connection per git backend (OpenSSH's ControlMaster), when strongbox builds the ssh command: every fetch
// and push of a backup reuses it instead of paying a handshake each. The socket lives in a private directory.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SshControl {
  dir: string;
  socket: string;
}

/** A private (0700) directory for the control socket; short, since a socket path may hold ~100 bytes at most. */
export function sshControlDir(): SshControl {
  const dir = mkdtempSync(join(tmpdir(), 'sb-ssh-'));
  return { dir, socket: join(dir, 'c') };
}

/** Ends the shared connection (ssh -O exit) if one was opened, and removes the directory. */
export async function endSshConnection(c: SshControl): Promise<void> {
  if (existsSync(c.socket)) {
    await new Promise<void>((resolve) => {
      execFile('ssh', ['-o', `ControlPath=${c.socket}`, '-O', 'exit', 'strongbox'], { timeout: 5000 }, () => resolve());
    });
  }
  rmSync(c.dir, { recursive: true, force: true });
}
