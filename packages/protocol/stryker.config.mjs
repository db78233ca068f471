// Mutation testing of the protocol core (pnpm test:mutation; outside CI, see docs/security.md,
// "Suite 6"). Incremental: a rerun only re-tests mutants whose code or covering tests changed.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: [
    'src/session/**/*.ts',
    'src/envelope/**/*.ts',
    'src/group/**/*.ts',
    'src/vault/**/*.ts',
    '!src/**/*.test.ts',
  ],
  // Each mutant runs only the tests that reached it.
  coverageAnalysis: 'perTest',
  // Mutants in module-level constants would need the whole suite per mutant; the constants they
  // touch (labels, sizes) are pinned by the interop vectors instead.
  ignoreStatic: true,
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  // The machine is shared: two workers at most, and run under `nice` (see package.json).
  concurrency: 2,
  timeoutMS: 60_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 85, low: 70, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
