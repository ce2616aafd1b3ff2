// Turns measured results into rows checked against strongbox's performance targets, and renders them as markdown.
// Pure: no I/O, so the table is easy to test and to regenerate from results.json.
import type { ContenderName } from './contenders.js';
import type { Phase, Results, ToolResult } from './measure.js';

export interface Row {
  measure: string;
  values: Partial<Record<ContenderName, number>>;
  /** The peer strongbox is compared with, and the highest ratio strongbox may reach; absent for info rows. */
  target?: { versus: ContenderName; max: number };
  ratio?: number;
  met?: boolean;
}

type Picker = (r: ToolResult) => number | undefined;
const seconds =
  (p: (r: ToolResult) => Phase | undefined): Picker =>
  (r) =>
    p(r)?.seconds;
const rssMiB =
  (p: (r: ToolResult) => Phase | undefined): Picker =>
  (r) => {
    const kb = p(r)?.peakRssKb;
    return kb === undefined ? undefined : kb / 1024;
  };

const MEASURES: { measure: string; pick: Picker; targets: { versus: ContenderName; max: number }[] }[] = [
  {
    measure: 'full backup (s)',
    pick: seconds((r) => r.full),
    targets: [
      { versus: 'restic', max: 0.5 },
      { versus: 'tar+zstd', max: 1.3 },
    ],
  },
  { measure: 'no-change backup (s)', pick: seconds((r) => r.noChange), targets: [{ versus: 'restic', max: 0.25 }] },
  { measure: 'restore (s)', pick: seconds((r) => r.restore), targets: [{ versus: 'restic', max: 0.5 }] },
  {
    measure: 'repository size (MiB)',
    pick: (r) => (r.repoBytes === undefined ? undefined : r.repoBytes / 2 ** 20),
    targets: [{ versus: 'restic', max: 1.05 }],
  },
  { measure: 'peak RSS, full backup (MiB)', pick: rssMiB((r) => r.full), targets: [] },
  { measure: 'peak RSS, no-change (MiB)', pick: rssMiB((r) => r.noChange), targets: [] },
  { measure: 'peak RSS, restore (MiB)', pick: rssMiB((r) => r.restore), targets: [] },
];

const TOOLS: ContenderName[] = ['strongbox', 'restic', 'tar+zstd'];

/** One row per measure and target; a ratio and verdict only where both strongbox and the peer were measured. */
export function buildRows(results: Results): Row[] {
  const rows: Row[] = [];
  for (const m of MEASURES) {
    const values: Row['values'] = {};
    for (const t of TOOLS) {
      const r = results[t];
      const v = r ? m.pick(r) : undefined;
      if (v !== undefined) values[t] = v;
    }
    if (m.targets.length === 0) rows.push({ measure: m.measure, values });
    for (const target of m.targets) {
      const ours = values.strongbox;
      const theirs = values[target.versus];
      const ratio = ours !== undefined && theirs ? ours / theirs : undefined;
      rows.push({
        measure: m.measure,
        values,
        target,
        ratio,
        met: ratio === undefined ? undefined : ratio <= target.max,
      });
    }
  }
  return rows;
}

const cell = (v: number | undefined): string => (v === undefined ? '—' : v.toFixed(v < 10 ? 2 : 1));

export function toMarkdown(rows: Row[]): string {
  const lines = [
    '| measure | strongbox | restic | tar+zstd | ratio | target | met? |',
    '|---|---:|---:|---:|---:|---|---|',
  ];
  for (const r of rows) {
    const ratio = r.ratio === undefined || !r.target ? '—' : `${r.ratio.toFixed(2)}× ${r.target.versus}`;
    const target = r.target ? `≤ ${r.target.max}× ${r.target.versus}` : '—';
    const met = !r.target ? '—' : r.met === undefined ? 'n/a' : r.met ? 'yes' : '**NO**';
    lines.push(`| ${r.measure} | ${TOOLS.map((t) => cell(r.values[t])).join(' | ')} | ${ratio} | ${target} | ${met} |`);
  }
  return lines.join('\n') + '\n';
}
