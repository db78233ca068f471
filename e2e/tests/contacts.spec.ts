// Contacts and history in two browsers on one real relay: Alice mutes Bob (marked, still counted),
// blocks him (his message never shows, and gets no delivered mark), unblocks him (later messages
// arrive), deletes one message for herself (still gone after a reload and unlock), and removes him.
// A second test checks that a long conversation opens on its newest page and loads older pages as
// Alice scrolls up, holding the view still.
import { expect, test, type Page } from '@playwright/test';
import {
  addContact,
  messages,
  openChat,
  passwordOf,
  send,
  signUp,
  uniqueName as unique,
} from '../support/veil-page';

const conversationLink = (page: Page, name: string) =>
  page.getByRole('link', { name: new RegExp(name) });

async function backToChats(page: Page): Promise<void> {
  await page.getByRole('link', { name: '← Chats' }).click();
  await expect(page.getByRole('heading', { name: 'Chats' })).toBeVisible();
}

test('mute, block, unblock, delete for me and remove a contact', async ({ browser }) => {
  test.setTimeout(120_000);
  const aliceName = unique('alice');
  const bobName = unique('bob');
  const alice = await signUp(browser, aliceName);
  const bob = await signUp(browser, bobName);
  await addContact(alice, bobName);
  await addContact(bob, aliceName);

  // Muted: marked in the conversation and the list, and messages still arrive and are counted.
  await openChat(alice, bobName);
  const contact = alice.getByRole('region', { name: 'Contact' });
  await contact.getByRole('button', { name: 'Mute' }).click();
  await expect(alice.getByRole('heading', { name: bobName })).toContainText('Muted');
  await expect(contact.getByRole('button', { name: 'Unmute' })).toBeVisible();
  await backToChats(alice);
  await openChat(bob, aliceName);
  await send(bob, 'hello while muted');
  const bobsRow = conversationLink(alice, bobName);
  await expect(bobsRow).toContainText('hello while muted', { timeout: 15_000 });
  await expect(bobsRow).toContainText('Muted');
  await expect(bobsRow.getByLabel('1 unread')).toBeVisible();

  // Blocked: the composer gives way to a note, and what Bob sends never appears.
  await openChat(alice, bobName);
  await contact.getByRole('button', { name: 'Block' }).click();
  await expect(alice.getByRole('heading', { name: bobName })).toContainText('Blocked');
  await expect(alice.getByRole('textbox', { name: 'Message' })).toHaveCount(0);
  await expect(alice.getByRole('note')).toContainText(`You blocked ${bobName}`);
  await send(bob, 'sent while blocked');
  const whileBlocked = messages(bob).filter({ hasText: 'sent while blocked' });
  await expect(whileBlocked).toContainText('Sent', { timeout: 15_000 });

  // Unblocked: the next message arrives; the one sent while blocked was dropped, never answered.
  await contact.getByRole('button', { name: 'Unblock' }).click();
  await expect(alice.getByRole('textbox', { name: 'Message' })).toBeVisible();
  await send(bob, 'after unblock');
  await expect(messages(alice).last()).toContainText('after unblock', { timeout: 15_000 });
  // Alice has the conversation open, so the mark may pass Delivered straight on to Read.
  await expect(messages(bob).filter({ hasText: 'after unblock' })).toContainText(/Delivered|Read/, {
    timeout: 15_000,
  });
  await expect(messages(alice)).toHaveText([/hello while muted/, /after unblock/]);
  await expect(whileBlocked).not.toContainText(/Delivered|Read/);

  // Delete for me: gone here, kept by Bob, and still gone after a reload and unlock.
  const muted = messages(alice).filter({ hasText: 'hello while muted' });
  await muted.getByRole('button', { name: 'Message actions' }).click();
  await muted.getByRole('button', { name: 'Delete for me' }).click();
  await expect(messages(alice)).toHaveText([/after unblock/]);
  await alice.reload();
  await alice.getByLabel('Password').fill(passwordOf(aliceName));
  await alice.getByRole('button', { name: 'Unlock' }).click();
  await openChat(alice, bobName);
  await expect(messages(alice)).toHaveText([/after unblock/]);
  await expect(messages(bob).filter({ hasText: 'hello while muted' })).toHaveCount(1);

  // Remove: asked first, then the contact and the conversation are gone from the list.
  await contact.getByRole('button', { name: 'Remove contact' }).click();
  const dialog = alice.getByRole('dialog', { name: `Remove ${bobName}?` });
  await expect(dialog).toContainText('whole conversation');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await contact.getByRole('button', { name: 'Remove contact' }).click();
  await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(alice.getByRole('heading', { name: 'Chats' })).toBeVisible();
  await expect(conversationLink(alice, bobName)).toHaveCount(0);
  await expect(alice.getByText('No conversations yet.')).toBeVisible();
});

test('a long conversation opens on its newest page and loads older ones on scrolling up', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  // Enough for a second page; a third would only repeat the same path at twice the cost.
  const total = 80;
  const aliceName = unique('alice');
  const bobName = unique('bob');
  const alice = await signUp(browser, aliceName);
  const bob = await signUp(browser, bobName);
  await addContact(alice, bobName);
  await addContact(bob, aliceName);

  // Bob writes through the real composer, in the page, without a round trip per message.
  await openChat(bob, aliceName);
  await bob.evaluate(async (count) => {
    const area = document.querySelector<HTMLTextAreaElement>('#composer-text');
    const button = area?.form?.querySelector<HTMLButtonElement>('button[type="submit"]');
    if (area?.form == null || button == null) throw new Error('no composer');
    for (let i = 1; i <= count; i++) {
      area.value = `m${String(i).padStart(3, '0')}`;
      area.form.requestSubmit();
      // The composer clears at once; Send is disabled until the message is stored and queued
      // (the page applies that on its next update, hence one turn of the event loop first).
      await new Promise((resolve) => setTimeout(resolve, 0));
      const deadline = Date.now() + 10_000;
      while (area.value !== '' || button.disabled) {
        if (Date.now() > deadline) throw new Error(`message ${i} was not sent`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }, total);
  const last = `m${String(total).padStart(3, '0')}`;
  await expect(conversationLink(alice, bobName)).toContainText(last, { timeout: 30_000 });

  await openChat(alice, bobName);
  const list = messages(alice);
  await expect(list.last()).toContainText(last);
  await expect(list.last()).toBeInViewport();
  await expect(list).toHaveCount(50);
  await expect(list.first()).toContainText('m031');

  // Scrolling to the top brings the previous page; what was on screen stays on screen.
  await alice.evaluate(() => window.scrollTo(0, 0));
  await expect(list).toHaveCount(total);
  await expect(list.filter({ hasText: 'm031' })).toBeInViewport();
  await expect(list.filter({ hasText: 'm001' })).not.toBeInViewport();
  await expect(
    alice.getByText(`This is the start of your conversation with ${bobName}.`),
  ).toBeAttached();
  await alice.evaluate(() => window.scrollTo(0, 0));
  await expect(list.first()).toContainText('m001');
  await expect(list.first()).toBeInViewport();
});
