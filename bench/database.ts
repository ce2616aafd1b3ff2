// The database section of `npm run bench`: a generated PostgreSQL database (~650 MB of plain dump), backed up
// by strongbox and dumped by pg_dump in the same run. Targets (issue 3): backup ≤ 0.5× `pg_dump -Fc` to a file,
// ≤ 1.3× `pg_dump -Fc --compress=0 > /dev/null`; a second backup of the unchanged database adds ≤ 5% of the
// first one's stored bytes. A restore into a new database is timed and its row counts compared.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarize } from './measure.js';
import { diskBytes, run, timed, type Timing } from './tools.js';

export interface DbRow {
  measure: string;
  strongbox?: number;
  peer?: number;
  peerName?: string;
  max?: number;
  ratio?: number;
  met?: boolean;
}

interface DbContext {
  work: string;
  strongbox: string[];
  password: string;
  runs: number;
  sizeMb: number;
  log(l: string): void;
}

export const PG = [
  '-h',
  '127.0.0.1',
  '-p',
  process.env.BENCH_PGPORT ?? '5432',
  '-U',
  process.env.BENCH_PGUSER ?? 'postgres',
];
const psql = (db: string, sql: string): string =>
  execFileSync('psql', ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', ...PG, '-d', db, '-c', sql], {
    encoding: 'utf8',
  }).trim();

/** Per-row plain-dump sizes measured on this generator (bytes), to scale the tables to the wanted size. */
const ROW_BYTES = { customers: 145, orders: 64, posts: 676, attachments: 8200 };
const SHARE = { customers: 0.17, orders: 0.22, posts: 0.38, attachments: 0.23 };

/** The generated database of `sizeMb` MB of plain dump (kept between runs, shared by the db and cancel sections). */
export const benchDatabaseName = (sizeMb: number): string => `strongbox_bench_${sizeMb}`;

/** The config line of the bench database, as an app's `databases:` entry. */
export const benchDatabaseYaml = (db: string): string =>
  `      - { name: main, engine: postgres, host: 127.0.0.1, port: ${PG[3]}, user: ${PG[5]}, database: ${db} }`;

/**
 * Creates the benchmark database unless one of the same size already exists (generation takes ~30 s); returns
 * its plain-dump size in bytes.
 */
