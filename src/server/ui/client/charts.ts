// Browser side of an app's charts: backup size (total and added) and duration over time, drawn with uPlot (its
// script is loaded by the page from /assets/vendor) from the app's backup runs in the run history.
import type UPlot from 'uplot';
import { byId, bytes, duration, type RunView } from './common.js';

declare const uPlot: typeof UPlot;

const MIB = 1024 * 1024;

function width(el: HTMLElement): number {
  return Math.max(280, el.clientWidth - 8);
}

function chart(id: string, caption: string, series: UPlot.Series[], data: UPlot.AlignedData): void {
  const el = byId(id);
  el.replaceChildren();
  const plot = new uPlot(
    { width: width(el), height: 200, series: [{}, ...series], axes: [{}, { size: 60 }], legend: { show: true } },
    data,
    el,
  );
  byId(`${id.replace('-chart', '')}-cap`).textContent = caption;
  new ResizeObserver(() => plot.setSize({ width: width(el), height: 200 })).observe(el);
}

/** Draws both charts from the runs (newest first, as the API lists them); says so when there is nothing to draw. */
export function drawCharts(runs: RunView[]): void {
  const backups = runs
    .filter((r) => r.kind === 'backup' && r.state === 'ended' && r.bytes && r.durationMs !== undefined)
    .reverse();
  if (!backups.length || typeof uPlot === 'undefined') {
    byId('size-cap').textContent = 'Backup size: no finished backups yet';
    byId('duration-cap').textContent = 'Backup duration: no finished backups yet';
    return;
  }
  const t = backups.map((r) => Date.parse(r.startedAt) / 1000);
  const last = backups.at(-1)!;
  chart(
    'size-chart',
    `Backup size (MiB) over ${backups.length} backups; the newest ${bytes(last.bytes!.total)}, ${bytes(last.bytes!.added)} added`,
    [
      { label: 'total MiB', stroke: '#1f5fbf', width: 2, value: (_u, v) => (v === null ? '–' : v.toFixed(2)) },
      { label: 'added MiB', stroke: '#1a7f37', width: 2, value: (_u, v) => (v === null ? '–' : v.toFixed(2)) },
    ],
    [t, backups.map((r) => r.bytes!.total / MIB), backups.map((r) => r.bytes!.added / MIB)],
  );
  chart(
    'duration-chart',
    `Backup duration (s) over ${backups.length} backups; the newest ${duration(last.durationMs)}`,
    [{ label: 'seconds', stroke: '#b26b00', width: 2, value: (_u, v) => (v === null ? '–' : v.toFixed(1)) }],
    [t, backups.map((r) => r.durationMs! / 1000)],
  );
}
