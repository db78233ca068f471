// Debian's Chromium, as every browser run here uses it (the e2e suites and the bench's browser
// sections): this machine cannot download Playwright's own browser builds, and Chromium must not
// reach for the network.

export const CHROMIUM_PATH = process.env.VEIL_CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];
