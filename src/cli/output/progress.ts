// The backup progress line on a TTY (files, bytes, rate, ETA once the walk has finished); silent otherwise.
import type { BackupProgress } from '../../archiver/progress.js';
import { bytes, duration } from './format.js';

export function progressPrinter(stream: NodeJS.WriteStream): { update: (p: BackupProgress) => void; done: () => void } {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  let shown = false;
  return {
    update: (p) => {
      const rate = p.elapsedMs > 0 ? (p.bytesDone / p.elapsedMs) * 1000 : 0;
      const eta = p.walkDone && rate > 0 ? ` ETA ${duration(((p.bytesTotal - p.bytesDone) / rate) * 1000)}` : '';
      const total = p.walkDone ? ` / ${bytes(p.bytesTotal)}` : '';
      const errs = p.errors ? `, ${p.errors} errors` : '';
      stream.write(
        `\r\x1b[K[${duration(p.elapsedMs)}] ${p.filesDone}/${p.files} files, ${bytes(p.bytesDone)}${total}, ${bytes(rate)}/s${eta}${errs}`,
      );
      shown = true;
    },
    done: () => {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
