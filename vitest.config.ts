// One vitest configuration, one project per workspace member. Browser suites live in e2e/ (Playwright).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/protocol', 'packages/wire', 'packages/client', 'relay', 'web'],
  },
});
