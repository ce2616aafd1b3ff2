// Lint configuration: typescript-eslint recommended rules, plus the layering rules: only src/clock.ts reads
// the wall clock, no import cycles anywhere in src/, and nothing outside the repository module reaches a backend.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const clockRules = [
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'read the time through src/clock.ts' },
  {
    selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
    message: 'read the time through src/clock.ts',
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/.work/', '.strongbox-demo/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    // The parser settings matter: without them the plugin cannot read the imported .ts files and finds no cycle.
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      // A cycle means two modules that cannot be understood (or tested) apart; type-only imports count too.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/clock.ts'],
    rules: { 'no-restricted-syntax': ['error', ...clockRules] },
  },
  {
    // Above the repository module, storage is reached only through a Repository (its errors, its locks).
    files: ['src/**/*.ts'],
    // backend-test.ts probes a store itself (no repository): the one operation that opens a backend.
    ignores: [
      'src/repository/**',
      'src/backends/**',
      'src/clock.ts',
      'src/ops/backend-test.ts',
      'src/sources/bucket/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/backends', '**/backends/**'],
              message: 'open storage through src/repository (openRepository), never a backend directly',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        ...clockRules,
        {
          selector: "MemberExpression[property.name='backend']",
          message: "reach storage through the Repository's methods, not its backend",
        },
      ],
    },
  },
  {
    // A bucket source reads a user's bucket, not a repository: it shares the S3 backend's client, options, location
    // syntax and error advice, and nothing else of the backends.
    files: ['src/sources/bucket/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)backends(/(?!s3/(client|errors|location|options)\\.js$).*)?$',
              message:
                'a bucket source uses only the S3 client, options, location and errors of src/backends/s3; storage goes through src/repository',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        ...clockRules,
        {
          selector: "MemberExpression[property.name='backend']",
          message: "reach storage through the Repository's methods, not its backend",
        },
      ],
    },
  },
);
