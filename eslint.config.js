// One lint config for the whole workspace. The import boundaries here enforce the one-way data flow
// described in shared/STYLE.md: protocol imports nothing of ours and touches no I/O or platform API.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const protocolForbidden = [
  { group: ['node:*'], message: '@veil/protocol is pure: no Node built-ins.' },
  {
    group: ['dexie', 'fastify', 'fastify-*', '@fastify/*', 'ws'],
    message: '@veil/protocol does no I/O.',
  },
  { group: ['@veil/*'], message: '@veil/protocol imports nothing of ours.' },
];

export default defineConfig(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/build/**',
      '**/.svelte-kit/**',
      'bench/results/**',
      'coverage/**',
      // pnpm test:mutation (Stryker): sandboxes are copies of the sources, reports are generated.
      '**/.stryker-tmp*/**',
      'packages/protocol/reports/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.es2022 },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `() => doSomething()` as a callback is idiomatic; braces would only add noise.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Fastify plugins and hooks are async by contract (no `done` callback) even when they await nothing.
      '@typescript-eslint/require-await': 'off',
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use an `as const` object instead of an enum.' },
      ],
    },
  },
  {
    // The PWA's CSP forbids eval: cbor-x's default build probes `Function('')` when it loads, which
    // is a CSP violation of our own (suite 4 counts them). Only its no-eval build may be imported.
    files: ['packages/client/src/**/*.ts', 'web/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'cbor-x', message: "Import 'cbor-x/index-no-eval' (the CSP forbids eval)." },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/protocol/src/**/*.ts'],
    ignores: [
      'packages/protocol/src/**/*.test.ts',
      'packages/protocol/src/test-support/**',
      // Attack suites (docs/security.md) are test code: they read VEIL_SOAK and measure memory.
      'packages/protocol/src/attacks/**',
    ],
    rules: {
      'no-restricted-imports': ['error', { patterns: protocolForbidden }],
      'no-restricted-globals': [
        'error',
        { name: 'window', message: '@veil/protocol must not touch the DOM.' },
        { name: 'document', message: '@veil/protocol must not touch the DOM.' },
        { name: 'process', message: '@veil/protocol must not read the environment.' },
        { name: 'fetch', message: '@veil/protocol does no I/O.' },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message: 'Randomness comes from primitives.randomBytes.',
        },
      ],
    },
  },
  {
    files: [
      '**/*.test.ts',
      'e2e/**/*.ts',
      'bench/**/*.ts',
      '**/test-support/**/*.ts',
      '*.config.ts',
      '**/*.config.ts',
    ],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['relay/**/*.ts', 'scripts/**/*.js', '*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // Migrations are frozen in time and must not depend on the current schema type (STYLE.md).
    files: ['relay/src/db/migrations/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
