// MariaDB source against a real server: the source conformance suite, then content that dumps and restores
// often get wrong, restored into a different database and compared table by table.
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStrongboxError } from '../../src/errors.js';
import { openSource } from '../../src/sources/index.js';
import { sourceConformanceSuite } from '../conformance/source-suite.js';
import {
  mariadbHarness,
  myChecksums,
  myConfig,
  myDrop,
  myFingerprint,
  myIdent,
  myLiteral,
  myQuery,
} from '../support/mariadb-db.js';
import { haveServer, uniqueDb } from '../support/servers.js';
import { tempDir } from '../e2e/helpers.js';

const skip = !haveServer('mariadb');

sourceConformanceSuite('mariadb', mariadbHarness(), { skip });

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Everything below in one database: each statement is a kind of content a dump can lose or mangle. */
const TRICKY = `
  CREATE TABLE things (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(100) COLLATE utf8mb4_bin NULL,
    legacy VARCHAR(50) CHARACTER SET latin1 NULL,
    feeling ENUM('sad', 'meh', 'happy ☺') NULL,  -- not an emoji: MariaDB keeps ENUM labels in utf8mb3 and would store '?'
    flags SET('a', 'b', 'c d') NULL,
    doc JSON NULL,
    raw BLOB NULL,
    price DECIMAL(30, 10) NULL,
    bits BIT(5) NULL
  ) CHARACTER SET utf8mb4;
  CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, thing_id BIGINT, what VARCHAR(200)) CHARACTER SET utf8mb4;
  CREATE TRIGGER things_audit AFTER INSERT ON things FOR EACH ROW
    INSERT INTO audit (thing_id, what) VALUES (NEW.id, CONCAT('added ', COALESCE(NEW.name, '(null)')));
  INSERT INTO things (name, legacy, feeling, flags, doc, raw, price, bits) VALUES
    ('Zürich ＡＢＣ שלום 👩‍👩‍👧 🦄', 'café', 'happy ☺', 'a,c d', '{"nested": {"deep": [1, 2.50, null, true, "é"]}, "emoji": "🦊"}',
     UNHEX('${ALL_BYTES.toString('hex')}'), 12345678901234567890.0123456789, b'10101'),
    (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    ('', '', 'sad', '', '[]', '', 0, b'0'),
    (CONCAT('quote '' dq " backslash \\\\ tab \\t newline \\n nul ', CHAR(0), ' end'), 'x', 'meh', 'b', 'null', UNHEX('00'), -1, b'11111');
  -- the next id is far past the rows: the counter itself must survive
  ALTER TABLE things AUTO_INCREMENT = 9007199254740000;
  -- rows deleted at the end: the counter stays above the largest id
  CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(20));
  INSERT INTO orders (note) VALUES ('kept'), ('deleted'), ('deleted');
  DELETE FROM orders WHERE note = 'deleted';

  CREATE VIEW feelings AS SELECT feeling, COUNT(*) AS n FROM things GROUP BY feeling;
  CREATE FUNCTION shout(s TEXT) RETURNS TEXT CHARACTER SET utf8mb4 DETERMINISTIC RETURN CONCAT(UPPER(s), '!');
  DELIMITER //
  CREATE PROCEDURE add_thing(IN n VARCHAR(100), OUT new_id BIGINT)
  BEGIN
    INSERT INTO things (name) VALUES (n);
    SET new_id = LAST_INSERT_ID();
  END //
  DELIMITER ;
  CREATE EVENT purge_audit ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 03:00:00' ON COMPLETION PRESERVE
    DO DELETE FROM audit WHERE id < 0;

  -- one row of 50 MiB
  CREATE TABLE big (id INT PRIMARY KEY, payload LONGBLOB);
  INSERT INTO big VALUES (1, REPEAT(UNHEX('00FF7F80'), ${(50 * MiB) / 4}));
`;

const ROWS =
  'SELECT id, HEX(name), HEX(legacy), feeling, flags, doc, HEX(raw), price, bits + 0 FROM things ORDER BY id';
const COUNTERS = (db: string) =>
  `SELECT table_name, auto_increment FROM information_schema.tables WHERE table_schema = ${myLiteral(db)} AND auto_increment IS NOT NULL ORDER BY 1`;

