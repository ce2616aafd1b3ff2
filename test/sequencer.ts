// The order test files start in. Two forks take files from one queue, so a long file that starts last runs alone
// while the other fork idles. Vitest orders by the durations of the previous run, kept in node_modules (so a fresh
// clone, as in CI, has none) and otherwise by file size, which puts some of the longest files (a few lines calling
// a long suite) near the end. The files below took a minute or more each: they start first, in this order.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const LONGEST = [
  'test/e2e/memory.test.ts',
  'test/sources/bucket.test.ts',
  'test/backends/git.test.ts',
  'test/e2e/git.test.ts',
  'test/e2e/mirror.test.ts',
  'test/sources/postgres.test.ts',
  'test/e2e/prune-kill.test.ts',
  'test/e2e/s3.test.ts',
  'test/e2e/prune-concurrency.test.ts',
];

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = LONGEST.findIndex((p) => f.moduleId.endsWith(`/${p}`));
      return i < 0 ? LONGEST.length : i;
    };
    // Array sort is stable: the rest keep vitest's own order.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}
