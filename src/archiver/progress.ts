// Backup counters, updated by the walker and sampled by the progress display.
import type { FilesProgressEvent } from '../events.js';
import { displayPath } from '../util/names.js';

/** What a progress event of a file-tree backup carries (src/events.ts), without its labels. */
export type BackupProgress = Omit<FilesProgressEvent, 'type' | 'phase' | 'app' | 'component'>;

export class Counters {
  files = 0;
  filesDone = 0;
  dirs = 0;
  bytes = 0;
  bytesTotal = 0;
  bytesDone = 0;
  filesNew = 0;
  filesChanged = 0;
  filesUnmodified = 0;
  /** Files found but not stored (their read failed): not in the summary's `files`. */
  filesFailed = 0;
  dataBlobs = 0;
  errors = 0;
  walkDone = false;
  currentFile: string | Buffer | undefined = undefined;

  snapshot(elapsedMs: number): BackupProgress {
    return {
      files: this.files,
      filesDone: this.filesDone,
      dirs: this.dirs,
      bytesTotal: this.bytesTotal,
      bytesDone: this.bytesDone,
      errors: this.errors,
      walkDone: this.walkDone,
      elapsedMs,
      ...(this.currentFile !== undefined ? { currentFile: displayPath(this.currentFile) } : {}),
    };
  }
}
