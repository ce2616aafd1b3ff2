// The daemon's monitoring endpoint: an HTTP listener (loopback by default) with /healthz and Prometheus
// /metrics (prom-client, loaded only when `daemon.metrics` is configured): per app and periodicity the last
// success, the last run's duration and added bytes, runs by outcome, and whether it is overdue; each repository's size
// and whether a mirror of it is degraded.
import { Hono } from 'hono';
import type { RunRecord } from '../history/journal.js';
import { type Listener, listen } from '../server/listen.js';

export interface Metrics {
  observe(run: RunRecord): void;
  /** The last success, duration and bytes of each job from the history (the counters start at zero). */
  restore(runs: RunRecord[]): void;
  setOverdue(app: string, periodicity: string, overdue: boolean): void;
  setRepositorySize(repository: string, bytes: number): void;
  /** 1 after a backup some mirror missed, 0 again once a sync brought every mirror up to date. */
  setMirrorDegraded(repository: string, degraded: boolean): void;
  render(): Promise<{ contentType: string; body: string }>;
}

export async function createMetrics(): Promise<Metrics> {
  const { Counter, Gauge, Registry } = await import('prom-client');
  const registry = new Registry();
  const labelNames = ['app', 'periodicity'] as const;
  const lastSuccess = new Gauge({
    name: 'strongbox_last_success_timestamp_seconds',
    help: 'When the last successful backup ended (Unix time)',
    labelNames,
    registers: [registry],
  });
  const duration = new Gauge({
    name: 'strongbox_last_run_duration_seconds',
    help: 'How long the last backup run took',
    labelNames,
    registers: [registry],
  });
  const added = new Gauge({
    name: 'strongbox_last_run_added_bytes',
    help: 'Bytes the last backup run added to the repository',
    labelNames,
    registers: [registry],
  });
  const runs = new Counter({
    name: 'strongbox_runs_total',
    help: 'Backup runs by outcome since the daemon started',
    labelNames: [...labelNames, 'outcome'],
    registers: [registry],
  });
  const overdue = new Gauge({
    name: 'strongbox_overdue',
    help: "1 when the periodicity's newest snapshot is older than allowed (or missing)",
    labelNames,
    registers: [registry],
  });
  const size = new Gauge({
    name: 'strongbox_repository_size_bytes',
    help: "What the repository's packs take in storage",
    labelNames: ['repository'],
    registers: [registry],
  });
  const degraded = new Gauge({
    name: 'strongbox_mirror_degraded',
    help: "1 when a mirror of the repository missed a backup's objects and no sync has caught it up yet",
    labelNames: ['repository'],
    registers: [registry],
  });
  // A skipped run (its slot taken by another host) is counted, and leaves the last run's gauges as they were.
  const last = (r: RunRecord) => {
    if (r.outcome === 'skipped') return;
    const l = { app: r.app, periodicity: r.periodicity };
    duration.set(l, r.durationMs / 1000);
    if (r.bytes) added.set(l, r.bytes.added);
    if (r.outcome === 'ok' || r.outcome === 'incomplete' || r.outcome === 'hook-failed')
      lastSuccess.set(l, Date.parse(r.endedAt) / 1000);
  };
  return {
    observe(r) {
      last(r);
      runs.inc({ app: r.app, periodicity: r.periodicity, outcome: r.outcome });
    },
    restore: (list) => list.forEach(last),
    setOverdue: (app, periodicity, o) => overdue.set({ app, periodicity }, o ? 1 : 0),
    setRepositorySize: (repository, bytes) => size.set({ repository }, bytes),
    setMirrorDegraded: (repository, d) => degraded.set({ repository }, d ? 1 : 0),
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}

export type { Listener };

/**
 * GET /healthz (JSON from `health`) and GET /metrics on `app`: on their own listener (`daemon.metrics`), or beside
 * the API on the daemon's one HTTP listener (`daemon.http`).
 */
export function monitoringRoutes(
  app: Hono<any>,
  metrics: Metrics | undefined,
  health: () => Record<string, unknown>,
): void {
  app.get('/healthz', (c) => c.json({ status: 'ok', ...health() }));
  if (!metrics) return;
  app.get('/metrics', async (c) => {
    try {
      const { contentType, body } = await metrics.render();
      return c.body(body, 200, { 'content-type': contentType });
    } catch (e) {
      return c.text(`metrics failed: ${(e as Error).message}\n`, 500);
    }
  });
}

/** Listens on HOST:PORT for GET /healthz and GET /metrics alone; anything else is 404. */
export async function serveMetrics(
  at: string,
  metrics: Metrics,
  health: () => Record<string, unknown>,
): Promise<Listener> {
  const app = new Hono();
  monitoringRoutes(app, metrics, health);
  app.notFound((c) => c.text('not found: try /healthz or /metrics\n', 404));
  return listen(app.fetch, at);
}
