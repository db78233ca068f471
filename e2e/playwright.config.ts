// Playwright against the real relay (started by global-setup.ts) in Debian's Chromium (chromium.ts).
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';

export default defineConfig({
  testDir: 'tests',
  globalSetup: './global-setup.ts',
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  workers: 1,
  reporter: 'list',
  // A bound for a hung test, not a speed target: sign-ups may wait out the relay's per-address
  // limit (support/veil-page.ts), since every suite signs people up from 127.0.0.1.
  timeout: 90_000,
  use: {
    // global-setup.ts starts the relay on a free port and publishes its URL here.
    baseURL: process.env.VEIL_E2E_BASE_URL,
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS],
    },
    trace: 'retain-on-failure',
  },
});
