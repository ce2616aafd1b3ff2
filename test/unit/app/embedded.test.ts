import { describe, expect, it } from 'vitest';
import { makeExcluder } from '../../../src/archiver/excludes.js';
import type { AppConfig } from '../../../src/config/schema.js';
import { embeddedDatabaseExcludes } from '../../../src/app/embedded.js';

const app = (...paths: string[]) =>
  ({ databases: paths.map((path, i) => ({ name: `db${i}`, engine: 'sqlite', path })) }) as unknown as Pick<
    AppConfig,
    'databases'
  >;

describe('embeddedDatabaseExcludes', () => {
  it('leaves out a SQLite file inside the tree and its -wal, -shm and -journal, anchored at the tree root', () => {
    const patterns = embeddedDatabaseExcludes(app('/var/www/shop/var/sessions.db'), '/var/www/shop');
    expect(patterns).toEqual([
      '/var/sessions.db',
      '/var/sessions.db-wal',
      '/var/sessions.db-shm',
      '/var/sessions.db-journal',
    ]);
    const ex = makeExcluder(patterns);
    expect(ex.excluded('var/sessions.db', false)).toBe(true);
    expect(ex.excluded('var/sessions.db-wal', false)).toBe(true);
    expect(ex.excluded('other/var/sessions.db', false)).toBe(false); // anchored: only that one file
    expect(ex.excluded('var/sessions.db.bak', false)).toBe(false);
  });

  it('ignores databases outside the tree, other engines, and the tree root itself', () => {
    const cfg = {
      databases: [
        { name: 'a', engine: 'sqlite', path: '/srv/data/app.db' },
        { name: 'b', engine: 'postgres', database: 'shop' },
        { name: 'c', engine: 'sqlite', path: '/var/www/shop-old/x.db' },
      ],
    } as unknown as Pick<AppConfig, 'databases'>;
    expect(embeddedDatabaseExcludes(cfg, '/var/www/shop')).toEqual([]);
  });

  it('matches names with wildcard characters literally', () => {
    const patterns = embeddedDatabaseExcludes(app('/w/data [v2]/*.db'), '/w');
    const ex = makeExcluder(patterns);
    expect(ex.excluded('data [v2]/*.db', false)).toBe(true);
    expect(ex.excluded('data v/x.db', false)).toBe(false);
    expect(ex.excluded('data [v2]/x.db', false)).toBe(false);
  });
});
