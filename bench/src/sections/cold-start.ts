// Figure 4, cold start of the installed PWA, in headless Chromium against a real relay process
// serving the built PWA: sign up once (the service worker installs and precaches the app shell),
// then several times reload the app as a person reopening it would, and time
//   - launch to lock screen (navigation start to the Unlock heading),
//   - password submitted to the unlocked conversation list (the "Chats" heading), with the vault's
//     password unwrap (Argon2id at the vault's limits; its User Timing measure) taken out and
//     reported on its own.
// The times are taken inside the page (a submit listener and a MutationObserver), so Playwright's
// own polling is not in them.

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '@veil/e2e/chromium';
import { freePort, startRelayProcess } from '@veil/e2e/relay-process';
import { chromium, type Page } from 'playwright-core';
import { VAULT_UNWRAP_MEASURE } from '../../../packages/client/src/vault/vault-lock';
import type { Figure, Section, SectionReport } from '../report';

const webBuild = fileURLToPath(new URL('../../../web/build/index.html', import.meta.url));
const USERNAME = 'coldstart';
const PASSWORD = 'cold start has a long passphrase';
const STEP_TIMEOUT_MS = 60_000;

// Given as source text: functions passed to page.evaluate are serialised, and the bench runs under
// tsx, whose name-keeping helper would travel along with them and be missing in the page.
const WATCH_UNLOCK = `(() => {
  document.addEventListener('submit', () => { window.submitAt = performance.now(); }, true);
  new MutationObserver((_, observer) => {
    const headings = [...document.querySelectorAll('h1, h2')];
    if (window.chatsAt === undefined && headings.some((h) => h.textContent.trim() === 'Chats')) {
      window.chatsAt = performance.now();
      observer.disconnect();
    }
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
})()`;
const READ_MARKS = `(() => {
  const entries = performance.getEntriesByName(${JSON.stringify(VAULT_UNWRAP_MEASURE)});
  return {
    submitAt: window.submitAt,
    chatsAt: window.chatsAt,
    unwrapMs: entries.length === 0 ? 0 : entries[entries.length - 1].duration,
  };
})()`;

interface Timings {
  readonly lockScreenMs: number;
  readonly unlockMs: number;
  readonly unwrapMs: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function signUp(page: Page): Promise<void> {
  await page.goto('/signup');
  await page.getByLabel('Username').fill(USERNAME);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page
    .getByRole('heading', { name: 'Secure your account' })
    .waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.getByRole('link', { name: 'Skip for now' }).click();
  await page.getByRole('heading', { name: 'Chats' }).waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.evaluate('navigator.serviceWorker.ready.then(() => true)');
}

/** One reopening of the app: reload, wait for the lock screen, unlock, wait for the list. */
async function coldUnlock(page: Page): Promise<Timings> {
  await page.reload();
  await page.getByRole('heading', { name: 'Unlock' }).waitFor({ timeout: STEP_TIMEOUT_MS });
  const lockScreenMs = await page.evaluate<number>('performance.now()');
  await page.evaluate(WATCH_UNLOCK);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Unlock' }).click();
  // The observer has stamped the moment; this only waits for it (the page's CSP forbids the eval
  // that waitForFunction would use, as it should).
  await page.getByRole('heading', { name: 'Chats' }).waitFor({ timeout: STEP_TIMEOUT_MS });
  const marks = await page.evaluate<{ submitAt: number; chatsAt: number; unwrapMs: number }>(
    READ_MARKS,
  );
  return { lockScreenMs, unlockMs: marks.chatsAt - marks.submitAt, unwrapMs: marks.unwrapMs };
}

export const coldStartSection: Section = {
  name: 'cold-start',
  async run({ quick }): Promise<SectionReport> {
    if (!existsSync(webBuild)) {
      throw new Error('web/build is missing: run "pnpm --filter @veil/web build" first');
    }
    const runs = quick ? 2 : 5;
    const dataDir = await mkdtemp(join(tmpdir(), 'veil-bench-cold-'));
    const relay = await startRelayProcess({ dataDir, port: await freePort() });
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS],
    });
    try {
      const context = await browser.newContext({ baseURL: relay.baseUrl });
      const page = await context.newPage();
      await signUp(page);
      const timings: Timings[] = [];
      for (let i = 0; i < runs; i++) timings.push(await coldUnlock(page));
      const figures: Figure[] = [
        {
          name: 'password entered → unlocked conversation list, without the key derivation',
          ours: { value: median(timings.map((t) => t.unlockMs - t.unwrapMs)), unit: 'ms' },
          target: { on: 'ours', atMost: 1000 },
          detail: { runs, withDerivationMs: median(timings.map((t) => t.unlockMs)) },
        },
        {
          name: 'vault password unwrap (Argon2id at the vault limits), reported apart',
          ours: { value: median(timings.map((t) => t.unwrapMs)), unit: 'ms' },
        },
        {
          name: 'reopening the installed app → lock screen shown',
          ours: { value: median(timings.map((t) => t.lockScreenMs)), unit: 'ms' },
        },
      ];
      return {
        section: 'cold-start',
        title: 'Cold start of the installed PWA (headless Chromium, real relay)',
        figures,
        environment: { chromium: browser.version() },
        notes: [`median of ${String(runs)} reopenings after one sign-up`],
      };
    } finally {
      await browser.close();
      await relay.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
};
