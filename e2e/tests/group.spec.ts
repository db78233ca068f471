// Groups in the PWA, four browser profiles and one real relay: Alice makes a group of Bob and Carol
// from her contacts; the three exchange messages and an image (its thumbnail shown from the
// message, the full image opened after its hash is checked), each shown with its author's name;
// Alice removes Carol, who sees she is out and receives nothing sent after, not even an image; Alice
// adds Dave, who reads and writes from then on. The timeline shows every change. Bob mutes the
// group: Dave's message is kept and counted in the group's row, tagged "Muted", but stays out of the
// title's unread total.
import { expect, test, type Page } from '@playwright/test';
import { attachImage } from '../support/test-image';
import { addContact, signUp, uniqueName as unique } from '../support/veil-page';

const history = (page: Page) => page.getByRole('list', { name: 'Messages' });

async function sendImage(page: Page, name: string): Promise<void> {
  await attachImage(page, name);
  await expect(history(page).getByRole('button', { name: `Open image ${name}` })).toBeVisible({
    timeout: 20_000,
  });
}

async function openGroup(page: Page, name: string): Promise<void> {
  await page
    .getByRole('list', { name: 'Groups' })
    .getByRole('link', { name: new RegExp(name) })
    .click();
  await expect(page.getByRole('heading', { name, exact: true })).toBeVisible();
}

async function say(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(history(page)).toContainText(text);
}

test('three people talk and share an image in a group; a removed one gets nothing more; a fourth is added', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const aliceName = unique('alice');
  const bobName = unique('bob');
  const carolName = unique('carol');
  const daveName = unique('dave');
  const alice = await signUp(browser, aliceName);
  const bob = await signUp(browser, bobName);
  const carol = await signUp(browser, carolName);
  const dave = await signUp(browser, daveName);
  for (const name of [bobName, carolName, daveName]) await addContact(alice, name);

  const group = 'Climbing club';
  await alice.getByRole('link', { name: 'New group' }).click();
  await alice.getByLabel('Group name').fill(group);
  await alice.getByRole('checkbox', { name: bobName }).check();
  await alice.getByRole('checkbox', { name: carolName }).check();
  await alice.getByRole('button', { name: 'Create group' }).click();
  await expect(alice.getByRole('heading', { name: group, exact: true })).toBeVisible();
  // The title is isolated (FSI … PDI) inside the sentence, so its own bidi controls stay inside.
  await expect(history(alice)).toContainText(`You created the group “\u2068${group}\u2069”`);

  for (const page of [bob, carol]) {
    await expect(page.getByRole('list', { name: 'Groups' })).toContainText(group, {
      timeout: 15_000,
    });
    await openGroup(page, group);
    await expect(history(page)).toContainText(`${aliceName} created the group`);
  }

  await say(alice, 'Saturday at ten?');
  for (const page of [bob, carol]) {
    const item = history(page).getByRole('listitem').last();
    await expect(item).toContainText('Saturday at ten?', { timeout: 15_000 });
    await expect(item).toContainText(aliceName);
  }
  await say(bob, '<b>Yes</b>');
  await expect(history(carol).getByRole('listitem').last()).toContainText('<b>Yes</b>', {
    timeout: 15_000,
  });
  await expect(history(carol).getByRole('listitem').last()).toContainText(bobName);
  await expect(carol.locator('.history b')).toHaveCount(0);

  // Carol shares a picture: one upload, one group message; both others see it and open it.
  await sendImage(carol, 'crag.png');
  for (const page of [alice, bob]) {
    const opener = history(page).getByRole('button', { name: 'Open image crag.png' });
    await expect(opener).toBeVisible({ timeout: 20_000 });
    await expect(history(page).getByRole('listitem').last()).toContainText(carolName);
    await opener.click();
    await expect(history(page).getByRole('img', { name: 'Image crag.png' })).toBeVisible();
  }

  // Alice removes Carol: Carol's screen says so, and what follows never reaches her.
  await alice.getByRole('button', { name: `Remove ${carolName}` }).click();
  await expect(history(alice)).toContainText(`You removed ${carolName}`);
  await expect(carol.getByRole('note')).toContainText('no longer a member', { timeout: 15_000 });
  await expect(history(carol)).toContainText(`${aliceName} removed you`);
  await say(alice, 'After Carol left');
  await expect(history(bob)).toContainText('After Carol left', { timeout: 15_000 });
  await sendImage(alice, 'route.png');
  await expect(history(bob).getByRole('button', { name: 'Open image route.png' })).toBeVisible({
    timeout: 20_000,
  });

  // Dave comes in by an admin's signed addition and joins the conversation.
  await alice.getByLabel('Add a contact').selectOption(daveName);
  await alice.getByRole('button', { name: 'Add member' }).click();
  await expect(history(alice)).toContainText(`You added ${daveName}`);
  await expect(dave.getByRole('list', { name: 'Groups' })).toContainText(group, {
    timeout: 15_000,
  });
  await openGroup(dave, group);
  await bob.getByLabel('Mute').selectOption({ label: 'until I unmute it' });
  await bob.getByRole('button', { name: 'Mute group' }).click();
  await expect(bob.getByRole('button', { name: 'Unmute' })).toBeVisible();
  await bob.getByRole('link', { name: 'Back to chats' }).click();
  await say(dave, 'Hello from Dave');
  const bobsRow = bob.getByRole('list', { name: 'Groups' }).getByRole('listitem');
  await expect(bobsRow).toContainText('Hello from Dave', { timeout: 15_000 });
  await expect(bobsRow).toContainText('Muted');
  await expect(bobsRow.getByLabel('1 unread')).toBeVisible();
  await expect(bob).toHaveTitle(/^[^(]/);
  await expect(history(alice)).toContainText('Hello from Dave', { timeout: 15_000 });

  // Carol, long gone, has none of it.
  await expect(history(carol)).not.toContainText('After Carol left');
  await expect(history(carol)).not.toContainText('Hello from Dave');
  await expect(history(carol)).not.toContainText('route.png');
});
