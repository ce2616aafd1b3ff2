// Lint configuration: typescript-eslint recommended rules, plus the clock rule (only src/clock.ts reads the wall clock).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    ignores: ['src/clock.ts', 'src/**/*.test.ts'],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'read the time through src/clock.ts' },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'read the time through src/clock.ts' },
      ],
    },
  },
);
