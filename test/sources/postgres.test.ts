// PostgreSQL source against a real server: the source conformance suite, then content that dumps and
// restores often get wrong, restored into a different database and compared table by table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DumpMeta } from '../../src/sources/source.js';
import { openSource } from '../../src/sources/index.js';
import { sourceConformanceSuite } from '../conformance/source-suite.js';
import {
  pgConfig,
  pgDrop,
  pgIdent,
  pgLargeObjects,
  pgSchema,
  pgSequences,
  pgTableDigests,
  postgresHarness,
} from '../support/postgres-db.js';
import { haveServer, pgSql, uniqueDb } from '../support/servers.js';

const skip = !haveServer('postgres');

sourceConformanceSuite('postgres', postgresHarness(), { skip });

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const MiB = 1024 * 1024;

/** Everything below in one database: each statement is a kind of content a dump can lose or mangle. */
const TRICKY = `
  CREATE SCHEMA archive;
  CREATE TYPE mood AS ENUM ('sad', 'happy 😀');
  ALTER TYPE mood ADD VALUE 'meh' BEFORE 'happy 😀';  -- sorts between, though created last

  CREATE TABLE things (id serial PRIMARY KEY, name text, feeling mood, doc jsonb, tags text[], nums int[], raw bytea);
  INSERT INTO things (name, feeling, doc, tags, nums, raw) VALUES
    ('Zürich ＡＢＣ שלום 👩‍👩‍👧 e\u0301', 'happy 😀', '{"nested": {"deep": [1, 2.50, null, true, "é"]}, "emoji": "🦄", "quote": "\\"q\\""}',
     ARRAY['a', NULL, '', 'with,comma', 'quote"', 'back\\slash', '🦊'], ARRAY[1, NULL, -2147483648, 2147483647], '\\x${ALL_BYTES.toString('hex')}'),
    (NULL, 'meh', 'null', ARRAY[]::text[], NULL, ''::bytea),
    ('', 'sad', '[]', ARRAY[NULL]::text[], ARRAY[NULL]::int[], NULL),
    (E'tab\\tnewline\\ncarriage\\rbackslash\\\\', NULL, '{"": ""}', '{}', '{}', '\\x00');

  -- the same table name in a second schema, with other rows
  CREATE TABLE archive.things (id int PRIMARY KEY, name text NOT NULL, moved_at timestamptz);
  INSERT INTO archive.things VALUES (1, 'archived', '2024-02-29 23:59:59.999999+00'), (2, '', NULL);
  CREATE VIEW archive.summary AS SELECT feeling, count(*) AS n FROM public.things GROUP BY feeling;
  CREATE MATERIALIZED VIEW archive.moods AS SELECT DISTINCT feeling FROM public.things WHERE feeling IS NOT NULL;

  CREATE TABLE measurements (at date NOT NULL, v numeric) PARTITION BY RANGE (at);
  CREATE TABLE measurements_2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  INSERT INTO measurements VALUES ('2024-06-01', 1e-30), ('2024-06-02', 'NaN');

  -- a sequence far along (beyond 2^53 after a few steps), and one never called
  CREATE SEQUENCE archive.big_seq INCREMENT BY 7;
  SELECT setval('archive.big_seq', 9007199254740000);
  CREATE SEQUENCE fresh_seq START WITH 1000;

  -- a trigger that stamps new rows, through a plpgsql function
  CREATE TABLE audit (id bigint PRIMARY KEY DEFAULT nextval('archive.big_seq'), note text);
  CREATE FUNCTION archive.stamp() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.note := upper(NEW.note) || ' (stamped)'; RETURN NEW; END $$;
  CREATE TRIGGER audit_stamp BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION archive.stamp();
  INSERT INTO audit (note) VALUES ('first'), ('second');

  -- large objects: ~1 MiB with a new OID, and one at an OID the application stored
  CREATE TABLE attachments (name text PRIMARY KEY, blob oid);
  INSERT INTO attachments SELECT 'report.pdf', lo_from_bytea(0, decode(string_agg(md5(i::text), '' ORDER BY i), 'hex')) FROM generate_series(1, 65536) i;
  INSERT INTO attachments VALUES ('fixed', lo_from_bytea(4242424, '\\x00ff00'));

  -- one row of 50 MiB
  CREATE TABLE big (id int PRIMARY KEY, payload bytea);
  INSERT INTO big SELECT 1, decode(string_agg(md5(i::text), '' ORDER BY i), 'hex') FROM generate_series(1, ${(50 * MiB) / 16}) i;
`;

