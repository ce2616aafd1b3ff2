// Deciding what to notify and sending it: a failed run (every time), the first good run after a failure (once),
// an overdue periodicity (once until it is fresh again), optionally every good run; Healthchecks-style pings for
// every run. A channel that fails is logged and never fails the backup. The last outcome of each job is taken
// from the run history at start, so a restart does not forget a failure it should report the recovery of.
import type { NotifyConfig } from '../config/daemon-schema.js';
import type { Config } from '../config/schema.js';
import type { HousekeepingRecord, RunRecord } from '../history/journal.js';
import { runCommand, sendEmail, sendWebhook } from './channels.js';
import { deliver, origin } from './http.js';
import {
  degradedNotification,
  housekeepingNotification,
  type Notification,
  type NotifyEventName,
  notificationText,
  overdueNotification,
  type OverdueFacts,
  runNotification,
} from './message.js';

export interface NotifyLog {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface NotifierDeps {
  config: () => Config;
  log: NotifyLog;
  env: NodeJS.ProcessEnv;
  now: () => number;
  /** The first wait between webhook and ping tries (ms; default 1000). */
  backoffMs?: number;
}

type State = 'good' | 'bad';
const BAD = new Set(['failed', 'incomplete', 'hook-failed']);
const key = (app: string, p: string) => `${app}/${p}`;

export class Notifier {
  private readonly last = new Map<string, State>();
  private readonly overdue = new Set<string>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly d: NotifierDeps,
    history: RunRecord[] = [],
  ) {
    for (const r of history) this.remember(r);
  }

  private get cfg(): NotifyConfig | undefined {
    return this.d.config().daemon.notify;
  }

  /** A run began: start pings. */
  runStarted(app: string, periodicity: string): void {
    for (const p of this.pings(app, periodicity))
      this.track(`ping ${origin(p.url)}`, () => this.ping(`${p.url}/start`, ''));
  }

  /** A run ended: its pings, and a failure, recovery or success notification as configured. */
  runEnded(run: RunRecord): void {
    if (run.outcome === 'cancelled') return;
    const k = key(run.app, run.periodicity);
    const bad = BAD.has(run.outcome);
    const before = this.last.get(k);
    this.remember(run);
    const now = this.d.now();
    for (const p of this.pings(run.app, run.periodicity)) {
      this.track(`ping ${origin(p.url)}`, () =>
        this.ping(
          bad ? `${p.url}/fail` : p.url,
          notificationText(runNotification(bad ? 'failure' : 'success', run, now)).body,
        ),
      );
    }
    const event: NotifyEventName | null = bad ? 'failure' : before === 'bad' ? 'recovery' : 'success';
    if (this.wants(event)) this.send(runNotification(event, run, now));
  }

  /** A forget, prune or check ended: a failure is notified (when failures are), every time. */
  /** A backup some mirror missed: notified as a failure would be (the data is on fewer stores than configured). */
  mirrorDegraded(run: RunRecord, repository: string): void {
    if (this.wants('failure')) this.send(degradedNotification(run, repository, this.d.now()));
  }

  housekeepingEnded(r: HousekeepingRecord): void {
    if (r.outcome === 'failed' && this.wants('failure')) this.send(housekeepingNotification(r, this.d.now()));
  }

  /** The overdue check's findings for every scheduled job: notifies each newly overdue one once. */
  overdueChecked(facts: (OverdueFacts & { isOverdue: boolean })[]): void {
    for (const f of facts) {
      const k = key(f.app, f.periodicity);
      if (!f.isOverdue) {
        this.overdue.delete(k);
        continue;
      }
      if (this.overdue.has(k)) continue;
      this.overdue.add(k);
      if (this.wants('overdue')) this.send(overdueNotification(f, this.d.now()));
    }
  }

  /** Resolves when every notification under way has been delivered or given up. */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  /** A cancelled run, or one skipped because another host took its slot, says nothing of this host's backups. */
  private remember(r: RunRecord): void {
    if (r.outcome !== 'cancelled' && r.outcome !== 'skipped')
      this.last.set(key(r.app, r.periodicity), BAD.has(r.outcome) ? 'bad' : 'good');
  }

  private wants(e: NotifyEventName): boolean {
    return !!this.cfg?.on.includes(e);
  }

  private pings(app: string, periodicity: string) {
    return (this.cfg?.pings ?? []).filter(
      (p) => (p.app === undefined || p.app === app) && (p.periodicity === undefined || p.periodicity === periodicity),
    );
  }

  private ping(url: string, body: string): Promise<number> {
    return deliver({
      url,
      method: 'POST',
      body,
      timeoutMs: 10_000,
      retries: 2,
      backoffMs: this.d.backoffMs ?? 1000,
      headers: { 'content-type': 'text/plain' },
    });
  }

  private send(n: Notification): void {
    const c = this.cfg;
    if (!c) return;
    const mine = (x: { apps?: string[] }) => x.apps === undefined || (n.app !== null && x.apps.includes(n.app));
    this.d.log.info(`notifying ${n.event}: ${n.summary}`);
    for (const w of c.webhooks.filter(mine))
      this.track(`webhook ${origin(w.url)}`, () => sendWebhook(w, n, this.d.env, this.d.backoffMs ?? 1000));
    if (c.email && mine(c.email)) {
      const e = c.email;
      this.track(`e-mail to ${e.to.join(', ')}`, () => sendEmail(e, n, this.d.env));
    }
    for (const cmd of c.commands.filter(mine))
      this.track(`command "${cmd.run.split(' ')[0]}"`, () => runCommand(cmd, n, this.withheld()));
  }

  /** Every variable the config names as holding a secret: kept from notify commands. */
  private withheld(): string[] {
    const cfg = this.d.config();
    const names = [
      ...Object.values(cfg.repositories).map((r) => r.passwordEnv ?? 'STRONGBOX_PASSWORD'),
      ...cfg.apps.flatMap((a) =>
        a.databases.flatMap((d) => ('passwordEnv' in d && d.passwordEnv ? [d.passwordEnv] : [])),
      ),
      ...(this.cfg?.webhooks ?? []).flatMap((w) => (w.secretEnv ? [w.secretEnv] : [])),
      ...(this.cfg?.email?.passwordEnv ? [this.cfg.email.passwordEnv] : []),
    ];
    return [...new Set(names)];
  }

  private track(what: string, fn: () => Promise<unknown>): void {
    const p: Promise<void> = fn()
      .then(
        () => undefined,
        (e: unknown) =>
          this.d.log.warn(`notification via ${what} failed (the backup is not affected): ${(e as Error).message}`),
      )
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }
}
