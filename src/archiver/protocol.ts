// Messages between the archiver (main thread) and its file-processing workers.

export interface WorkerInit {
  encKey: Uint8Array;
  idKey: Uint8Array;
  chunkerSeed: Uint8Array;
  chunker: { min: number; avg: number; max: number };
  /** Shared counter of result bytes posted but not yet consumed by the main thread (backpressure). */
  inflight: SharedArrayBuffer;
  inflightLimit: number;
}

export interface FileJob {
  fid: number;
  /** A string, or the raw bytes of a path that is not UTF-8 (a Buffer arrives as a Uint8Array). */
  path: string | Uint8Array;
}

export interface ChunkResult {
  id: Uint8Array;
  sealed: Uint8Array;
  rawLength: number;
  compressed: boolean;
}

/** Results for one file; a large file arrives in several parts, the last with `done`. */
export interface FilePart {
  fid: number;
  chunks: ChunkResult[];
  done: boolean;
  size?: number;
  error?: string;
}

export type ToWorker = { t: 'jobs'; jobs: FileJob[] } | { t: 'exit' };
export type FromWorker = { t: 'parts'; parts: FilePart[]; bytes: number };