describe.skipIf(skip)('mariadb source: tricky content restored into a different database', () => {
  const original = uniqueDb('sbtricky');
  const copy = `${original}_copy`;
  let packet: string;

  beforeAll(async () => {
    // The 50 MiB row is over 100 MiB as a hex INSERT: the server must accept such statements (at most 1 GiB).
    packet = myQuery('SELECT @@global.max_allowed_packet');
    if (Number(packet) < GiB) myQuery(`SET GLOBAL max_allowed_packet = ${GiB}`);
    myQuery(`CREATE DATABASE ${myIdent(original)}`);
    myQuery(TRICKY, original);
    // The source's own defaults must carry the 50 MiB row (mariadb-dump's default packet limit would not).
    const source = openSource(myConfig(original), 'tricky');
    await source.restore((await source.dump()).stream, copy);
  }, 120_000);

  afterAll(() => {
    myDrop(original);
    myDrop(copy);
    if (packet !== undefined) myQuery(`SET GLOBAL max_allowed_packet = ${packet}`);
  });

  it('restores every table with the same rows (CHECKSUM TABLE)', () => {
    const sums = myChecksums(original);
    expect(Object.keys(sums).sort()).toEqual(['audit', 'big', 'orders', 'things']);
    expect(myChecksums(copy)).toEqual(sums);
    expect(myQuery(ROWS, copy)).toBe(myQuery(ROWS, original));
  });

  it('keeps a BLOB with all 256 byte values, NULL apart from the empty string, utf8mb4 and latin1 text', () => {
    expect(myQuery('SELECT HEX(raw) FROM things WHERE id = 1', copy)).toBe(ALL_BYTES.toString('hex').toUpperCase());
    expect(myQuery("SELECT SUM(name IS NULL), SUM(name = ''), SUM(raw = ''), SUM(legacy = '') FROM things", copy)).toBe(
      '1\t1\t1\t1',
    );
    expect(myQuery('SELECT name, legacy, HEX(legacy) FROM things WHERE id = 1', copy)).toBe(
      'Zürich ＡＢＣ שלום 👩‍👩‍👧 🦄\tcafé\t636166E9',
    );
    expect(myQuery('SELECT LOCATE(CHAR(0), name) > 0, feeling, flags FROM things WHERE id = 4', copy)).toBe(
      '1\tmeh\tb',
    );
    expect(
      myQuery(
        "SELECT JSON_VALUE(doc, '$.nested.deep[1]'), JSON_VALUE(doc, '$.emoji'), feeling, flags FROM things WHERE id = 1",
        copy,
      ),
    ).toBe('2.50\t🦊\thappy ☺\ta,c d');
  });

  it('keeps every AUTO_INCREMENT counter, also past deleted rows', () => {
    const counters = myQuery(COUNTERS(original));
    expect(counters).toContain('orders\t4');
    expect(counters).toContain('things\t9007199254740000');
    expect(myQuery(COUNTERS(copy))).toBe(counters);
  });

  it('keeps the 50 MiB row byte for byte', () => {
    const q = 'SELECT LENGTH(payload), MD5(payload) FROM big';
    expect(myQuery(q, copy)).toBe(myQuery(q, original));
    expect(myQuery('SELECT LENGTH(payload) FROM big', copy)).toBe(String(50 * MiB));
  });

  it('gives the copy the same definitions: tables, view, function, procedure, trigger, event', () => {
    const fp = myFingerprint(original);
    for (const name of ['VIEW `feelings`', 'FUNCTION `shout`', 'PROCEDURE `add_thing`', 'things_audit', 'purge_audit'])
      expect(fp).toContain(name);
    expect(myFingerprint(copy)).toBe(fp);
  });

  // Last: this writes to the copy.
  it('runs the procedure, function and trigger in the copy, continuing the counter', () => {
    expect(myQuery("CALL add_thing('from the copy', @id); SELECT @id, shout('hi');", copy)).toBe(
      '9007199254740000\tHI!',
    );
    expect(myQuery('SELECT thing_id, what FROM audit ORDER BY id DESC LIMIT 1', copy)).toBe(
      '9007199254740000\tadded from the copy',
    );
    expect(myQuery('SELECT feeling, n FROM feelings ORDER BY feeling', copy)).toBe(
      'NULL\t2\nsad\t1\nmeh\t1\nhappy ☺\t1',
    );
  });
});

