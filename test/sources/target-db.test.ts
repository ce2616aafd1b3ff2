// --target-db values: a database name, a connection URL without a password, or a path for SQLite.
import { describe, expect, it } from 'vitest';
import { parseTargetDb } from '../../src/sources/index.js';

const error = (value: string, engine: string) => {
  try {
    parseTargetDb(value, engine);
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error(`${value} was accepted`);
};

describe('parseTargetDb', () => {
  it('takes a plain name on the configured server, and a path for SQLite', () => {
    expect(parseTargetDb('shop_copy', 'postgres')).toEqual({ name: 'shop_copy', override: {} });
    expect(parseTargetDb('/tmp/x.db', 'sqlite')).toEqual({ name: '/tmp/x.db', override: {} });
  });

  it("takes host, port, user and name from a URL of the engine's scheme", () => {
    expect(parseTargetDb('postgresql://restorer@db.internal:5433/shop_copy', 'postgres')).toEqual({
      name: 'shop_copy',
      override: { host: 'db.internal', port: 5433, user: 'restorer' },
    });
    expect(parseTargetDb('mysql://root@[::1]:3307/forum', 'mariadb')).toEqual({
      name: 'forum',
      override: { host: '::1', port: 3307, user: 'root' },
    });
  });

  it('refuses a password in the URL, a scheme of another engine, and a URL without one database name', () => {
    expect(error('postgresql://shop:secret@h/db', 'postgres').message).toMatch(/must not contain a password/);
    expect(error('mysql://h/db', 'postgres').message).toMatch(/does not fit a postgres database/);
    expect(error('postgresql://h/', 'postgres').message).toMatch(/must name one database/);
  });

  it('never echoes a password, even in a URL too broken to parse', () => {
    const e = error('postgresql://shop:s3cr3t-pw@h:99999/db', 'postgres');
    expect(e.message).toMatch(/is not a valid URL/);
    expect(e.message).not.toContain('s3cr3t-pw');
    expect(e.message).not.toContain('shop:');
  });
});
