// Snapshot objects: what one backup recorded (format doc, "Snapshots"), and how a user names one
// ("latest", a unique ID prefix).

export interface FilesComponent {
  name: string;
  kind: 'files';
  tree: string;
  paths: string[];
}

export type Component = FilesComponent | { name: string; kind: string; [k: string]: unknown };

export interface SnapshotSummary {
  files: number;
  dirs: number;
  bytes: number;
  filesNew: number;
  filesChanged: number;
  filesUnmodified: number;
  dataBlobs: number;
  treeBlobs: number;
  dataAdded: number;
  dataAddedPacked: number;
  durationMs: number;
}

export interface Snapshot {
  version: 1;
  time: string;
  host: string;
  username: string;
  paths: string[];
  tags: string[];
  parent: string | null;
  program: string;
  components: Component[];
  summary?: SnapshotSummary;
  incomplete?: { errors: { path: string; message: string }[] };
}

export interface SnapshotRef {
  id: string;
  snapshot: Snapshot;
}

export function filesComponent(s: Snapshot): FilesComponent | undefined {
  return s.components.find((c): c is FilesComponent => c.kind === 'files');
}

/** Newest first, ties broken by ID so the order is total. */
export function sortNewestFirst(list: SnapshotRef[]): SnapshotRef[] {
  return [...list].sort((a, b) => (a.snapshot.time < b.snapshot.time ? 1 : a.snapshot.time > b.snapshot.time ? -1 : a.id < b.id ? 1 : -1));
}

export function samePaths(a: string[], b: string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
