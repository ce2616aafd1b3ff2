// The config file: the documented example stays valid, errors name the file and field path, ${VAR}
// interpolation, secrets redacted, and the shipped JSON Schema matches the zod schema.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkBackendOptions } from '../../src/backends/index.js';
import { describe, expect, it } from 'vitest';
import { interpolate, parseConfig } from '../../src/config/load.js';
import { sb, tempDir } from '../e2e/helpers.js';
import { writeFile } from 'node:fs/promises';
import { REDACTED, redactConfig } from '../../src/config/redact.js';
import { configJsonSchema } from '../../src/config/schema.js';

const EXAMPLE = `
repositories:
  main:
    location: /var/backups/strongbox       # later also s3:…, sftp:…, git:…
    passwordEnv: STRONGBOX_PASSWORD
apps:
  - id: shop
    repository: main
    files:
      - name: webroot
        path: /var/www/shop
        exclude: [".git/", "var/cache/"]
    databases:
      - name: main
        engine: postgres                   # postgres | mysql | mariadb | sqlite
        host: 127.0.0.1
        port: 5432
        user: shop
        passwordEnv: SHOP_DB_PASSWORD
        database: shop
      - name: sessions
        engine: sqlite
        path: /var/www/shop/var/sessions.db
    hooks:
      before: ["php artisan down"]
      after: ["php artisan up"]
`;

