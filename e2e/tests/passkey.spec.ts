// The main scenario: Alice signs up with a password (the strength meter refuses a weak one)
// and turns on TOTP while onboarding (codes from the enrolled secret); Bob signs up with a passkey alone, made by Chromium's virtual authenticator
// (CTAP2 with user verification and PRF) over CDP. They add each other, compare safety numbers,
// mark each other verified and chat live both ways with delivered and read marks. Then Bob locks
// and unlocks with his passkey (its PRF output opens his vault), signs out and back in with it.
import { expect, test, type Page } from '@playwright/test';
import { addAuthenticator, pageWithAuthenticator } from '../support/passkey';
import { enrolTotp, totp } from '../support/totp';
import { addContact, messages, openChat, passwordOf, send, uniqueName } from '../support/veil-page';

async function verify(page: Page, peer: string): Promise<string> {
  await page.getByRole('link', { name: 'Verify safety number' }).click();
  await expect(page.getByRole('heading', { name: `Verify ${peer}` })).toBeVisible();
  const digits = page.getByRole('region', { name: 'Safety number' }).locator('.digits');
  await expect(digits).toHaveText(/^(\d{5}\s*){12}$/);
  const seen = (await digits.innerText()).replace(/\s+/g, '');
  await page.getByRole('button', { name: 'Mark as verified' }).click();
  await expect(page.getByText(`You verified ${peer}`)).toBeVisible();
  await page.getByRole('link', { name: 'Back to the conversation' }).click();
  await expect(page.getByText('✓ Verified')).toBeVisible();
  return seen;
}

test('password + TOTP meets passkey-only: verified, live both ways, passkey unlock', async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const aliceName = uniqueName('alice');
  const bobName = uniqueName('bob');

  // Alice: a password (a weak one is refused, the meter says why), then TOTP during onboarding.
  const alice = await (await browser.newContext()).newPage();
  await alice.goto('/signup');
  await alice.getByLabel('Username').fill(aliceName);
  await alice.getByLabel('Password', { exact: true }).fill('password123');
  await expect(alice.getByText('Very weak')).toBeVisible();
  await alice.getByRole('button', { name: 'Create account' }).click();
  await expect(
    alice.getByRole('status').filter({ hasText: 'Choose a stronger password' }),
  ).toBeVisible();
  await alice.getByLabel('Password', { exact: true }).fill(passwordOf(aliceName));
  await expect(alice.getByText('Very strong')).toBeVisible();
  await alice.getByRole('button', { name: 'Create account' }).click();
  await expect(alice.getByRole('heading', { name: 'Secure your account' })).toBeVisible({
    timeout: 20_000,
  });
  const aliceTotp = await enrolTotp(alice, aliceName, { onPage: true });
  await alice.getByRole('link', { name: 'Continue to chats' }).click();

  const bob = await pageWithAuthenticator(browser);
  await bob.goto('/signup');
  await bob.getByLabel('Username').fill(bobName);
  await bob.getByRole('button', { name: 'Use a passkey instead of a password' }).click();
  await expect(bob.getByLabel('Password', { exact: true })).toHaveCount(0);
  await bob.getByRole('button', { name: 'Create account with a passkey' }).click();
  await expect(bob.getByRole('heading', { name: 'Chats' })).toBeVisible({ timeout: 20_000 });
  await expect(bob.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();
  await bob.getByRole('link', { name: 'Account' }).click();
  await expect(bob.getByRole('list', { name: 'Passkeys' }).getByRole('listitem')).toHaveCount(1);

  for (const page of [alice, bob]) {
    await page.getByRole('link', { name: 'Chats' }).click();
    await expect(page.getByRole('heading', { name: 'Chats' })).toBeVisible();
  }
  await addContact(alice, bobName);
  await addContact(bob, aliceName);
  await openChat(alice, bobName);
  await openChat(bob, aliceName);
  expect(await verify(alice, bobName)).toBe(await verify(bob, aliceName));

  await send(alice, 'Hello passkey Bob');
  const fromAlice = messages(alice).last();
  await expect(messages(bob).last()).toContainText('Hello passkey Bob', { timeout: 15_000 });
  await expect(fromAlice).toContainText('Read', { timeout: 15_000 });
  await send(bob, 'Hello TOTP Alice');
  const fromBob = messages(bob).last();
  await expect(messages(alice).last()).toContainText('Hello TOTP Alice', { timeout: 15_000 });
  await expect(fromBob).toContainText('Read', { timeout: 15_000 });

  // Lock: only the passkey opens the vault again (no password exists), history intact.
  await bob.getByRole('button', { name: 'Lock', exact: true }).click();
  await expect(bob.getByRole('heading', { name: 'Unlock' })).toBeVisible();
  await expect(bob.getByLabel('Password', { exact: true })).toHaveCount(0);
  await bob.getByRole('button', { name: 'Unlock with passkey' }).click();
  await expect(bob.getByRole('heading', { name: 'Chats' })).toBeVisible({ timeout: 15_000 });
  await openChat(bob, aliceName);
  await expect(bob.getByRole('list', { name: 'Messages' })).toContainText('Hello passkey Bob');

  // Signed out: the passkey signs in again (the relay session is renewed and re-bound).
  await bob.getByRole('link', { name: 'Account' }).click();
  await bob.getByRole('button', { name: 'Sign out' }).click();
  await bob.getByRole('button', { name: 'Unlock with passkey' }).click();
  await expect(bob.getByRole('heading', { name: 'Chats' })).toBeVisible({ timeout: 15_000 });
  await expect(bob.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();
  await send(alice, 'Still there?');
  await openChat(bob, aliceName);
  await expect(messages(bob).last()).toContainText('Still there?', { timeout: 15_000 });

  // Alice (password + TOTP) adds a passkey behind a TOTP proof, renames it, and it opens her vault.
  await addAuthenticator(alice);
  await alice.getByRole('link', { name: 'Account' }).click();
  const passkeys = alice.getByRole('region', { name: 'Passkeys' });
  await passkeys.getByRole('button', { name: 'Add a passkey' }).click();
  await passkeys.getByLabel('Name for the new passkey').fill('Work laptop');
  await passkeys
    .getByLabel('Authenticator code or recovery code')
    .fill(await totp(aliceTotp, Date.now() + 30_000));
  await passkeys.getByRole('button', { name: 'Continue' }).click();
  await expect(passkeys.getByRole('status')).toContainText('unlocks Veil on this device', {
    timeout: 15_000,
  });
  await passkeys.getByRole('button', { name: 'Rename Work laptop' }).click();
  await passkeys.getByLabel('New name for Work laptop').fill('Desk');
  await passkeys.getByRole('button', { name: 'Save' }).click();
  await expect(passkeys.getByRole('list', { name: 'Passkeys' })).toContainText('Desk');
  await alice.getByRole('button', { name: 'Lock', exact: true }).click();
  await alice.getByRole('button', { name: 'Unlock with passkey' }).click();
  await expect(alice.getByRole('heading', { name: 'Chats' })).toBeVisible({ timeout: 15_000 });
});
