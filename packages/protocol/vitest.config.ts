import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'protocol',
    include: ['src/**/*.test.ts'],
    // Pure functions and no shared mutable state, so the test files can share one module graph per
    // worker: it saves loading libsodium's WebAssembly once per file (a third of this project's CPU).
    isolate: false,
    testTimeout: 120_000,
  },
});
