// Every device equal, in real browsers: Alice signs up in one browser profile and turns TOTP on,
// then adds a second profile from its sign-in screen with her password and a code ("Sign in on this
// device"); Bob uses a third. Bob's message shows on both of Alice's; Alice's reply from one shows
// as sent on the other and reaches Bob once. Then Alice removes the second device from the first:
// it is told, Bob's next message reaches only the device that is left, and Bob is told a device
// went (his safety number unchanged).
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

test('two devices of one account: both receive, sent ones show on both, and a removed one gets nothing more', async ({
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

  // The laptop removes the phone: the phone is told, and Bob's next message reaches the laptop only.
  await laptop.getByRole('link', { name: 'Account' }).click();
  const devices = laptop.getByRole('list', { name: 'Devices' });
  await expect(devices.getByRole('listitem')).toHaveCount(2);
  await expect(devices.getByRole('listitem').first()).toContainText('this device');
  await laptop.getByRole('button', { name: /^Remove .* \(device 2\)$/ }).click();
  await laptop.getByRole('button', { name: 'Remove device' }).click();
  await expect(devices.getByRole('listitem')).toHaveCount(1);
  await expect(
    phone.getByRole('status').filter({ hasText: 'This device was removed from your account' }),
  ).toBeVisible({ timeout: 15_000 });

  await send(bob, 'Only the laptop hears this');
  await laptop.getByRole('link', { name: 'Chats' }).click();
  await expect(laptop.getByRole('link', { name: new RegExp(bobName) })).toContainText(
    'Only the laptop hears this',
    { timeout: 15_000 },
  );
  await expect(messages(phone)).toHaveCount(2);

  // Bob's next message fetches Alice's list again: he is told a device went, with his safety number
  // unchanged, until he dismisses it.
  await send(bob, 'And one more');
  const notice = bob.getByRole('status', { name: 'Devices changed' });
  await expect(notice).toContainText(`${aliceName} removed a device`, { timeout: 15_000 });
  await expect(notice).toContainText('safety number with them is unchanged');
  await notice.getByRole('button', { name: 'OK' }).click();
  await expect(notice).toHaveCount(0);
});
