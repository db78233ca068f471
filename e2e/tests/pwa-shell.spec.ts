// The PWA shell as a person gets it: loaded by Chromium from the real relay, under the real CSP.
import { expect, test } from '@playwright/test';

declare global {
  interface Window {
    __cspViolations?: string[];
  }
}

test('the shell loads under a strict CSP with no console errors', async ({ page }) => {
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

  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  const headers = response?.headers() ?? {};
  expect(headers['content-security-policy']).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');

  await expect(page).toHaveTitle('Veil');
  await expect(page.getByRole('heading', { level: 1, name: 'Veil' })).toBeVisible();
  // The stylesheet is a file, not inline, and it applied.
  await expect(page.locator('body')).toHaveCSS('margin', '0px');
  await page.waitForLoadState('networkidle');

  expect(await page.evaluate(() => window.__cspViolations)).toEqual([]);
  expect(problems).toEqual([]);
});
