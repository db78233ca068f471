// Every device equal, in real browsers: Alice signs up in one browser profile and turns TOTP on,
// then adds a second profile from its sign-in screen with her password and a code ("Sign in on this
// device"); Bob uses a third. Bob's message shows on both of Alice's; Alice's reply from one shows
// as sent on the other and reaches Bob once.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { enrolTotp, totp } from '../support/totp';
import {
  addContact,
  messages,
  openChat,
  passwordOf,
  send,
  signUp,
  uniqueName,
} from '../support/veil-page';

/** A fresh browser profile added to `username`'s account by password + TOTP. */
async function addDevice(browser: Browser, username: string, secret: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto('/signin');
  await expect(page.getByRole('heading', { name: 'Sign in on this device' })).toBeVisible();
  await expect(page.getByText('starts with an empty history')).toBeVisible();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(passwordOf(username));
  await page.getByRole('button', { name: 'Sign in on this device', exact: true }).click();
  const codeField = page.getByLabel('Authenticator code or recovery code');
  await expect(codeField).toBeVisible({ timeout: 15_000 });
  // The enrolment used this step's code; each code works once, so the next step's (±1 accepted).
  await codeField.fill(await totp(secret, Date.now() + 30_000));
  await page.getByRole('button', { name: 'Sign in on this device', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Chats' })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();
  return page;
}

test('two devices of one account: both receive, and what one sends shows as sent on the other', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const aliceName = uniqueName('alice');
  const bobName = uniqueName('bob');
  const laptop = await signUp(browser, aliceName);
  const secret = await enrolTotp(laptop, aliceName);
  await laptop.getByRole('link', { name: 'Chats' }).click();
  const phone = await addDevice(browser, aliceName, secret);

  const bob = await signUp(browser, bobName);
  await addContact(bob, aliceName);
  await addContact(laptop, bobName);

  await openChat(bob, aliceName);
  await send(bob, 'Hello Alice, wherever you are');
  for (const alice of [laptop, phone]) {
    await expect(alice.getByRole('link', { name: new RegExp(bobName) })).toContainText(
      'Hello Alice, wherever you are',
      { timeout: 15_000 },
    );
  }

  await openChat(laptop, bobName);
  await send(laptop, 'Answered from the laptop');
  await expect(messages(bob).last()).toContainText('Answered from the laptop', { timeout: 15_000 });
  await openChat(phone, bobName);
  await expect(messages(phone)).toHaveCount(2, { timeout: 15_000 });
  await expect(messages(phone).last()).toContainText('Answered from the laptop');
  // Stored there as sent by Alice, not as a message from Bob.
  await expect(messages(phone).last()).toHaveClass(/out/);
  // Bob got the reply once.
  await expect(messages(bob)).toHaveCount(2);
});
