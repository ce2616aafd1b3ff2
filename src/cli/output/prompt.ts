// Reading a secret from the terminal without echoing it (for `strongbox user add`); a non-terminal stdin is
// refused so a secret is never read from where it might have been typed into a script's argv.
import { StrongboxError } from '../../errors.js';

export async function promptSecret(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new StrongboxError('USAGE', 'no terminal to ask for the password on');
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n') {
            stdin.off('data', onData);
            process.stderr.write('\n');
            return resolve(value);
          }
          if (ch === '\u0003' || ch === '\u0004') {
            stdin.off('data', onData);
            process.stderr.write('\n');
            return reject(new StrongboxError('INTERRUPTED', 'cancelled at the password prompt'));
          }
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
          else value += ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}