describe.skipIf(skip)('mariadb source: a replacing restore whose load fails part-way', () => {
  const target = uniqueDb('sbmyputback');
  const origin = `${target}_origin`;
  let bin: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    bin = await tempDir('sb-mybin-');
    for (const t of ['mariadb-dump', 'mysqldump', 'mysql']) await symlink(`/usr/bin/${t}`, join(bin.path, t));
    // The first load (the restore) dies after a few KB, as a server dropping the connection would make it;
    // later loads (putting the old contents back) run normally.
    await writeFile(
      join(bin.path, 'mariadb'),
      `#!/bin/sh
case "$*" in *--binary-mode*)
  if [ ! -e '${join(bin.path, 'failed-once')}' ]; then
    touch '${join(bin.path, 'failed-once')}'
    head -c 3000 | /usr/bin/mariadb "$@" >/dev/null 2>&1
    echo "ERROR 2013 (HY000): Lost connection to server during query" >&2; exit 1
  fi;;
esac
exec /usr/bin/mariadb "$@"
`,
      { mode: 0o755 },
    );
    for (const [db, note] of [
      [origin, 'from the backup'],
      [target, 'in the target now'],
    ]) {
      myQuery(`CREATE DATABASE ${myIdent(db)}`);
      myQuery(
        `CREATE TABLE items (id INT PRIMARY KEY, note TEXT); INSERT INTO items SELECT seq, CONCAT(${myLiteral(note)}, ' ', seq) FROM seq_1_to_2000;`,
        db,
      );
    }
    myQuery('CREATE TABLE only_in_target (x INT); INSERT INTO only_in_target VALUES (1);', target);
  });
  afterAll(async () => {
    myDrop(origin);
    myDrop(target);
    await bin?.cleanup();
  });

  it('puts the previous contents back and says so (exit SOURCE), instead of leaving the target half loaded', async () => {
    const before = myFingerprint(target);
    const dump = await openSource(myConfig(origin), 'putback').dump();
    const err = await openSource(myConfig(target, { binDir: bin.path }), 'putback')
      .restore(dump.stream, target)
      .then(
        () => null,
        (e) => e,
      );
    expect(isStrongboxError(err, 'SOURCE'), String(err)).toBe(true);
    expect(err.message).toMatch(
      /app putback, database main: mariadb exited with status 1: .*Lost connection.*; the database was put back as it was before the restore/,
    );
    expect(myFingerprint(target)).toBe(before);
  });
});

describe.skipIf(skip)("mariadb source: the database's own character set and collation", () => {
  const original = uniqueDb('sbmylatin');
  const copy = `${original}_copy`;
  const replaced = `${original}_replaced`;
  const defaults = (db: string) =>
    myQuery(
      `SELECT CONCAT(default_character_set_name, ' ', default_collation_name) FROM information_schema.schemata WHERE schema_name = ${myLiteral(db)}`,
    );

  beforeAll(() => {
    // Not the server's default (utf8mb4): a restore that created the copy with the default would differ.
    myQuery(`CREATE DATABASE ${myIdent(original)} CHARACTER SET latin1 COLLATE latin1_german1_ci`);
    myQuery("CREATE TABLE t (s VARCHAR(20)); INSERT INTO t VALUES ('café'), ('Zürich');", original);
    myQuery(`CREATE DATABASE ${myIdent(replaced)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    myQuery('CREATE TABLE other (x INT); INSERT INTO other VALUES (1);', replaced);
  });
  afterAll(() => {
    for (const db of [original, copy, replaced]) myDrop(db);
  });

  it('are recorded with the dump, and a database the restore creates or replaces gets them', async () => {
    const source = openSource(myConfig(original), 'latin');
    const dump = await source.dump();
    expect(dump.meta.defaults).toEqual({ characterSet: 'latin1', collation: 'latin1_german1_ci' });
    await source.restore(dump.stream, copy, dump.meta);
    expect(defaults(copy)).toBe('latin1 latin1_german1_ci');
    expect(myChecksums(copy)).toEqual(myChecksums(original));

    const again = await source.dump();
    await source.restore(again.stream, replaced, again.meta);
    expect(defaults(replaced)).toBe('latin1 latin1_german1_ci');
    expect(myChecksums(replaced)).toEqual(myChecksums(original));
  });

  it('a collation this server lacks (a MySQL 8 one on MariaDB) fails the restore before anything is touched', async () => {
    const source = openSource(myConfig(original), 'latin');
    const foreign = { characterSet: 'utf8mb4', collation: 'utf8mb4_0900_ai_ci' };
    const before = myChecksums(replaced);
    const dump = await source.dump();
    const err = await source.restore(dump.stream, replaced, { ...dump.meta, defaults: foreign }).catch((e) => e);
    expect(isStrongboxError(err, 'SOURCE'), String(err)).toBe(true);
    expect(err.message).toMatch(
      new RegExp(
        `cannot create database ${replaced} with the backed-up database's character set utf8mb4 and collation utf8mb4_0900_ai_ci: this server does not have that collation\\. Nothing was changed`,
      ),
    );
    expect(myChecksums(replaced)).toEqual(before);
    expect(defaults(replaced)).toBe('latin1 latin1_german1_ci');

    const missing = `${original}_missing`;
    const again = await source.dump();
    const err2 = await source.restore(again.stream, missing, { ...again.meta, defaults: foreign }).catch((e) => e);
    expect(err2.message).toMatch(/this server does not have that collation/);
    expect(defaults(missing)).toBe('');
  });
});
