// What the API shows of apps and snapshots (pure): an app's health per periodicity with its next scheduled run
// and sizes; a snapshot with its trigger, note, components, sizes and a label such as "daily 3/7" (its place
// among the app's snapshots of that periodicity, of the number its retention policy keeps).
import type { AppConfig } from '../config/schema.js';
import { appPolicy } from '../retention/groups.js';
import type { Policy } from '../retention/policy.js';
import { recordedTrigger, type SnapshotRef, TIME_PERIODICITIES } from '../repository/snapshot.js';
import { sortNewestWritten } from '../repository/write-order.js';
import { componentSummary } from '../ops/snapshots.js';
import type { AppStatus } from '../status/status.js';

export function appView(app: AppConfig, st: AppStatus, next: (periodicity: string) => number | null) {
  return {
    id: app.id,
    repository: app.repository,
    periodicities: [...app.periodicities],
    healthy: st.healthy,
    problems: st.problems,
    databases: app.databases.map((d) => ({ name: d.name, engine: d.engine })),
    files: app.files.map((f) => ({ name: f.name, path: f.path })),
    health: st.periodicities.map((p) => {
      const at = next(p.periodicity);
      return {
        periodicity: p.periodicity,
        scheduled: p.scheduled,
        state: p.state,
        count: p.count,
        next: at === null ? null : new Date(at).toISOString(),
        newest: p.newest ?? null,
      };
    }),
  };
}

/** How many of a periodicity's snapshots the policy keeps by its count rule, or undefined. */
function keptCount(policy: Policy, periodicity: string): number | undefined {
  if ((TIME_PERIODICITIES as string[]).includes(periodicity)) return policy[periodicity as keyof Policy] as number;
  return policy.within ? undefined : policy.last;
}

/** The app's snapshots, newest first, with their labels (computed over all of them, before any filter). */
export function snapshotViews(app: AppConfig | undefined, refs: SnapshotRef[], now: number) {
  const newest = sortNewestWritten(refs, now);
  const rank = new Map<string, number>();
  const seen = new Map<string, number>();
  for (const r of newest) {
    const p = r.snapshot.periodicity ?? 'manual';
    seen.set(p, (seen.get(p) ?? 0) + 1);
    rank.set(r.id, seen.get(p)!);
  }
  return newest.map((r) => {
    const s = r.snapshot;
    const p = s.periodicity ?? 'manual';
    const trigger = recordedTrigger(s);
    const kept = keptCount(appPolicy(app, trigger, refs), p);
    const sum = s.summary;
    return {
      id: r.id,
      time: s.time,
      host: s.host,
      app: s.app ?? null,
      periodicity: p,
      trigger,
      note: s.note ?? null,
      label: `${p} ${rank.get(r.id)}${kept !== undefined ? `/${kept}` : ''}`,
      incomplete: !!s.incomplete,
      components: s.components.map(componentSummary),
      bytes: (sum?.bytes ?? 0) + (sum?.databaseBytes ?? 0),
      added: sum?.dataAdded ?? 0,
      stored: sum?.dataAddedPacked ?? 0,
    };
  });
}
