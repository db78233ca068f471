// Two-factor authentication in the browser: Alice turns TOTP on from the account screen (the code
// is computed from the secret the screen shows, with otplib, and cross-checked with Debian's
// oathtool when it is installed), saves her recovery codes, signs out, and unlocking then asks for
// a code, which lets her back in.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { generate } from 'otplib';
import { passwordOf, signUp, uniqueName } from '../support/veil-page';

/** The RFC 6238 code for `secret` at `atMs`: otplib, and oathtool agreeing where it exists. */
async function totp(secret: string, atMs: number): Promise<string> {
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

test('TOTP on from the account screen, then required to sign in again', async ({ browser }) => {
  test.setTimeout(90_000);
  const name = uniqueName('alice');
  const page = await signUp(browser, name);
  await page.getByRole('link', { name: 'Account' }).click();
  await expect(page.getByRole('heading', { name: 'Account' })).toBeVisible();

  await page.getByLabel('Your password, to confirm it is you').fill(passwordOf(name));
  await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  await expect(page.getByLabel('QR code for your authenticator app')).toBeVisible();
  const secret = (await page.getByTestId('totp-secret').innerText()).trim();
  expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
  await page.getByLabel('Code from the app').fill(await totp(secret, Date.now()));
  await page.getByRole('button', { name: 'Turn on' }).click();
  const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
  await expect(codes).toHaveCount(10);
  await page.getByRole('button', { name: 'I saved them' }).click();
  await expect(page.getByText('10 recovery codes left')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Security activity' })).toContainText('totp-enabled');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Unlock' })).toBeVisible();
  await page.getByLabel('Password').fill(passwordOf(name));
  await page.getByRole('button', { name: 'Unlock' }).click();
  // The relay wants the second factor: the form asks for it.
  const codeField = page.getByLabel('Authenticator code or recovery code');
  await expect(codeField).toBeVisible({ timeout: 15_000 });
  // Each code works once: the next 30-second step's code (the relay accepts ±1 step).
  await codeField.fill(await totp(secret, Date.now() + 30_000));
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('heading', { name: 'Chats' })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();
});