describe.skipIf(skip)('postgres source: tricky content restored into a different database', () => {
  const original = uniqueDb('sbtricky');
  const copy = `${original}_copy`;
  let meta: DumpMeta;

  beforeAll(async () => {
    pgSql('postgres', `CREATE DATABASE ${pgIdent(original)}`);
    pgSql(original, TRICKY);
    const source = openSource(pgConfig(original), 'tricky');
    const dump = await source.dump();
    meta = dump.meta;
    await source.restore(dump.stream, copy);
  }, 120_000);

  afterAll(() => {
    pgDrop(original);
    pgDrop(copy);
  });

  it('names every table of every schema in the dump metadata', () => {
    expect(Object.keys(meta.tables!)).toEqual(
      expect.arrayContaining([
        'public.things',
        'archive.things',
        'public.measurements',
        'public.big',
        'public.attachments',
      ]),
    );
  });

  it('restores every table, partition and materialized view with the same rows', () => {
    const digests = pgTableDigests(original);
    expect(Object.keys(digests)).toEqual(
      expect.arrayContaining([
        'public.things',
        'archive.things',
        'archive.moods',
        'public.measurements_2024',
        'public.big',
      ]),
    );
    expect(pgTableDigests(copy)).toEqual(digests);
  });

  it('keeps bytea with all 256 byte values, NULL apart from the empty string, and array NULLs', () => {
    expect(pgSql(copy, "SELECT encode(raw, 'hex') FROM things WHERE id = 1")).toBe(ALL_BYTES.toString('hex'));
    expect(
      pgSql(
        copy,
        "SELECT count(*) FILTER (WHERE name IS NULL), count(*) FILTER (WHERE name = ''), count(*) FILTER (WHERE raw = ''::bytea) FROM things",
      ),
    ).toBe('1\t1\t1');
    expect(
      pgSql(copy, 'SELECT array_position(tags, NULL), cardinality(tags), nums[2] IS NULL FROM things WHERE id = 1'),
    ).toBe('2\t7\tt');
    expect(pgSql(copy, "SELECT doc->'nested'->'deep'->>1, doc->>'emoji' FROM things WHERE id = 1")).toBe('2.50\t🦄');
  });

  it('keeps the order of enum values added later', () => {
    expect(pgSql(copy, "SELECT string_agg(feeling::text, ',' ORDER BY feeling) FROM things")).toBe('sad,meh,happy 😀');
  });

  it('keeps the 50 MiB row byte for byte', () => {
    const q = 'SELECT length(payload), md5(payload) FROM big';
    expect(pgSql(copy, q)).toBe(pgSql(original, q));
    expect(pgSql(copy, 'SELECT length(payload) FROM big')).toBe(String(50 * MiB));
  });

  it('keeps large objects under their OIDs with their contents', () => {
    const los = pgLargeObjects(original);
    expect(los).toHaveLength(2);
    expect(pgLargeObjects(copy)).toEqual(los);
    expect(pgSql(copy, "SELECT length(lo_get(blob)) FROM attachments WHERE name = 'report.pdf'")).toBe(String(MiB));
    expect(pgSql(copy, "SELECT encode(lo_get(blob), 'hex') FROM attachments WHERE name = 'fixed'")).toBe('00ff00');
  });

  it('keeps every sequence where it was, whether called or not', () => {
    const seqs = pgSequences(original);
    expect(seqs).toEqual(expect.arrayContaining(['archive.big_seq 9007199254740014 t', 'public.fresh_seq 1000 f']));
    expect(pgSequences(copy)).toEqual(seqs);
  });

  it('gives the copy the same schema: types, views, functions, triggers, partitions', () => {
    expect(pgSchema(copy)).toBe(pgSchema(original));
  });

  // Last: these write to the copy.
  it('runs the function and trigger in the copy, and sequences continue where the original would', () => {
    expect(pgSql(copy, "INSERT INTO audit (note) VALUES ('third') RETURNING id, note")).toBe(
      '9007199254740021\tTHIRD (stamped)',
    );
    expect(pgSql(copy, "SELECT nextval('fresh_seq'), nextval('fresh_seq')")).toBe('1000\t1001');
    expect(pgSql(copy, 'SELECT feeling, n FROM archive.summary ORDER BY feeling')).toBe(
      pgSql(original, 'SELECT feeling, n FROM archive.summary ORDER BY feeling'),
    );
  });

  it('with restoreArgs asking for parallel jobs, spools the dump to a private file and restores the same tables and large objects', async () => {
    const parallel = `${original}_jobs`;
    try {
      const source = openSource(pgConfig(original, { restoreArgs: ['--no-owner', '--jobs=2'] }), 'tricky');
      await source.restore((await source.dump()).stream, parallel);
      expect(pgTableDigests(parallel)).toEqual(pgTableDigests(original));
      expect(pgLargeObjects(parallel)).toEqual(pgLargeObjects(original));
      expect(pgSequences(parallel)).toEqual(pgSequences(original));
    } finally {
      pgDrop(parallel);
    }
  });
});