export function ensureDatabase(ctx: Pick<DbContext, 'sizeMb' | 'log'>, db: string): number {
  const exists = psql('postgres', `SELECT count(*) FROM pg_database WHERE datname = '${db}'`) === '1';
  if (exists && psql(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'attachments'") === '1') {
    ctx.log(`reusing database ${db}`);
  } else {
    if (exists) psql('postgres', `DROP DATABASE ${db}`);
    psql('postgres', `CREATE DATABASE ${db}`);
    const vars = Object.entries(SHARE).flatMap(([t, share]) => [
      '-v',
      `${t}=${Math.max(1, Math.round((ctx.sizeMb * 1e6 * share) / ROW_BYTES[t as keyof typeof ROW_BYTES]))}`,
    ]);
    const t = performance.now();
    const sql = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'generate-database.sql');
    execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...PG, '-d', db, ...vars, '-f', sql], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    ctx.log(`generated database ${db} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const plain = Number(
    execFileSync('sh', ['-c', `pg_dump ${PG.join(' ')} --format=plain ${db} | wc -c`], { encoding: 'utf8' }).trim(),
  );
  ctx.log(`plain dump size: ${(plain / 1e6).toFixed(0)} MB`);
  return plain;
}

const counts = (db: string) =>
  psql(
    db,
    "SELECT string_agg(t || '=' || n, ',' ORDER BY t) FROM (SELECT 'customers' t, count(*) n FROM customers UNION ALL SELECT 'orders', count(*) FROM orders UNION ALL SELECT 'posts', count(*) FROM posts UNION ALL SELECT 'attachments', count(*) FROM attachments) x",
  );

export async function databaseSection(
  ctx: DbContext,
): Promise<{ rows: DbRow[]; plainBytes: number; runs: Record<string, Timing[]> }> {
  const db = benchDatabaseName(ctx.sizeMb);
  const dir = join(ctx.work, 'db');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const plainBytes = ensureDatabase(ctx, db);
  const config = join(dir, 'strongbox.yaml');
  const repoOf = (i: number) => join(dir, `repo-${i}`);
  const writeConfig = (repo: string) =>
    writeFileSync(
      config,
      [
        'repositories:',
        '  bench:',
        `    location: ${repo}`,
        'apps:',
        '  - id: bench-db',
        '    repository: bench',
        '    databases:',
        benchDatabaseYaml(db),
        '',
      ].join('\n'),
    );
  const env = { STRONGBOX_PASSWORD: ctx.password };
  const sb = (args: string[]) => ({ argv: [...ctx.strongbox, '-c', config, ...args], env });
  const runs: Record<string, Timing[]> = { pgDumpFc: [], pgDumpFc0: [], full: [], second: [] };
  const stored: { first: number[]; added: number[] } = { first: [], added: [] };
  for (let i = 1; i <= ctx.runs; i++) {
    const log = (n: string) => join(dir, 'logs', `${n}-${i}.log`);
    const file = join(dir, 'dump.pgcustom');
    const order = [
      async () => {
        runs.pgDumpFc.push(
          await timed({ argv: ['pg_dump', ...PG, '--format=custom', '-f', file, db] }, log('pg_dump-Fc')),
        );
        rmSync(file);
      },
      async () => {
        runs.pgDumpFc0.push(
          await timed(
            { argv: ['sh', '-c', `pg_dump ${PG.join(' ')} --format=custom --compress=0 ${db} > /dev/null`] },
            log('pg_dump-Fc0'),
          ),
        );
      },
      async () => {
        writeConfig(repoOf(i));
        await run({ argv: [...ctx.strongbox, '-r', repoOf(i), 'init', '-q'], env }, log('init'));
        runs.full.push(await timed(sb(['backup', '--app', 'bench-db', '-q']), log('strongbox-full')));
        const first = diskBytes(repoOf(i));
        runs.second.push(await timed(sb(['backup', '--app', 'bench-db', '-q']), log('strongbox-second')));
        stored.first.push(first);
        stored.added.push(diskBytes(repoOf(i)) - first);
      },
    ];
    for (let k = 0; k < order.length; k++) await order[(k + i - 1) % order.length]();
    ctx.log(
      `  db run ${i}/${ctx.runs}: pg_dump -Fc ${runs.pgDumpFc.at(-1)!.seconds.toFixed(2)} s, pg_dump -Fc -Z0 >/dev/null ${runs.pgDumpFc0.at(-1)!.seconds.toFixed(2)} s,` +
        ` strongbox ${runs.full.at(-1)!.seconds.toFixed(2)} s (second ${runs.second.at(-1)!.seconds.toFixed(2)} s, +${stored.added.at(-1)} bytes)`,
    );
  }
  // Restore once into a new database, and compare row counts with the source.
  const target = `${db}_restored`;
  psql('postgres', `DROP DATABASE IF EXISTS ${target}`);
  const restore = await timed(
    sb(['restore', 'latest', '--app', 'bench-db', '--target-db', target, '-q']),
    join(dir, 'logs', 'strongbox-restore.log'),
  );
  const same = counts(db) === counts(target);
  psql('postgres', `DROP DATABASE ${target}`);
  if (!same) throw new Error(`the restored database ${target} has other row counts than ${db}`);
  ctx.log(`  strongbox restore into a new database: ${restore.seconds.toFixed(2)} s, row counts equal`);
  if (process.env.BENCH_KEEP !== '1') rmSync(dir, { recursive: true, force: true });

  const med = (t: Timing[]) => summarize(t).seconds;
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const ratioRow = (measure: string, ours: number, peer: number, peerName: string, max: number): DbRow => ({
    measure,
    strongbox: ours,
    peer,
    peerName,
    max,
    ratio: ours / peer,
    met: ours / peer <= max,
  });
  const rows: DbRow[] = [
    ratioRow('db backup (s)', med(runs.full), med(runs.pgDumpFc), 'pg_dump -Fc > file', 0.5),
    ratioRow('db backup (s)', med(runs.full), med(runs.pgDumpFc0), 'pg_dump -Fc -Z0 > /dev/null', 1.3),
    ratioRow(
      'second backup, stored bytes added',
      median(stored.added),
      median(stored.first),
      'first backup stored bytes',
      0.05,
    ),
    { measure: 'second backup (s)', strongbox: med(runs.second) },
    { measure: 'restore into a new database (s)', strongbox: restore.seconds },
    { measure: 'peak RSS, db backup (MiB)', strongbox: summarize(runs.full).peakRssKb / 1024 },
  ];
  return { rows, plainBytes, runs };
}

export function dbMarkdown(rows: DbRow[]): string {
  const n = (v?: number) => (v === undefined ? '—' : v >= 1e5 ? v.toExponential(3) : v.toFixed(v < 10 ? 2 : 1));
  const lines = [
    '| measure | strongbox | peer | peer value | ratio | target | met? |',
    '|---|---:|---|---:|---:|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.measure} | ${n(r.strongbox)} | ${r.peerName ?? '—'} | ${n(r.peer)} | ${r.ratio === undefined ? '—' : `${r.ratio.toFixed(3)}×`} | ${r.max === undefined ? '—' : `≤ ${r.max}×`} | ${r.met === undefined ? '—' : r.met ? 'yes' : '**NO**'} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
