// The test set Stryker runs against each mutant (pnpm test:mutation). It is the ordinary protocol
// suite minus the long randomized runs, which would be re-run in full for every surviving mutant
// and turn an hour into a day: the fuzzers in src/attacks/, the 2,000-sequence ratchet model, the
// session-record model and the 10,000-message tamper run. What they check is also checked by fast,
// deterministic tests, so the score measured here is a lower bound of the whole suite's.
import { defineProject, mergeConfig } from 'vitest/config';
import base from './vitest.config';

export default mergeConfig(
  base,
  defineProject({
    test: {
      exclude: [
        'src/attacks/**',
        'src/session/ratchet-model.test.ts',
        'src/session/session-record-model.test.ts',
        'src/session/ratchet-tamper.test.ts',
      ],
    },
  }),
);
