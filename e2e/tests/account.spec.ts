// The account screen's sensitive changes in the browser, against the real relay: a new password
// (the old one then opens nothing), new recovery codes (one signs in; TOTP then turns off), an
// encrypted backup restored into a fresh browser profile, deleting the account (the username is
// free again and the local vault is gone), and auto-lock after idle (time driven by page.clock).
import { readFile } from 'node:fs/promises';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { enrolTotp, totp } from '../support/totp';
import {
  addContact,
  messages,
  openChat,
  passwordOf,
  send,
  signUp,
  skipOnboarding,
  uniqueName,
} from '../support/veil-page';

const newPasswordOf = (username: string): string => `${username} changed to a fresh passphrase`;

async function openAccount(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Account' }).click();
  await expect(page.getByRole('heading', { name: 'Account', exact: true })).toBeVisible();
}

async function signOutToUnlock(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Unlock' })).toBeVisible();
}

async function unlock(page: Page, password: string, code?: string): Promise<void> {
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Unlock' }).click();
  if (code !== undefined) {
    const codeField = page.getByLabel('Authenticator code or recovery code');
    await expect(codeField).toBeVisible({ timeout: 15_000 });
    await codeField.fill(code);
    await page.getByRole('button', { name: 'Unlock' }).click();
  }
  await expect(page.getByRole('heading', { name: 'Chats' })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();
}

test('change password: the new one unlocks and signs in, the old one is refused', async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const name = uniqueName('carol');
  const page = await signUp(browser, name);
  await openAccount(page);
  const section = page.getByRole('region', { name: 'Change password' });
  await section.getByLabel('Current password').fill(passwordOf(name));
  await section.getByLabel('New password', { exact: true }).fill(newPasswordOf(name));
  await section.getByLabel('New password again').fill(newPasswordOf(name));
  await section.getByRole('button', { name: 'Change password' }).click();
  await expect(section.getByRole('status')).toHaveText(/Password changed/, { timeout: 20_000 });
  await expect(page.getByRole('list', { name: 'Security activity' })).toContainText(
    'password-changed',
  );

  // Signing out ends the session, so unlocking also signs in to the relay with the password.
  await signOutToUnlock(page);
  await page.getByLabel('Password').fill(passwordOf(name));
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByText('The password is not right.')).toBeVisible({ timeout: 15_000 });
  await unlock(page, newPasswordOf(name));
});

test('new recovery codes: shown once, one signs in, another turns TOTP off', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const name = uniqueName('dave');
  const page = await signUp(browser, name);
  const secret = await enrolTotp(page, name);

  const section = page.getByRole('region', { name: 'Two-factor authentication' });
  // The enrolment spent this 30-second step's code; the relay accepts the next one.
  await section
    .getByLabel('Authenticator code or recovery code')
    .fill(await totp(secret, Date.now() + 30_000));
  await section.getByRole('button', { name: 'New recovery codes' }).click();
  const list = section.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
  await expect(list).toHaveCount(10);
  const codes = (await list.allInnerTexts()).map((code) => code.trim());
  const downloading = page.waitForEvent('download');
  await section.getByRole('button', { name: 'Download codes' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`veil-recovery-codes-${name}.txt`);
  const saved = await readFile(await download.path(), 'utf8');
  for (const code of codes) expect(saved).toContain(code);
  await section.getByRole('button', { name: 'I saved them' }).click();
  await expect(section.getByText('10 recovery codes left')).toBeVisible();
  await expect(section.getByRole('list', { name: 'Recovery codes' })).toHaveCount(0);

  await signOutToUnlock(page);
  await unlock(page, passwordOf(name), codes[0]);

  await openAccount(page);
  await expect(section.getByText('9 recovery codes left')).toBeVisible();
  await section.getByLabel('Authenticator code or recovery code').fill(codes[0]!);
  await section.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
  await expect(section.getByRole('status')).not.toBeEmpty();
  await section.getByLabel('Authenticator code or recovery code').fill(codes[1]!);
  await section.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
  await expect(section.getByText(/^Off\./)).toBeVisible();
  await expect(page.getByRole('list', { name: 'Security activity' })).toContainText(
    'totp-disabled',
  );
});

