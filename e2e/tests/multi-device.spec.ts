// The scenario in real browsers: Alice on two browser profiles — a laptop signed in with a
// password + TOTP, and a phone that was added by password + TOTP, registered its own passkey (a
// virtual authenticator with PRF; a copied credential would lose its PRF secret) and then signed
// in again with that passkey alone — and Bob on a third. Bob wrote to Alice before the phone
// existed, so his very next message reaching it shows lists follow an added device at once. Bob's message
// shows on both of Alice's; her reply from the laptop shows as sent on the phone and reaches Bob
// once. Then the laptop removes the phone: the phone says so (and can erase its copy), Bob's next
// message reaches the laptop only, and Bob is told a device went (his safety number unchanged).
import { expect, test, type Page } from '@playwright/test';
import { pageWithAuthenticator } from '../support/passkey';
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

/** Adds the fresh browser profile of `page` to `username`'s account by password + TOTP. */
async function addDevice(page: Page, username: string, secret: string): Promise<void> {
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
}

/** Registers a passkey on `page` (a recovery code proves it is Alice), signs out, signs in with it. */
async function switchToPasskey(page: Page, recoveryCode: string): Promise<void> {
  await page.getByRole('link', { name: 'Account' }).click();
  const passkeys = page.getByRole('region', { name: 'Passkeys' });
  await passkeys.getByRole('button', { name: 'Add a passkey' }).click();
  await passkeys.getByLabel('Name for the new passkey').fill('Phone');
  await passkeys.getByLabel('Authenticator code or recovery code').fill(recoveryCode);
  await passkeys.getByRole('button', { name: 'Continue' }).click();
  await expect(passkeys.getByRole('status')).toContainText('unlocks Veil on this device', {
    timeout: 15_000,
  });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Unlock with passkey' }).click();
  await expect(page.getByRole('heading', { name: 'Chats' })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();
}

test('a password + TOTP laptop and a passkey phone: both receive, sent ones show on both, a removed one knows', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const aliceName = uniqueName('alice');
  const bobName = uniqueName('bob');
  const laptop = await signUp(browser, aliceName);
  const recoveryCodes: string[] = [];
  const secret = await enrolTotp(laptop, aliceName, { recoveryCodes });
  await laptop.getByRole('link', { name: 'Chats' }).click();
  const bob = await signUp(browser, bobName);
  await addContact(bob, aliceName);
  await addContact(laptop, bobName);
  // Bob writes before the phone exists: the list of Alice's he holds is fresh, with one device.
  await openChat(bob, aliceName);
  await send(bob, 'Hi Alice');
  await expect(laptop.getByRole('link', { name: new RegExp(bobName) })).toContainText('Hi Alice', {
    timeout: 15_000,
  });

  const phone = await pageWithAuthenticator(browser);
  await addDevice(phone, aliceName, secret);
  await switchToPasskey(phone, recoveryCodes[0]!);
  await phone.getByRole('link', { name: 'Chats' }).click();

  await send(bob, 'Hello Alice, wherever you are');
  for (const alice of [laptop, phone]) {
    await expect(alice.getByRole('link', { name: new RegExp(bobName) })).toContainText(
      'Hello Alice, wherever you are',
      { timeout: 15_000 },
    );
  }
  // The relay's reply to Bob's send named Alice's newer list: he fetched it, sent the phone its
  // copy, and is told.
  await expect(bob.getByRole('status', { name: 'Devices changed' })).toContainText(
    `${aliceName} added a device: “Browser on Linux”`,
  );

  await openChat(laptop, bobName);
  await send(laptop, 'Answered from the laptop');
  await expect(messages(bob).last()).toContainText('Answered from the laptop', { timeout: 15_000 });
  await openChat(phone, bobName);
  await expect(messages(phone)).toHaveCount(2, { timeout: 15_000 });
  await expect(messages(phone).last()).toContainText('Answered from the laptop');
  // Stored there as sent by Alice, not as a message from Bob.
  await expect(messages(phone).last()).toHaveClass(/out/);
  // Bob got the reply once.
  await expect(messages(bob)).toHaveCount(3);

  // The laptop removes the phone: the phone says it was removed, and can erase its copy.
  await laptop.getByRole('link', { name: 'Account' }).click();
  const devices = laptop.getByRole('list', { name: 'Devices' });
  await expect(devices.getByRole('listitem')).toHaveCount(2);
  await expect(devices.getByRole('listitem').first()).toContainText('this device');
  await laptop.getByRole('button', { name: /^Remove .* \(device 2\)$/ }).click();
  await laptop.getByRole('button', { name: 'Remove device' }).click();
  await expect(devices.getByRole('listitem')).toHaveCount(1);
  const removed = phone.getByRole('alert', { name: 'Device removed' });
  await expect(removed).toContainText('This device was removed from your account', {
    timeout: 15_000,
  });
  await expect(
    phone.getByRole('status').filter({ hasText: 'This device was removed from your account' }),
  ).toBeVisible();

  await send(bob, 'Only the laptop hears this');
  await laptop.getByRole('link', { name: 'Chats' }).click();
  await expect(laptop.getByRole('link', { name: new RegExp(bobName) })).toContainText(
    'Only the laptop hears this',
    { timeout: 15_000 },
  );
  await expect(messages(phone)).toHaveCount(2);
  // Erasing asks first, and takes the attachment cache too (seeded here: ciphertext is still the
  // account's files).
  await phone.evaluate(async () => {
    const cache = await caches.open('veil-attachments');
    await cache.put('/attachment-cache/seeded', new Response('ciphertext'));
  });
  const erase = removed.getByRole('button', { name: "Erase this browser's copy" });
  const confirm = phone.getByRole('dialog', { name: "Erase this browser's copy?" });
  await erase.click();
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toBeHidden();
  await expect(messages(phone)).toHaveCount(2);
  await erase.click();
  await confirm.getByRole('button', { name: 'Erase', exact: true }).click();
  await expect(phone.getByRole('heading', { name: 'Welcome to Veil' })).toBeVisible();
  expect(await phone.evaluate(() => caches.has('veil-attachments'))).toBe(false);
  await phone.goto('/signin');
  await expect(phone.getByRole('heading', { name: 'Sign in on this device' })).toBeVisible();

  // Bob's next message fetches Alice's list again: he is told a device went, with his safety number
  // unchanged, until he dismisses it.
  await send(bob, 'And one more');
  const notice = bob.getByRole('status', { name: 'Devices changed' });
  await expect(notice).toContainText(`${aliceName} removed a device`, { timeout: 15_000 });
  await expect(notice).toContainText('safety number with them is unchanged');
  await notice.getByRole('button', { name: 'OK' }).click();
  await expect(notice).toHaveCount(0);
});
