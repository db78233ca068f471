// Two-factor authentication in the browser: Alice turns TOTP on from the account screen (the code
// is computed from the secret the screen shows, with otplib, and cross-checked with Debian's
// oathtool when it is installed), saves her recovery codes, signs out, and unlocking then asks for
// a code, which lets her back in.
import { expect, test } from '@playwright/test';
import { enrolTotp, totp } from '../support/totp';
import { passwordOf, signUp, uniqueName } from '../support/veil-page';

test('TOTP on from the account screen, then required to sign in again', async ({ browser }) => {
  test.setTimeout(90_000);
  const name = uniqueName('alice');
  const page = await signUp(browser, name);
  const secret = await enrolTotp(page, name);
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
