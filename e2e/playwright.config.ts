// Playwright against the real relay (started by global-setup.ts) in Debian's Chromium: this machine
// cannot download Playwright's own browser builds, and Chromium must not reach for the network.
import { defineConfig } from '@playwright/test';

export const CHROMIUM_PATH = process.env.VEIL_CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'tests',
  globalSetup: './global-setup.ts',
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  workers: 1,
  reporter: 'list',
  timeout: 30_000,
  use: {
    // global-setup.ts starts the relay on a free port and publishes its URL here.
    baseURL: process.env.VEIL_E2E_BASE_URL,
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    },
    trace: 'retain-on-failure',
  },
});
