import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'data/**', '.tmp/**', 'apps/mobile/.expo/**', 'apps/mobile/dist/**', 'bench/results/**', 'coverage/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  {
    // The domain core is pure: no I/O, no wall clock, nothing from outside domain/.
    files: ['apps/server/src/domain/**/*.ts'],
    ignores: ['apps/server/src/domain/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*', '../*', '@ats/*', 'fs', 'net', 'http', 'zod'], message: 'domain/ is pure: import only from domain/.' }] },
      ],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Use the injected Clock.' }],
    },
  },
  {
    // The engine depends on domain and ports only, never on concrete adapters or brokers.
    files: ['apps/server/src/engine/**/*.ts'],
    ignores: ['apps/server/src/engine/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../adapters/*', '../brokers/*', '../api/*', '../services/*'], message: 'engine/ depends on domain/ and ports/ only.' }] },
      ],
    },
  },
);
