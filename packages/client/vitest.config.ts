import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'client',
    include: ['src/**/*.test.ts'],
    // Most client tests sign people up against a real relay and wait for live delivery; on a busy
    // machine that outgrows vitest's 5 s default without anything being wrong. Timings are never
    // asserted (they belong in `pnpm bench`); this only bounds a test that hangs.
    testTimeout: 30_000,
  },
});
