// Linking a browser from a signed-in one, in real browsers: a fresh profile opens /link and shows a
// link code; Alice's laptop pastes it under Account → Devices, both show the same six digits, and
// once confirmed on both the new profile is a device of her account: it appears in her device list,
// gets the old conversation when the laptop sends its history, receives Bob's next message, and a
// mute there shows on the laptop.
import { expect, test } from '@playwright/test';
import { bobWritesToAlice, messages, openChat, passwordOf, send } from '../support/veil-page';

test('a new browser is linked by its paste code after both screens show the same code', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const { aliceName, bobName, laptop, bob } = await bobWritesToAlice(
    browser,
    'Written before the link',
  );

  const tablet = await (await browser.newContext()).newPage();
  await tablet.goto('/signin');
  await tablet.getByRole('link', { name: 'Link from it' }).click();
  await expect(tablet.getByRole('heading', { name: 'Link this browser' })).toBeVisible();
  const linkText = tablet.getByLabel('Link code');
  await expect(linkText).not.toHaveValue('');
  const offer = await linkText.inputValue();

  await laptop.getByRole('link', { name: 'Account' }).click();
  await laptop.getByRole('button', { name: 'Link a new device' }).click();
  await laptop.getByLabel('Link code').fill(offer);
  await laptop.getByRole('button', { name: 'Continue' }).click();
  const laptopCode = laptop.getByLabel('Verification code');
  const tabletCode = tablet.getByLabel('Verification code');
  await expect(laptopCode).toHaveText(/^\d{3} \d{3}$/, { timeout: 15_000 });
  await expect(tabletCode).toHaveText(/^\d{3} \d{3}$/, { timeout: 15_000 });
  expect((await tabletCode.textContent())?.trim()).toBe((await laptopCode.textContent())?.trim());

  await laptop.getByRole('button', { name: 'The codes match — link it' }).click();
  await tablet.getByLabel('Password for Veil on this browser').fill(passwordOf(aliceName));
  await tablet.getByLabel('Password again').fill(passwordOf(aliceName));
  await tablet.getByRole('button', { name: 'The codes match — link this browser' }).click();
  await expect(tablet.getByRole('heading', { name: 'Chats' })).toBeVisible({ timeout: 30_000 });
  await expect(tablet.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();
  await expect(laptop.getByRole('status').filter({ hasText: 'Sent.' })).toBeVisible();
  // The list is read when the screen opens: open it again to see the new device.
  await laptop.getByRole('link', { name: 'Chats' }).click();
  await laptop.getByRole('link', { name: 'Account' }).click();
  await expect(laptop.getByRole('list', { name: 'Devices' }).getByRole('listitem')).toHaveCount(2);

  // The old conversation comes over when the laptop sends its history.
  await laptop.getByLabel('Send history to your other devices').selectOption('all');
  await laptop.getByRole('button', { name: 'Send history' }).click();
  await expect(laptop.getByRole('status').filter({ hasText: 'Sent 1 messages' })).toBeVisible({
    timeout: 15_000,
  });
  await expect(tablet.getByRole('link', { name: new RegExp(bobName) })).toContainText(
    'Written before the link',
    { timeout: 15_000 },
  );

  await openChat(tablet, bobName);
  await expect(messages(tablet)).toHaveCount(1);
  await expect(messages(tablet).first()).toContainText('Written before the link');
  // Bob's copy of Alice's device list learns of the tablet when it first writes to him (a contact
  // looks the list up again when a device it does not know writes, or after a minute).
  await send(tablet, 'Hi from the tablet');
  await expect(messages(bob).last()).toContainText('Hi from the tablet', { timeout: 15_000 });
  await send(bob, 'Hello to every device of yours');
  await expect(messages(tablet).last()).toContainText('Hello to every device of yours', {
    timeout: 15_000,
  });
  await expect(messages(tablet)).toHaveCount(3);

  // A mute on one device shows on the other.
  await tablet.getByRole('button', { name: 'Mute', exact: true }).click();
  await expect(tablet.getByRole('button', { name: 'Unmute', exact: true })).toBeVisible();
  await laptop.getByRole('link', { name: 'Chats' }).click();
  await openChat(laptop, bobName);
  await expect(laptop.getByRole('button', { name: 'Unmute', exact: true })).toBeVisible({
    timeout: 15_000,
  });
});