describe.skipIf(skip)("postgres source: the database's own encoding and locale", () => {
  const original = uniqueDb('sblatin');
  const copy = `${original}_copy`;
  const settings = (db: string) =>
    pgSql(
      'postgres',
      `SELECT pg_encoding_to_char(encoding) || ' ' || datcollate || ' ' || datctype FROM pg_database WHERE datname = '${db}'`,
    );

  beforeAll(() => {
    // Not the server's default (UTF8, C.UTF-8): a restore that created the copy with the defaults would differ.
    pgSql(
      'postgres',
      `CREATE DATABASE ${pgIdent(original)} TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C'`,
    );
    pgSql(original, "CREATE TABLE t (s text); INSERT INTO t VALUES ('café'), ('Zürich'), ('ÿ');");
  });
  afterAll(() => {
    pgDrop(original);
    pgDrop(copy);
  });

  it('are recorded with the dump, and a database the restore creates gets them', async () => {
    const source = openSource(pgConfig(original), 'latin');
    const dump = await source.dump();
    expect(dump.meta.defaults).toEqual({ encoding: 'LATIN1', collate: 'C', ctype: 'C', localeProvider: 'libc' });
    await source.restore(dump.stream, copy, dump.meta);
    expect(settings(copy)).toBe('LATIN1 C C');
    expect(pgTableDigests(copy)).toEqual(pgTableDigests(original));
  });

  it('an ICU locale provider and its locale come back too (PostgreSQL 15+)', async () => {
    const icu = `${original}_icu`;
    const icuCopy = `${icu}_copy`;
    const provider = (db: string) =>
      pgSql(
        'postgres',
        `SELECT datlocprovider::text || ' ' || COALESCE(daticulocale, '') FROM pg_database WHERE datname = '${db}'`,
      );
    try {
      pgSql(
        'postgres',
        `CREATE DATABASE ${pgIdent(icu)} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'de-DE'`,
      );
      pgSql(icu, "CREATE TABLE w (s text); INSERT INTO w VALUES ('Äpfel'), ('Zebra'), ('apfel');");
      const source = openSource(pgConfig(icu), 'icu');
      const dump = await source.dump();
      expect(dump.meta.defaults).toMatchObject({ localeProvider: 'icu', locale: 'de-DE' });
      await source.restore(dump.stream, icuCopy, dump.meta);
      expect(provider(icuCopy)).toBe('i de-DE');
      // German ICU order, not the bytewise C.UTF-8 order the server's default would give ('Zebra' before 'apfel').
      expect(pgSql(icuCopy, "SELECT string_agg(s, ',' ORDER BY s) FROM w")).toBe('apfel,Äpfel,Zebra');
    } finally {
      pgDrop(icu);
      pgDrop(icuCopy);
    }
  });

  it('when this server cannot create them, the error names them and says what to do, and no database is left', async () => {
    const source = openSource(pgConfig(original), 'latin');
    const dump = await source.dump();
    const meta: DumpMeta = {
      ...dump.meta,
      defaults: { encoding: 'LATIN1', collate: 'xx_NOWHERE.ISO-8859-1', ctype: 'C' },
    };
    const err = await source.restore(dump.stream, `${copy}_x`, meta).catch((e) => e);
    expect(err.message).toMatch(
      /cannot create database \S+_x with the backed-up database's encoding LATIN1, collate xx_NOWHERE\.ISO-8859-1, ctype C .*create it yourself/,
    );
    expect(settings(`${copy}_x`)).toBe('');
  });
});
