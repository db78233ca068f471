// RFC 6238 codes for the e2e suites: otplib computes them from the secret the account screen shows,
// and Debian's oathtool, where installed, must agree (an independent implementation).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';
import { generate } from 'otplib';
import { passwordOf } from './veil-page';

/** The TOTP code for `secret` at `atMs`: otplib, and oathtool agreeing where it exists. */
export async function totp(secret: string, atMs: number): Promise<string> {
  const code = await generate({
    secret,
    epoch: Math.floor(atMs / 1000),
    algorithm: 'sha1',
    digits: 6,
    period: 30,
  });
  if (existsSync('/usr/bin/oathtool')) {
    const when = new Date(atMs).toISOString().replace('T', ' ').slice(0, 19);
    const other = execFileSync('/usr/bin/oathtool', ['--totp', '-b', '-N', `${when} UTC`, secret], {
      encoding: 'utf8',
    }).trim();
    expect(other, 'oathtool agrees with otplib').toBe(code);
  }
  return code;
}

/**
 * Turns TOTP on from the account screen (or, with `onPage`, from the two-factor section already
 * shown, as on the onboarding screen); returns the secret. `recoveryCodes` receives the codes
 * shown (each code step works once, so a flow that needs more proofs than time steps uses them).
 */
export async function enrolTotp(
  page: Page,
  username: string,
  options: { onPage?: boolean; recoveryCodes?: string[] } = {},
): Promise<string> {
  if (options.onPage !== true) {
    await page.getByRole('link', { name: 'Account' }).click();
    await expect(page.getByRole('heading', { name: 'Account', exact: true })).toBeVisible();
  }
  await page.getByLabel('Your password, to confirm it is you').fill(passwordOf(username));
  await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  await expect(page.getByLabel('QR code for your authenticator app')).toBeVisible();
  const secret = (await page.getByTestId('totp-secret').innerText()).trim();
  expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
  await page.getByLabel('Code from the app').fill(await totp(secret, Date.now()));
  await page.getByRole('button', { name: 'Turn on' }).click();
  const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
  await expect(codes).toHaveCount(10);
  options.recoveryCodes?.push(...(await codes.allInnerTexts()).map((code) => code.trim()));
  await page.getByRole('button', { name: 'I saved them' }).click();
  await expect(page.getByText('10 recovery codes left')).toBeVisible();
  return secret;
}
