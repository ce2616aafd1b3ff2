// Drawing an operation's events: in text mode a progress line on a terminal and warnings on stderr; with
// --json every event as one JSON line on stdout, and last a summary line carrying the result.
import type { OpEvent } from '../../events.js';
import type { GlobalOptions, Io } from '../context.js';
import { bytes, duration } from './format.js';

export interface Renderer {
  emit(e: OpEvent): void;
  /** Clears the progress line (before other output). */
  done(): void;
}

/** Where events go for these global options. `stepPrefix` names the app in step lines ("app shop: …"). */
export function renderer(g: GlobalOptions, io: Io, opts: { stream?: boolean } = {}): Renderer {
  // Listings print one JSON document: their (rare) warnings go to stderr as text instead.
  if (g.json && opts.stream) return { emit: (e) => io.out(JSON.stringify(e)), done: () => {} };
  let shown = false;
  const clear = () => {
    if (shown) io.progress?.('');
    shown = false;
  };
  return {
    done: clear,
    emit: (e) => {
      switch (e.type) {
        case 'progress': {
          if (g.quiet || g.json || !io.progress || (e.phase !== 'files' && e.phase !== 'restore')) return;
          const rate = e.elapsedMs > 0 ? (e.bytesDone / e.elapsedMs) * 1000 : 0;
          const eta = e.walkDone && rate > 0 ? ` ETA ${duration(((e.bytesTotal - e.bytesDone) / rate) * 1000)}` : '';
          const total = e.walkDone ? ` / ${bytes(e.bytesTotal)}` : '';
          const errs = e.errors ? `, ${e.errors} errors` : '';
          io.progress(
            `[${duration(e.elapsedMs)}] ${e.filesDone}/${e.files} files, ${bytes(e.bytesDone)}${total}, ${bytes(rate)}/s${eta}${errs}`,
          );
          shown = true;
          return;
        }
        case 'warning': {
          clear();
          const where = e.path ?? e.app;
          io.err(`warning: ${where ? `${where}: ` : ''}${e.message}`);
          return;
        }
        case 'phase':
          // Phases carry a message for people when there is something to say (a lock waited for, a summary).
          if (!e.message || g.quiet || g.json) return;
          clear();
          io.err(e.app ? `app ${e.app}: ${e.message}` : e.message);
      }
    },
  };
}

/** The last line of a --json run: `{"type":"summary", ...result}`. */
export function printSummary(io: Io, result: Record<string, unknown>): void {
  io.out(JSON.stringify({ type: 'summary', ...result }));
}
