// The one conformance suite every database source runs: a source's own test file supplies a harness (how to
// seed, fingerprint and drop a database of its engine) and this suite checks the Source contract with it.

import { afterAll, afterEach, describe } from 'vitest';
import type { Source } from '../../src/sources/source.js';
import { dumpTests } from './source-dump.js';
import { drillTests } from './source-drill.js';
import { restoreTests } from './source-restore.js';

export interface SourceHarness {
  /** What the dump metadata must say: engine, format, tool (a pattern: e.g. mariadb-dump or mysqldump). */
  engine: string;
  format: string;
  tool: RegExp;
  rowCounts: 'exact' | 'estimate';
  /** True for engines behind a server: targetState and restore need the connection too. */
  server: boolean;
  /** A source whose configured database (a name, or a path for SQLite) is `db`. */
  open(db: string): Source;
  /** A source that cannot reach its database (a server on port 1, a file that is not there), and its password. */
  unreachable(): { source: Source; secret?: string };
  /** A target that does not exist yet; its name needs quoting (spaces, quotes) wherever it is used. */
  newTarget(): string;
  /**
   * Creates `target` holding at least a table `items` (integer `id` 1..200 as primary key, a nullable binary
   * `body` of a few KB, a nullable text `note`) and a second table; returns every table and its row count,
   * named as the dump metadata names them.
   */
  seed(target: string): Promise<Record<string, number>>;
  /** Creates `target` with nothing in it. */
  createEmpty(target: string): Promise<void>;
  /** Runs SQL that every engine understands in `target`. */
  exec(target: string, sql: string): Promise<void>;
  /** Everything `target` holds (schema, rows, sequences, routines, …) as one comparable string. */
  fingerprint(target: string): Promise<string>;
  /** Removes `target` if it exists. */
  drop(target: string): Promise<void>;
  /** What the dump metadata calls the database at `target` (its name, or the file name for SQLite). */
  metaDatabase(target: string): string;
  /** Whether a restore that fails midway leaves a non-empty target as it was (one transaction, or a file swap). */
  atomicRestore: boolean;
  /** Removes what the harness itself made (temporary directories); called once after the suite. */
  cleanup?(): Promise<void>;
  /**
   * Where the implementation breaks the contract today, with why. Each one turns its contract test into a
   * test named "known bug" that pins what happens now, so fixing the bug makes it fail and be removed.
   */
  knownBugs?: {
    /** Restoring over a non-empty target leaves objects the dump does not hold (and fails when they depend on dumped ones). */
    replaceKeepsObjectsNotInDump?: string;
    /** When the restore tool rejects its input and exits, the caller gets the EPIPE of writing to it, not the tool's error. */
    toolErrorLostToEpipe?: string;
  };
}

export interface SuiteOptions {
  /** Register the tests as skipped (the server is not reachable; servers.ts already said so loudly). */
  skip?: boolean;
}

/** What the test groups see: the harness, and targets that are dropped after each test. */
export interface SourceSuiteContext {
  h: SourceHarness;
  /** A fresh target, dropped after the test. */
  target(): string;
  /** A seeded database, its tables and a source configured for it (dropped after the test). */
  seeded(): Promise<{ db: string; tables: Record<string, number>; source: Source }>;
}

/**
 * Register the source contract tests under `describe(name)`. Contract points pinned down beyond source.ts:
 * - restore replaces exactly: afterwards the target holds what the dump holds, nothing more;
 * - a restore whose input fails (a damaged backup) fails with that error, and where the engine allows it
 *   (one transaction, a file swap) leaves the target as it was;
 * - every failure is a StrongboxError naming the component (its label), never its password;
 * - a dump stream is read once; a new dump() is a new dump of the contents of that moment.
 */
export function sourceConformanceSuite(name: string, h: SourceHarness, opts: SuiteOptions = {}): void {
  describe.skipIf(opts.skip)(`source conformance: ${name}`, () => {
    const made: string[] = [];
    const target = (): string => {
      const t = h.newTarget();
      made.push(t);
      return t;
    };
    const ctx: SourceSuiteContext = {
      h,
      target,
      async seeded() {
        const db = target();
        const tables = await h.seed(db);
        return { db, tables, source: h.open(db) };
      },
    };

    afterEach(async () => {
      for (const t of made.splice(0)) await h.drop(t);
    });
    afterAll(async () => h.cleanup?.());

    dumpTests(ctx);
    restoreTests(ctx);
    drillTests(ctx);
  });
}
