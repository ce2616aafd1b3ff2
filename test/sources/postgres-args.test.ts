// pg_restore arguments for the replace path (pg_restore --file=- | psql --single-transaction): options that
// only make sense for a direct restore are dropped, including the value of a split option.
import { describe, expect, it } from 'vitest';
import { PG_RESTORE_DEFAULTS, scriptArgs } from '../../src/sources/postgres/postgres.js';

describe('scriptArgs', () => {
  it.each([
    [PG_RESTORE_DEFAULTS, ['--no-owner']],
    [
      ['--no-owner', '-j', '4', '--no-acl'],
      ['--no-owner', '--no-acl'],
    ],
    [['--jobs=4', '-j8', '--no-owner'], ['--no-owner']],
    [['-d', 'other', '--dbname=x', '-dfoo', '--no-comments'], ['--no-comments']],
    [
      ['-c', '-1', '-e', '--if-exists', '--schema', 'public'],
      ['--schema', 'public'],
    ],
  ])('%j → %j', (input, want) => {
    expect(scriptArgs(input)).toEqual(want);
  });
});
