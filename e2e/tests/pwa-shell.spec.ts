// The PWA shell as a person gets it: built by `pnpm --filter @veil/web build`, served by the real
// relay from web/build, loaded by Chromium under the real CSP. It renders, is installable, installs
// its service worker, and opens again from the cache with no network.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { inlineScriptHashes } from '../../relay/src/plugins/external/pwa-csp';

declare global {
  interface Window {
    __cspViolations?: string[];
  }
}

const builtIndex = fileURLToPath(new URL('../../web/build/index.html', import.meta.url));

function bootstrapHashes(): string[] {
  let html: string;
  try {
    html = readFileSync(builtIndex, 'utf8');
  } catch {
    throw new Error('No web/build/index.html: run "pnpm --filter @veil/web build" first.');
  }
  const hashes = inlineScriptHashes(html);
  expect(hashes.length, 'the built index.html boots SvelteKit with an inline script').toBe(1);
  return hashes;
}

/** Collects console errors, page errors, failed requests and CSP violations of `page`. */
async function watchForProblems(page: Page): Promise<() => Promise<string[]>> {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
  // Injected by the DevTools protocol, so the CSP under test does not block the listener itself.
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__cspViolations?.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return async () => {
    const violations = (await page.evaluate(() => window.__cspViolations)) ?? [];
    // cbor-x and wasm-bindgen probe whether eval works (`try { Function('') } catch {}`) and take
    // their eval-free paths when the CSP refuses: a refused probe is the CSP working, not a fault.
    // Anything else — inline script or style, a foreign origin — is a problem.
    const faults = violations.filter((violation) => violation !== 'script-src eval');
    return [...problems, ...faults.map((violation) => `CSP violation: ${violation}`)];
  };
}

async function expectWelcome(page: Page): Promise<void> {
  await expect(page).toHaveTitle('Veil');
  await expect(page.getByRole('banner').getByRole('link', { name: 'Veil' })).toBeVisible();
  await expect(page.getByRole('main').getByRole('heading', { level: 1 })).toHaveText(
    'Welcome to Veil',
  );
  await expect(page.getByRole('link', { name: 'Create account' })).toHaveAttribute(
    'href',
    '/signup',
  );
  await expect(page.getByRole('link', { name: 'Sign in' })).toHaveAttribute('href', '/signin');
}

test("the relay's CSP header allows the PWA's bootstrap script and nothing inline besides", async ({
  request,
}) => {
  const response = await request.get('/', { headers: { accept: 'text/html' } });
  const policy = response.headers()['content-security-policy'] ?? '';
  const scriptSrc = /script-src ([^;]*)/.exec(policy)?.[1] ?? '';
  for (const hash of bootstrapHashes()) expect(scriptSrc).toContain(hash);
  expect(policy).not.toContain("'unsafe-inline'");
  expect(policy).not.toContain("'unsafe-eval'");
});

test('the welcome page renders under the strict CSP with no errors', async ({ page }) => {
  const problems = await watchForProblems(page);

  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  const policy = response?.headers()['content-security-policy'] ?? '';
  expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).not.toContain("'unsafe-inline'");
  expect(policy).not.toContain("'unsafe-eval'");
  expect(response?.headers()['cross-origin-opener-policy']).toBe('same-origin');

  await expectWelcome(page);
  await expect(page.getByRole('status').filter({ hasText: 'Connection:' })).toHaveText(
    /Not connected to the relay/,
  );
  // Styles are files, not inline, and they applied.
  await expect(page.locator('body')).toHaveCSS('margin', '0px');

  // Client-side navigation to a form with labelled controls (chat.spec.ts submits it for real).
  await page.getByRole('link', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/signup$/);
  await expect(page.getByLabel('Username')).toBeEditable();
  await expect(page.getByLabel('Password')).toBeEditable();
  await expect(page.getByLabel('Invite code')).toBeEditable();
  await expect(page.getByRole('button', { name: 'Create account' })).toBeEnabled();

  await page.waitForLoadState('networkidle');
  expect(await problems()).toEqual([]);
});

test('the app is installable and opens from the cache with no network', async ({
  context,
  page,
}) => {
  const problems = await watchForProblems(page);
  await page.goto('/');
  await expectWelcome(page);

  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  await cdp.detach();
  // Playwright's contexts are incognito-like; Chromium says so, and that is not the app's doing.
  expect(installabilityErrors.filter((error) => error.errorId !== 'in-incognito')).toEqual([]);

  // The worker precaches the shell on install, then activates and takes the page.
  await expect
    .poll(() =>
      page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state ?? 'none'),
    )
    .toBe('activated');
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null))
    .toBe(true);
  const cached = await page.evaluate(async () => {
    const keys = await caches.keys();
    const urls = await Promise.all(
      keys.map(async (key) => (await (await caches.open(key)).keys()).map((r) => r.url)),
    );
    return urls.flat().map((url) => new URL(url).pathname);
  });
  expect(cached).toContain('/');
  expect(cached).toContain('/manifest.webmanifest');
  expect(cached.some((path) => path.startsWith('/api/'))).toBe(false);

  // Offline for the page, and for the worker too: Playwright's routes also see the worker's
  // requests, and the one above would fetch them from Node, so every request now fails instead.
  await context.unrouteAll();
  await context.route('**/*', (route) => route.abort('internetdisconnected'));
  await context.setOffline(true);
  const reloaded = await page.reload();
  expect(reloaded?.fromServiceWorker()).toBe(true);
  await expectWelcome(page);
  await expect(page.getByRole('status').filter({ hasText: 'Connection:' })).toHaveText(/Offline/);
  expect(await problems()).toEqual([]);
});
