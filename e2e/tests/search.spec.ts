// Search and unread counts in the PWA, two browser profiles over a real relay: Alice writes an
// accented message and then more than a history page of others. Bob's tab title counts them while
// they arrive unread; he searches without the accent (opened with Ctrl+K), picks the hit, and the
// conversation opens scrolled back to that message, marked, though it is older than the newest
// page. Having read it, his title count is gone.
import { expect, test } from '@playwright/test';
import { addContact, messages, send, signUp, uniqueName as unique } from '../support/veil-page';

/** More than one history page (HISTORY_PAGE = 50), so the hit is not among the first loaded. */
const LATER_MESSAGES = 55;

test('search finds an old message and jumps to it; the title shows the unread count', async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const aliceName = unique('alice');
  const bobName = unique('bob');
  const alice = await signUp(browser, aliceName);
  const bob = await signUp(browser, bobName);
  await addContact(alice, bobName);
  await addContact(bob, aliceName);

  await alice.getByRole('link', { name: new RegExp(bobName) }).click();
  await send(alice, 'The crème brûlée recipe is in the blue folder');
  const sendButton = alice.getByRole('button', { name: 'Send' });
  for (let i = 1; i <= LATER_MESSAGES; i++) {
    await expect(sendButton).toBeEnabled();
    await send(alice, `filler ${i}`);
  }
  await expect(messages(alice)).toHaveCount(LATER_MESSAGES + 1);

  // Bob stays on the chats list: everything arrives unread, and the title says how much.
  await expect(bob).toHaveTitle(`(${LATER_MESSAGES + 1}) Chats · Veil`, { timeout: 60_000 });

  await bob.keyboard.press('Control+k');
  const field = bob.getByRole('searchbox', { name: 'Search messages' });
  await expect(field).toBeFocused();
  await field.fill('creme brul');
  const results = bob.getByRole('list', { name: 'Search results' }).getByRole('listitem');
  await expect(results).toHaveCount(1);
  await expect(results.first()).toContainText(aliceName);
  await expect(results.first().locator('mark')).toHaveText(['crème', 'brûlée']);

  await results.first().getByRole('link').click();
  const target = bob.locator('.history li[aria-current="true"]');
  await expect(target).toContainText('The crème brûlée recipe is in the blue folder');
  await expect(target).toBeInViewport();
  // Only the page around it is loaded, not the whole conversation.
  await expect(messages(bob)).not.toHaveCount(LATER_MESSAGES + 1);

  // Opening the conversation read it: no count left in the title.
  await expect(bob).toHaveTitle(`${aliceName} · Veil`, { timeout: 15_000 });
});
