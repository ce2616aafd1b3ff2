// The typed events a running operation reports: what the CLI draws as a progress line or prints as JSON lines
// (`--json`), and what the daemon and the dashboard will stream. Every event is one plain object with a `type`.

/** A step of an operation began or ended ("dump" of database main, "files" of tree web, "hooks-before"). */
export interface PhaseEvent {
  type: 'phase';
  phase: string;
  state: 'started' | 'finished';
  app?: string;
  component?: string;
  /** One line for people ("database main: pg_dump 15.4, 1.2 GiB, 310 new blobs"). */
  message?: string;
}

/** Files and bytes of a file-tree backup or restore: totals grow while the walk runs (`walkDone` false). */
export interface FilesProgressEvent {
  type: 'progress';
  phase: 'files' | 'restore';
  app?: string;
  component?: string;
  files: number;
  filesDone: number;
  dirs: number;
  bytesTotal: number;
  bytesDone: number;
  errors: number;
  walkDone: boolean;
  elapsedMs: number;
  currentFile?: string;
}

/** Bytes of a database dump read into the repository, or of a dump fed to a restore tool. */
export interface StreamProgressEvent {
  type: 'progress';
  phase: 'dump' | 'load';
  app?: string;
  component: string;
  bytesDone: number;
  bytesTotal?: number;
  elapsedMs: number;
}

/** Objects of a check, prune, sync or copy (packs read, snapshots checked, objects copied). */
export interface CountProgressEvent {
  type: 'progress';
  phase: 'check' | 'prune' | 'sync' | 'copy';
  unit: string;
  done: number;
  total: number;
  elapsedMs: number;
}

export type ProgressEvent = FilesProgressEvent | StreamProgressEvent | CountProgressEvent;

/** Something the user should know that does not fail the operation (an unreadable file, a stale lock removed). */
export interface WarningEvent {
  type: 'warning';
  message: string;
  path?: string;
  app?: string;
  component?: string;
  /** A file a restore left out, or a database it did not load: the blob at fault and its pack (null: in none known). */
  blob?: string;
  pack?: string | null;
}

export type OpEvent = PhaseEvent | ProgressEvent | WarningEvent;

export type Emit = (e: OpEvent) => void;

/** An event sink that drops everything (operations called without a listener). */
export const ignoreEvents: Emit = () => {};
