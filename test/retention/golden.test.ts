// The retention engine against borg prune 1.2: each golden file (written by scripts/retention-golden/generate.sh,
// which runs borg on generated timelines) must be kept exactly as borg keeps it, plus the newest snapshot.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type Decision, type Item, planRetention } from '../../src/retention/plan.js';
import type { Policy } from '../../src/retention/policy.js';
import { isoUtc, localTime } from './support.js';

interface Fixture {
  name: string;
  about: string;
  timeZone: string;
  now: number;
  policy: Policy;
  borgVersion: string;
  borgCommand: string;
  /** IDs borg keeps, as its --list shows them (newest first). */
  borgKept: string[];
  /** borg's reason for each kept archive: "daily #3", "weekly[oldest] #5", "within #1", "secondly #2" (keep-last). */
  borgReasons: Record<string, string>;
  snapshots: Item[];
}

const DIR = fileURLToPath(new URL('./fixtures', import.meta.url));
const fixtures: Fixture[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => fromBorg(JSON.parse(readFileSync(join(DIR, f), 'utf8'))));

/** The fixture's policy in strongbox's duration grammar: borg writes a month (31 days) as "m", strongbox as "mo". */
function fromBorg(f: Fixture): Fixture {
  const within = f.policy.within?.replace(/^(\d+)m$/, '$1mo');
  return within === undefined ? f : { ...f, policy: { ...f.policy, within } };
}

/** The engine's reason in borg's words: borg calls keep-last "secondly" and marks the oldest keep "[oldest]". */
function asBorgReason(d: Decision): string {
  return `${d.rule === 'last' ? 'secondly' : d.rule}${d.oldest ? '[oldest]' : ''} #${d.n}`;
}

function newestOf(items: Item[]): Item {
  return items.reduce((a, b) => (b.time > a.time || (b.time === a.time && b.id > a.id) ? b : a));
}

/** One line per snapshot the engine and borg disagree on, with its times and both verdicts. */
function differences(f: Fixture, plan: Decision[]): string[] {
  const expected = new Set([...f.borgKept, newestOf(f.snapshots).id]);
  return plan
    .filter((d) => d.keep !== expected.has(d.id))
    .map((d) => {
      const borg = f.borgReasons[d.id] ?? (expected.has(d.id) ? 'prune, but it is the newest: keep' : 'prune');
      const when =
        f.timeZone === 'UTC' ? isoUtc(d.time) : `${isoUtc(d.time)} (${localTime(d.time, f.timeZone)} ${f.timeZone})`;
      return `${d.id} at ${when}: engine ${d.keep ? `keeps (${d.label})` : 'removes'}, borg ${borg}`;
    });
}

describe('retention matches borg prune', () => {
  it('has golden files from borg 1.2 covering time zones, keep-within, keep-last and the oldest-snapshot rule', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
    expect(new Set(fixtures.map((f) => f.borgVersion.replace(/\.\d+$/, '')))).toEqual(new Set(['1.2']));
    const reasons = fixtures.flatMap((f) => Object.values(f.borgReasons));
    for (const r of [
      'within #',
      'secondly #',
      'hourly #',
      'daily #',
      'weekly #',
      'monthly #',
      'yearly #',
      '[oldest]',
    ]) {
      expect(
        reasons.some((x) => x.includes(r)),
        `some archive kept as ${r}`,
      ).toBe(true);
    }
    for (const zone of ['Europe/London', 'America/New_York'])
      expect(fixtures.some((f) => f.timeZone === zone)).toBe(true);
    expect(
      fixtures.some((f) => !f.borgKept.includes(newestOf(f.snapshots).id)),
      'a case where borg drops the newest',
    ).toBe(true);
  });

  describe.each(fixtures)('$name', (f) => {
    const plan = () => planRetention(f.snapshots, f.policy, f.now, f.timeZone);

    it('keeps what borg keeps, and the newest snapshot', () => {
      expect(differences(f, plan()), `${f.about}\n${f.borgCommand}`).toEqual([]);
    });

    it('gives each snapshot borg keeps the rule and place borg gives it', () => {
      const engine = Object.fromEntries(
        plan()
          .filter((d) => d.keep && d.rule !== 'newest')
          .map((d) => [d.id, asBorgReason(d)]),
      );
      expect(engine, `${f.about}\n${f.borgCommand}`).toEqual(f.borgReasons);
    });
  });
});
