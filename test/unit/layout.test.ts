// One home for tests: under test/ (unit tests in test/unit, mirroring src/), never beside the code, where vitest
// would not look for them (vitest.config.ts includes test/ and bench/ only) and the build would ship them.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../e2e/helpers.js';

it('src/ holds no test files', () => {
  const tests = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) =>
    /\.(test|spec)\.[cm]?[jt]s$/.test(f),
  );
  expect(tests).toEqual([]);
});