function configError(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseConfig(text, '/etc/strongbox.yaml', env);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('strongbox.yaml', () => {
  it('accepts the documented example and fills defaults', () => {
    const cfg = parseConfig(EXAMPLE, 'example.yaml', {});
    expect(cfg.apps[0].databases.map((d) => d.engine)).toEqual(['postgres', 'sqlite']);
    expect(cfg.apps[0].files[0]).toEqual({
      name: 'webroot',
      path: '/var/www/shop',
      exclude: ['.git/', 'var/cache/'],
      offloaded: [],
    });
    expect(cfg.apps[0].hooks).toEqual({
      before: ['php artisan down'],
      after: ['php artisan up'],
      timeoutSeconds: 600,
      env: [],
    });
  });

  it('accepts an sftp repository with its options, checked by the sftp driver', () => {
    const text = EXAMPLE.replace(
      'location: /var/backups/strongbox ',
      'location: sftp://backup@host:2222//srv/repo\n    options: { identityFile: ~/.ssh/id_backup, knownHostsFile: /etc/strongbox/known_hosts, passphraseEnv: KEY_PASS, connections: 3 }\n   ',
    );
    const repo = parseConfig(text, 'f', {}).repositories.main;
    expect(repo.options).toEqual({
      identityFile: '~/.ssh/id_backup',
      knownHostsFile: '/etc/strongbox/known_hosts',
      passphraseEnv: 'KEY_PASS',
      connections: 3,
    });
    expect(() => checkBackendOptions(repo.location, repo.options)).not.toThrow();
    // An unknown option (a passphrase written in the file) is refused, naming it.
    expect(() => checkBackendOptions(repo.location, { passphrase: 'hunter2' })).toThrow(
      /invalid options for the sftp repository.*passphrase/,
    );
  });

  it('the example shipped in examples/ is valid', () => {
    const text = readFileSync(join(__dirname, '../../examples/strongbox.yaml'), 'utf8');
    expect(
      parseConfig(text, 'examples/strongbox.yaml', { STRONGBOX_EXAMPLE_ROOT: '/tmp/x' }).apps.length,
    ).toBeGreaterThan(0);
  });

  it.each([
    ['a wrong type', EXAMPLE.replace('port: 5432', 'port: "five"'), /apps\[0\]\.databases\[0\]\.port/],
    ['an unknown engine', EXAMPLE.replace('engine: postgres ', 'engine: oracle '), /apps\[0\]\.databases\[0\]\.engine/],
    [
      'an unknown field (a password written in the file)',
      EXAMPLE.replace('user: shop', 'user: shop\n        password: hunter2'),
      /apps\[0\]\.databases\[0\].*password/,
    ],
    [
      'a relative path',
      EXAMPLE.replace('path: /var/www/shop\n', 'path: www/shop\n'),
      /apps\[0\]\.files\[0\]\.path: must be an absolute path/,
    ],
    [
      'an unknown repository',
      EXAMPLE.replace('repository: main', 'repository: backup'),
      /apps\[0\]\.repository: no repository named "backup"/,
    ],
    [
      'a duplicate component name',
      EXAMPLE.replace('name: sessions', 'name: main'),
      /apps\[0\]\.databases\[1\]\.name: component name "main" is used twice/,
    ],
    [
      'a duplicate app id',
      `${EXAMPLE}  - id: shop\n    repository: main\n`,
      /apps\[1\]\.id: app id "shop" is used twice/,
    ],
  ])('refuses %s, naming the file and the field', (_, text, pattern) => {
    const msg = configError(text);
    expect(msg).toMatch(/^\/etc\/strongbox\.yaml: /);
    expect(msg).toMatch(pattern);
  });

  it('refuses broken YAML naming the file', () => {
    expect(configError('repositories: [\n')).toMatch(/\/etc\/strongbox\.yaml: not valid YAML/);
  });

  it('interpolates ${VAR} and ${VAR:-default}; $${ is a literal', () => {
    expect(interpolate({ a: ['${A}', 'x-${B:-dflt}', '$${A}'] }, [], 'f', { A: 'one' })).toEqual({
      a: ['one', 'x-dflt', '${A}'],
    });
  });

  it('an unset variable is an error naming the field, never an empty value', () => {
    expect(configError(EXAMPLE.replace('host: 127.0.0.1', 'host: ${DB_HOST}'))).toMatch(
      /apps\[0\]\.databases\[0\]\.host: environment variable DB_HOST is not set/,
    );
  });

  it('redacts secrets and passwords inside URLs when printing', () => {
    const cfg = parseConfig(EXAMPLE.replace('location: /var/backups/strongbox', 'location: ${LOC}'), 'f', {
      LOC: 'sftp://u:s3cret@host/x',
    });
    const shown = JSON.stringify(redactConfig(cfg));
    expect(shown).not.toContain('s3cret');
    expect(shown).toContain(REDACTED);
    expect(shown).toContain('SHOP_DB_PASSWORD'); // the name of the variable is not a secret
  });

  it("shows only the origin of a notifier's URL (a Healthchecks UUID or a webhook token is a credential)", () => {
    const notify = `daemon:\n  notify:\n    webhooks: [{ url: "https://hooks.example.com/T000/B000/XXXXSECRET?k=v" }]\n    pings: [{ url: "https://hc-ping.com/5f2c-uuid-secret" }]\n`;
    const shown = JSON.stringify(redactConfig(parseConfig(EXAMPLE + notify, 'f', {})));
    expect(shown).not.toMatch(/XXXXSECRET|uuid-secret/);
    expect(shown).toContain(`"url":"https://hooks.example.com/${REDACTED}"`);
    expect(shown).toContain(`"url":"https://hc-ping.com/${REDACTED}"`);
  });

  it('the shipped JSON Schema is the one generated from the zod schema (regenerate: strongbox config schema > schema/strongbox.schema.json)', () => {
    const shipped = JSON.parse(readFileSync(join(__dirname, '../../schema/strongbox.schema.json'), 'utf8'));
    expect(shipped).toEqual(configJsonSchema());
  });
});

describe('strongbox config check', () => {
  it('prints the resolved config redacted, and exits 2 naming file and field when invalid', async () => {
    const tmp = await tempDir('sb-config-');
    try {
      const good = join(tmp.path, 'good.yaml');
      await writeFile(good, EXAMPLE.replace('location: /var/backups/strongbox', 'location: ${LOC}'));
      const ok = await sb(['--config', good, 'config', 'check'], { env: { LOC: 'sftp://u:pw-secret@h/x' } });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toContain('"id": "shop"');
      expect(ok.stdout).not.toContain('pw-secret');
      const bad = join(tmp.path, 'bad.yaml');
      await writeFile(bad, EXAMPLE.replace('port: 5432', 'port: 99999'));
      const r = await sb(['--config', bad, 'config', 'check'], { env: { STRONGBOX_CONFIG: '' } });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${bad}: invalid configuration`);
      expect(r.stderr).toMatch(/apps\[0\]\.databases\[0\]\.port/);
    } finally {
      await tmp.cleanup();
    }
  });

  it("checks each repository's backend options without contacting the storage, naming the repository and the option", async () => {
    const tmp = await tempDir('sb-config-');
    try {
      const file = join(tmp.path, 's3.yaml');
      const text = (opts: string) =>
        `repositories:\n  offsite:\n    location: s3:https://127.0.0.1:1/b/p\n    options: { ${opts} }\n`;
      await writeFile(file, text('region: eu-west-1, storageClass: STANDARD_IA'));
      expect((await sb(['--config', file, 'config', 'check'])).code).toBe(0);
      await writeFile(file, text('storageClass: COLD, regoin: x'));
      const r = await sb(['--config', file, 'config', 'check']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /repositories\.offsite: invalid options for the s3 repository at s3:https:\/\/127\.0\.0\.1:1\/b\/p: .*storageClass.*regoin/,
      );
    } finally {
      await tmp.cleanup();
    }
  });

  it('hook commands are not interpolated: the shell expands variables when it runs them, so secrets never become part of the command', () => {
    const text =
      'repositories:\n  r: { location: /x }\napps:\n  - id: a\n    repository: r\n    hooks:\n      before: [\'curl -H "Bearer ${TOKEN}" https://example.com/down\']\n';
    const cfg = parseConfig(text, 'hooks.yaml', { TOKEN: 'secret-token' });
    expect(cfg.apps[0].hooks.before).toEqual(['curl -H "Bearer ${TOKEN}" https://example.com/down']);
  });
});
