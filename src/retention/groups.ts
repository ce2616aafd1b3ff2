// Which snapshots retention looks at together, and under which policy: per app, its scheduled, on-demand
// and shutdown snapshots are three groups with their own policies (split further by what the snapshots hold,
// so partial `--only` backups and full ones are kept apart); snapshots without an app are grouped by
// host and paths and need rules given as flags. Pure: the forget command applies the result.
import type { AppConfig } from '../config/schema.js';
import { recordedTrigger, type SnapshotRef, type Trigger } from '../repository/snapshot.js';
import { written } from '../repository/write-order.js';
import { aheadOf } from '../util/time.js';
import { type Decision, planRetention } from './plan.js';
import {
  DEFAULT_ON_DEMAND,
  DEFAULT_SHUTDOWN,
  defaultScheduledPolicy,
  describePolicy,
  isEmptyPolicy,
  type Policy,
} from './policy.js';

export interface GroupPlan {
  /** "app shop, scheduled" or "host web-1, paths /var/www". */
  name: string;
  app?: string;
  trigger?: Trigger;
  policy: Policy | null;
  timeZone: string;
  /**
   * Newest first; without a policy, every snapshot is kept with the label "no policy". `aheadMs`: how far
   * a snapshot's time is ahead of `now` when that is more than the clock tolerance (forget shows it).
   */
  decisions: (Decision & { ref: SnapshotRef; aheadMs?: number })[];
}

export interface ForgetInput {
  snapshots: SnapshotRef[];
  /** The config's apps, for their retention settings (an app the config lacks needs --keep-* flags). */
  apps: AppConfig[];
  /** Rules from the command line: they replace every group's policy. */
  flags?: Policy;
  now: number;
}

/**
 * What a snapshot holds ("database main + files web"): a `backup --only db` and a full backup are different
 * groups, so frequent partial backups never take the buckets that keep full ones.
 */
const contentsOf = (s: SnapshotRef): string =>
  (s.snapshot.components ?? [])
    .map((c) => `${c.kind === 'database' || c.kind === 'bucket' ? c.kind : 'files'} ${c.name}`)
    .sort()
    .join(' + ');

export function planForget(input: ForgetInput): GroupPlan[] {
  const groups = new Map<string, SnapshotRef[]>();
  for (const s of input.snapshots) {
    const key =
      s.snapshot.app !== undefined
        ? JSON.stringify(['app', s.snapshot.app, recordedTrigger(s.snapshot), contentsOf(s)])
        : JSON.stringify(['paths', s.snapshot.host, [...s.snapshot.paths].sort()]);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  // An app's trigger with one kind of contents keeps its short name; several are told apart by contents.
  const perTrigger = new Map<string, number>();
  for (const key of groups.keys()) {
    const k = JSON.parse(key) as unknown[];
    if (k[0] === 'app')
      perTrigger.set(JSON.stringify(k.slice(0, 3)), (perTrigger.get(JSON.stringify(k.slice(0, 3))) ?? 0) + 1);
  }
  const flags = input.flags && !isEmptyPolicy(input.flags) ? input.flags : undefined;
  const plans: GroupPlan[] = [];
  for (const [key, refs] of [...groups].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const k = JSON.parse(key) as ['app', string, Trigger, string] | ['paths', string, string[]];
    let policy: Policy | null;
    let timeZone = 'UTC';
    let name: string;
    if (k[0] === 'app') {
      const app = input.apps.find((a) => a.id === k[1]);
      timeZone = app?.retention.timeZone ?? 'UTC';
      // An app the config does not describe keeps everything unless rules are given: its own settings
      // may keep more than the defaults, and forgetting is not undone.
      policy = flags ?? (app ? appPolicy(app, k[2], refs) : null);
      name = `app ${k[1]}, ${k[2]}${(perTrigger.get(JSON.stringify(k.slice(0, 3))) ?? 1) > 1 ? `, ${k[3] || 'no components'}` : ''}`;
    } else {
      policy = flags ?? null;
      name = `host ${k[1]}, paths ${k[2].join(' ')}`;
    }
    const decisions = policy
      ? planRetention(
          refs.map((r) => ({ ...written(r), periodicity: r.snapshot.periodicity })),
          policy,
          input.now,
          timeZone,
        )
      : refs.map((r) => ({ id: r.id, time: Date.parse(r.snapshot.time), keep: true, label: 'no policy' }));
    const byId = new Map(refs.map((r) => [r.id, r]));
    plans.push({
      name,
      policy,
      timeZone,
      ...(k[0] === 'app' ? { app: k[1], trigger: k[2] } : {}),
      decisions: decisions
        .map((d) => {
          const ahead = aheadOf(d.time, input.now);
          return { ...d, ref: byId.get(d.id)!, ...(ahead ? { aheadMs: ahead } : {}) };
        })
        .sort((a, b) => b.time - a.time),
    });
  }
  return plans;
}

/** The app's configured policy for a trigger, else the defaults (hourly/bimonthly rules when the app takes them). */
export function appPolicy(app: AppConfig | undefined, trigger: Trigger, refs: SnapshotRef[]): Policy {
  const r = app?.retention;
  if (trigger === 'on-demand') return r?.onDemand ?? DEFAULT_ON_DEMAND;
  if (trigger === 'shutdown') return r?.shutdown ?? DEFAULT_SHUTDOWN;
  if (r?.scheduled) return r.scheduled;
  const takes = (p: 'hourly' | 'bimonthly') =>
    !!app?.periodicities.includes(p) || refs.some((s) => s.snapshot.periodicity === p);
  return defaultScheduledPolicy({ hourly: takes('hourly'), bimonthly: takes('bimonthly') });
}

export { describePolicy };
