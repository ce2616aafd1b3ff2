// Browser side of an app's charts: backup size (total and added) and duration over time, drawn with uPlot (its
// script is loaded by the page from /assets/vendor) from the app's backup runs in the run history.
import type UPlot from 'uplot';
import { byId, bytes, duration, type RunView } from './common.js';

declare const uPlot: typeof UPlot;

function width(el: HTMLElement): number {
  return Math.max(280, el.clientWidth - 8);
}

function chart(
  id: string,
  caption: string,
  series: UPlot.Series[],
  data: UPlot.AlignedData,
  format: (v: number) => string,
): void {
  const el = byId(id);
  el.replaceChildren();
  const plot = new uPlot(
    {
      width: width(el),
      height: 200,
      // One point alone gets an hour on either side, not years.
      scales: { x: { time: true, range: (_u, min, max) => (min === max ? [min - 3600, max + 3600] : [min, max]) } },
      series: [
        {},
        ...series.map((s) => ({ ...s, value: (_u: UPlot, v: number | null) => (v === null ? '–' : format(v)) })),
      ],
      axes: [{}, { size: 70, values: (_u, splits) => splits.map(format) }],
    },
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
    `Backup size over ${backups.length} backups; the newest ${bytes(last.bytes!.total)}, ${bytes(last.bytes!.added)} added`,
    [
      { label: 'total', stroke: '#1f5fbf', width: 2 },
      { label: 'added', stroke: '#1a7f37', width: 2 },
    ],
    [t, backups.map((r) => r.bytes!.total), backups.map((r) => r.bytes!.added)],
    bytes,
  );
  chart(
    'duration-chart',
    `Backup duration over ${backups.length} backups; the newest ${duration(last.durationMs)}`,
    [{ label: 'duration', stroke: '#b26b00', width: 2 }],
    [t, backups.map((r) => r.durationMs! / 1000)],
    (v) => duration(v * 1000),
  );
}
