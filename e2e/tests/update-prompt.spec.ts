// A new version deployed while the app is open: the relay serves a copy of the built PWA whose
// service worker is then changed on disk. When the tab comes back to the foreground the app checks
// for an update, the new worker installs and waits, and the app offers "Reload"; reloading hands
// the page to the new worker. Nothing arrives silently, and page and cache stay of one version.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { freePort, startRelayProcess, type RelayProcess } from '../relay-process';

const built = fileURLToPath(new URL('../../web/build', import.meta.url));
let relay: RelayProcess | undefined;
let scratch: string | undefined;

test.afterAll(async () => {
  await relay?.stop();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

test('a new version waits behind the running one until the person reloads', async ({ browser }) => {
  test.setTimeout(60_000);
  scratch = await mkdtemp(join(tmpdir(), 'veil-e2e-update-'));
  const webDir = join(scratch, 'web');
  await cp(built, webDir, { recursive: true });
  relay = await startRelayProcess({
    dataDir: join(scratch, 'data'),
    port: await freePort(),
    env: { VEIL_WEB_DIR: webDir },
  });
  const context = await browser.newContext({ baseURL: relay.baseUrl });
  const page = await context.newPage();
  await page.goto('/');
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null))
    .toBe(true);
  const update = page.getByRole('region', { name: 'App update' });
  await expect(update).toHaveCount(0);

  // The operator deploys a new build: here, the same worker with one byte more.
  const worker = join(webDir, 'service-worker.js');
  await writeFile(worker, `${await readFile(worker, 'utf8')}\n// next version\n`);

  // The tab returns to the foreground, which is when the app looks for a new version.
  await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  await expect(update).toBeVisible({ timeout: 20_000 });
  await expect(update).toContainText('Update available');

  await Promise.all([
    page.waitForEvent('load'),
    update.getByRole('button', { name: 'Reload' }).click(),
  ]);
  await expect(update).toHaveCount(0);
  const controller = await page.evaluate(async () => {
    const script = navigator.serviceWorker.controller?.scriptURL;
    return script === undefined ? '' : (await fetch(script)).text();
  });
  expect(controller).toContain('// next version');
  await context.close();
});