test('encrypted backup: exported, restored into a fresh profile, unlocked with the history', async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const erin = uniqueName('erin');
  const frank = uniqueName('frank');
  const frankPage = await signUp(browser, frank);
  const page = await signUp(browser, erin);
  await addContact(frankPage, erin);
  await addContact(page, frank);
  await openChat(page, frank);
  await send(page, 'kept in the backup');
  await expect(messages(page).filter({ hasText: 'kept in the backup' })).toBeVisible();

  await openAccount(page);
  const section = page.getByRole('region', { name: 'Encrypted backup' });
  await expect(section).toContainText('multi-device support');
  await section.getByLabel('Backup passphrase', { exact: true }).fill('backup passphrase for erin');
  await section.getByLabel('Backup passphrase again').fill('backup passphrase for erin');
  const downloading = page.waitForEvent('download');
  await section.getByRole('button', { name: 'Export backup' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(
    new RegExp(`^veil-backup-${erin}-\\d{4}-\\d{2}-\\d{2}\\.veil$`),
  );
  // Kept outside the context: its downloads go when it closes.
  const file = test.info().outputPath(download.suggestedFilename());
  await download.saveAs(file);
  await expect(section.getByRole('status')).toHaveText('Backup saved to your downloads.');
  // The original stops running before the copy starts: they would be the same device.
  await page.context().close();

  const fresh = await newPage(browser);
  await fresh.goto('/');
  await fresh.getByRole('link', { name: 'Restore from a backup file' }).click();
  await expect(fresh.getByRole('heading', { name: 'Restore from a backup file' })).toBeVisible();
  await fresh.getByLabel('Backup file').setInputFiles(file);
  await fresh.getByLabel('Backup passphrase').fill('not the passphrase');
  await fresh.getByRole('button', { name: 'Restore' }).click();
  await expect(fresh.getByText('The passphrase is not right')).toBeVisible({ timeout: 20_000 });
  await fresh.getByLabel('Backup passphrase').fill('backup passphrase for erin');
  await fresh.getByRole('button', { name: 'Restore' }).click();
  await expect(fresh.getByRole('heading', { name: 'Unlock' })).toBeVisible({ timeout: 20_000 });
  await unlock(fresh, passwordOf(erin));
  await openChat(fresh, frank);
  await expect(messages(fresh).filter({ hasText: 'kept in the backup' })).toBeVisible();

  // The restored device is the same device to the relay: messages reach it.
  await openChat(frankPage, erin);
  await send(frankPage, 'reaches the restored copy');
  await expect(messages(fresh).filter({ hasText: 'reaches the restored copy' })).toBeVisible({
    timeout: 15_000,
  });
});

test('delete account: the username is free again and the local vault is gone', async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const name = uniqueName('gina');
  const page = await signUp(browser, name);
  await openAccount(page);
  const section = page.getByRole('region', { name: 'Delete account' });
  const button = section.getByRole('button', { name: 'Delete account' });
  await section.getByLabel('Current password').fill(passwordOf(name));
  await expect(button).toBeDisabled();
  await section.getByLabel('Type your username').fill(name);
  await button.click();
  await expect(page.getByRole('heading', { name: 'Welcome to Veil' })).toBeVisible({
    timeout: 20_000,
  });
  await expect(page.getByRole('link', { name: 'Account', exact: true })).toHaveCount(0);
  const databases = await page.evaluate(async () =>
    (await indexedDB.databases()).map((database) => database.name),
  );
  expect(databases).not.toContain('veil');

  await page.getByRole('link', { name: 'Create account' }).click();
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(passwordOf(name));
  await page.getByRole('button', { name: 'Create account' }).click();
  await skipOnboarding(page);
});

test('auto-lock: locks after the chosen idle time, activity postpones it', async ({ browser }) => {
  test.setTimeout(90_000);
  const name = uniqueName('hana');
  const page = await newPage(browser);
  await page.clock.install();
  await page.goto('/signup');
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(passwordOf(name));
  await page.getByRole('button', { name: 'Create account' }).click();
  await skipOnboarding(page);

  await openAccount(page);
  const choice = page.getByLabel('Lock after idle');
  await expect(choice).toHaveValue('15');
  await choice.selectOption({ label: '1 minute' });
  await page.clock.fastForward(40_000);
  await page.keyboard.press('Shift'); // activity: the minute starts again
  await page.clock.fastForward(40_000);
  await expect(page.getByRole('heading', { name: 'Account', exact: true })).toBeVisible();
  await page.clock.fastForward(25_000);
  await expect(page.getByRole('heading', { name: 'Unlock' })).toBeVisible();

  // The choice is kept in this browser.
  await unlock(page, passwordOf(name));
  await openAccount(page);
  await expect(page.getByLabel('Lock after idle')).toHaveValue('1');
});

async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  return context.newPage();
}
