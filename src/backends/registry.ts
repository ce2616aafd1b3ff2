// What a backend driver registers: its scheme, a zod schema for its options, and a factory that may import the
// driver lazily (dynamic import), so a large SDK loads only when a location of its scheme is opened.
import type * as z from 'zod';
import type { Backend } from './backend.js';

export interface OpenContext {
  /** The location as given, for messages. */
  location: string;
  /** Environment to read credentials and settings from (process.env unless a test injects one). */
  env: NodeJS.ProcessEnv;
  /**
   * The operation's signal: a backend that runs programs (git) kills them when it is aborted; remote backends (s3,
   * sftp) end their requests in flight at once (../abort.ts).
   */
  signal?: AbortSignal;
  /** Where a backend reports what it did that the user should know of (the git backend: a stale lock removed). */
  warn?: (message: string) => void;
}

export interface BackendDriver<Schema extends z.ZodType = z.ZodType> {
  /** The text before the first ":" of a location, e.g. "s3". */
  scheme: string;
  /** How a location of this scheme is written, for messages. */
  syntax: string;
  /** The repository's `options` in strongbox.yaml, checked before the driver is loaded. */
  options: Schema;
  /** Opens the backend; `rest` is the location after "scheme:". */
  open(rest: string, options: z.output<Schema>, ctx: OpenContext): Promise<Backend>;
}

/** Keeps each driver's options type tied to its own schema inside the registry's list. */
export function defineDriver<Schema extends z.ZodType>(driver: BackendDriver<Schema>): BackendDriver {
  return driver as unknown as BackendDriver;
}
