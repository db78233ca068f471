// Two people, two browser profiles, one real relay: Alice and Bob create accounts (keys made in
// the browser), add each other, and chat live both ways with delivered and read marks. A message
// carrying HTML and script renders as literal text and runs nothing.
import { expect, test, type Browser, type Page } from '@playwright/test';

async function signUp(browser: Browser, username: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('dialog', (dialog) => {
    throw new Error(`unexpected dialog: ${dialog.message()}`);
  });
  await page.goto('/signup');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(`${username} has a long passphrase`);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: 'Chats' })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();
  return page;
}

async function addContact(page: Page, username: string): Promise<void> {
  await page.getByLabel('Add a contact by username').fill(username);
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByText(`${username} added`)).toBeVisible();
}

const unique = (name: string) => `${name}-${Date.now().toString(36)}`;

test('two people chat live with delivered and read marks', async ({ browser }) => {
  test.setTimeout(90_000);
  const aliceName = unique('alice');
  const bobName = unique('bob');
  const alice = await signUp(browser, aliceName);
  const bob = await signUp(browser, bobName);
  await addContact(alice, bobName);
  await addContact(bob, aliceName);

  await alice.getByRole('link', { name: new RegExp(bobName) }).click();
  await alice.getByRole('textbox', { name: 'Message' }).fill('Hello Bob');
  await alice.getByRole('button', { name: 'Send' }).click();
  const sent = alice.getByRole('list', { name: 'Messages' }).getByRole('listitem').last();
  await expect(sent).toContainText('Hello Bob');
  await expect(sent).toContainText('Delivered', { timeout: 15_000 });

  // Bob sees it in his list, opens the conversation: Alice's mark turns to Read.
  await expect(bob.getByRole('link', { name: new RegExp(aliceName) })).toContainText('Hello Bob');
  await bob.getByRole('link', { name: new RegExp(aliceName) }).click();
  await expect(bob.getByRole('list', { name: 'Messages' })).toContainText('Hello Bob');
  await expect(sent).toContainText('Read', { timeout: 15_000 });

  // Bob answers with markup; Alice gets it live, as text.
  const payload = '<img src=x onerror="alert(1)"><script>alert(2)</script><b>bold?</b>';
  await bob.getByRole('textbox', { name: 'Message' }).fill(payload);
  await bob.getByRole('button', { name: 'Send' }).click();
  const received = alice.getByRole('list', { name: 'Messages' }).getByRole('listitem').last();
  await expect(received).toContainText(payload, { timeout: 15_000 });
  await expect(alice.locator('.history img, .history script, .history b')).toHaveCount(0);
});
