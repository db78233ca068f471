// Everything follows the account, in real browsers: Bob writes to Alice's laptop; her phone, added
// afterwards with her password, has no history until the laptop backs it up to a file (Account →
// History file) and the phone restores it (a wrong passphrase refused first). A second backup under
// a recovery code clears the code from the form once written. Bob's message is then unread on both,
// and reading it on the laptop clears the unread mark on the phone.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { bobWritesToAlice, openChat, passwordOf } from '../support/veil-page';

/** A fresh browser profile added to `username`'s account by password (no second factor set). */
async function addDevice(browser: Browser, username: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto('/signin');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(passwordOf(username));
  await page.getByRole('button', { name: 'Sign in on this device', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Chats' })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();
  return page;
}

const row = (page: Page, name: string) => page.getByRole('link', { name: new RegExp(name) });

test('a history file restores on a new device; reading on one device clears unread on the other', async ({
  browser,
}, testInfo) => {
  test.setTimeout(120_000);
  const { aliceName, bobName, laptop } = await bobWritesToAlice(browser, 'Read me on one device');
  await expect(row(laptop, bobName).getByLabel('1 unread')).toBeVisible({ timeout: 15_000 });

  await laptop.getByRole('link', { name: 'Account' }).click();
  await laptop.getByLabel('Passphrase for the file').fill('a history file passphrase');
  await laptop.getByLabel('Passphrase again', { exact: true }).fill('a history file passphrase');
  const download = laptop.waitForEvent('download');
  await laptop.getByRole('button', { name: 'Back up history to a file' }).click();
  const file = testInfo.outputPath('history.veilhistory');
  await (await download).saveAs(file);
  // A recovery code instead: it fills the (readonly) field once, and leaves with it when the file
  // is written, so a second "Back up" cannot write a file under an empty passphrase.
  const fileField = laptop.getByLabel('Passphrase for the file');
  await laptop.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await expect(fileField).toHaveValue(/^([\w-]{4}-){6}[\w-]{4}$/);
  const codeDownload = laptop.waitForEvent('download');
  await laptop.getByRole('button', { name: 'Back up history to a file' }).click();
  await codeDownload;
  await expect(fileField).toHaveValue('');
  await expect(fileField).toBeEditable();
  await expect(laptop.getByLabel('Passphrase again', { exact: true })).toBeVisible();
  await laptop.getByRole('link', { name: 'Chats' }).click();

  const phone = await addDevice(browser, aliceName);
  await expect(row(phone, bobName)).toHaveCount(0);
  await phone.getByRole('link', { name: 'Account' }).click();
  await phone.getByLabel('History file to restore').setInputFiles(file);
  await phone.getByLabel('Its passphrase or recovery code').fill('a wrong passphrase');
  await phone.getByRole('button', { name: 'Restore from a file' }).click();
  await expect(phone.getByText('The passphrase does not open this file.')).toBeVisible({
    timeout: 15_000,
  });
  await phone.getByLabel('Its passphrase or recovery code').fill('a history file passphrase');
  await phone.getByRole('button', { name: 'Restore from a file' }).click();
  await expect(phone.getByText('Restored 1 messages, 1 contacts and 0 groups.')).toBeVisible({
    timeout: 15_000,
  });
  await phone.getByRole('link', { name: 'Chats' }).click();
  await expect(row(phone, bobName)).toContainText('Read me on one device');
  await expect(row(phone, bobName).getByLabel('1 unread')).toBeVisible();

  await openChat(laptop, bobName);
  await expect(row(phone, bobName).getByLabel('1 unread')).toHaveCount(0, { timeout: 15_000 });
  await expect(row(phone, bobName)).toContainText('Read me on one device');
});
