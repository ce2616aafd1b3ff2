// strongbox runs on Node.js 20 (package.json engines); the AWS SDK announced that its releases from 2027 on need
// Node.js 22. package.json pins @aws-sdk/client-s3 exactly; this fails when an upgrade brings in an SDK package
// (or one of its @smithy / @aws-crypto parts) that no longer declares support for Node.js 20.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../e2e/helpers.js';

/** The lowest Node.js major an engines range like ">=20.0.0" or ">= 18" admits; undefined for any other form. */
function lowestMajor(range: string): number | undefined {
  const m = /^>=\s*v?(\d+)(?:\.\d+){0,2}$/.exec(range.trim());
  return m ? Number(m[1]) : undefined;
}

describe('the AWS SDK and Node.js 20', () => {
  it('every installed @aws-sdk, @smithy and @aws-crypto package declares support for Node.js 20', () => {
    const bad: string[] = [];
    let seen = 0;
    for (const scope of ['@aws-sdk', '@smithy', '@aws-crypto']) {
      const dir = join(ROOT, 'node_modules', scope);
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir)) {
        const pkg = JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8')) as {
          version: string;
          engines?: { node?: string };
        };
        seen++;
        const range = pkg.engines?.node;
        if (range === undefined) continue;
        const major = lowestMajor(range);
        if (major === undefined || major > 20) bad.push(`${scope}/${name}@${pkg.version} (engines.node ${range})`);
      }
    }
    expect(seen).toBeGreaterThan(10);
    expect(bad).toEqual([]);
  });

  it('package.json pins @aws-sdk/client-s3 to one release', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies['@aws-sdk/client-s3']).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
