// Messages between the archiver (main thread) and its file-processing workers. Sealed chunks do not travel
// in the messages: each worker writes them into a shared ring (see worker.ts) and posts their places in it.

export interface WorkerInit {
  encKey: Uint8Array;
  idKey: Uint8Array;
  chunkerSeed: Uint8Array;
  chunker: { min: number; avg: number; max: number };
  /** One Int32: bytes of the worker's ring reserved by it and not yet released by the main thread. */
  ringUsed: SharedArrayBuffer;
}

export interface FileJob {
  fid: number;
  /** A string, or the raw bytes of a path that is not UTF-8 (a Buffer arrives as a Uint8Array). */
  path: string | Uint8Array;
}

/** A chunk as the main thread sees it: views of the ring, valid only until its message is released. */
export interface ChunkResult {
  id: Uint8Array;
  sealed: Uint8Array;
  rawLength: number;
  compressed: boolean;
}

/** A chunk on the wire: the blob ID (ID_LEN bytes) at `at` in the ring, its sealed bytes right after. */
export interface RingChunk {
  at: number;
  length: number;
  rawLength: number;
  compressed: boolean;
}

export const ID_LEN = 32;

/** Results for one file; a large file arrives in several parts, the last with `done`. */
export interface FilePart {
  fid: number;
  chunks: RingChunk[];
  done: boolean;
  size?: number;
  error?: string;
}

export type ToWorker = { t: 'jobs'; jobs: FileJob[] } | { t: 'exit' };
/**
 * `bytes`: ring bytes the main thread releases once it has taken every chunk of the message. `ring`: the worker's
 * ring from this message on (its first, or a larger one: a worker replaces its ring only when all of it is released).
 */
export type FromWorker = { t: 'parts'; parts: FilePart[]; bytes: number; ring?: SharedArrayBuffer };
