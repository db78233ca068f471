// Privacy features between two browser profiles over a real relay: with typing indicators turned
// on (account screen, both sides) Bob's typing shows as "… is typing…" at Alice's; Alice sets a
// 30-second disappearing timer, both timelines say so and Bob's header shows the timer; the next
// message shows on both sides and then disappears from both, live. Waits for states, never times.
import { expect, test, type Page } from '@playwright/test';
import { addContact, messages, openChat, send, signUp, uniqueName } from '../support/veil-page';

async function turnOnTypingIndicators(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Account' }).click();
  const section = page.getByRole('region', { name: 'Privacy' });
  await expect(section.getByLabel('Read receipts')).toBeChecked();
  await section.getByLabel('Typing indicators').check();
  await expect(section.getByLabel('Typing indicators')).toBeChecked();
  await page.getByRole('link', { name: 'Chats' }).click();
}

test('typing shows when enabled, and a disappearing message goes on both sides', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const aliceName = uniqueName('alice');
  const bobName = uniqueName('bob');
  const alice = await signUp(browser, aliceName);
  const bob = await signUp(browser, bobName);
  await addContact(alice, bobName);
  await addContact(bob, aliceName);
  for (const page of [alice, bob]) await turnOnTypingIndicators(page);
  await openChat(alice, bobName);
  await openChat(bob, aliceName);

  await bob.getByRole('textbox', { name: 'Message' }).pressSequentially('Are you th');
  await expect(alice.getByText(`${bobName} is typing…`)).toBeVisible({ timeout: 15_000 });
  await bob.getByRole('textbox', { name: 'Message' }).fill('');
  await bob.getByRole('textbox', { name: 'Message' }).blur();
  await expect(alice.getByText(`${bobName} is typing…`)).toBeHidden({ timeout: 15_000 });

  await alice.getByLabel('Disappearing messages').selectOption({ label: '30 seconds' });
  await expect(messages(alice).last()).toHaveText('You set disappearing messages to 30 seconds');
  await expect(messages(bob).last()).toHaveText(
    `${aliceName} set disappearing messages to 30 seconds`,
    { timeout: 15_000 },
  );
  await expect(bob.getByRole('img', { name: 'Disappearing messages: 30 seconds' })).toBeVisible();

  await send(alice, 'This will vanish');
  for (const page of [alice, bob]) {
    await expect(messages(page).filter({ hasText: 'This will vanish' })).toHaveCount(1, {
      timeout: 15_000,
    });
  }
  for (const page of [alice, bob]) {
    await expect(messages(page).filter({ hasText: 'This will vanish' })).toHaveCount(0, {
      timeout: 60_000,
    });
    await expect(messages(page).filter({ hasText: 'disappearing messages' })).toHaveCount(1);
  }
});
