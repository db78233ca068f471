// Invite links and per-member receipts in the PWA, four browser profiles and one real relay: Alice
// makes a group of Bob and Carol, makes Bob an admin, and makes an invite link, which Bob's group
// info shows too; Dave, nobody's contact, opens the link in his own browser, sees the group's name
// and asks to join; Bob declines — Dave is told, and the request leaves Alice's list as well; Dave
// asks again, Alice compares his safety number and approves; Dave reads what follows. Alice's
// message details then show, per member, who has it and who read it.
import { expect, test, type Page } from '@playwright/test';
import { addContact, passwordOf, signUp, uniqueName as unique } from '../support/veil-page';

const history = (page: Page) => page.getByRole('list', { name: 'Messages' });

test('an invite link brings a fourth person in; message details show who read what', async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const aliceName = unique('alice');
  const bobName = unique('bob');
  const carolName = unique('carol');
  const daveName = unique('dave');
  const alice = await signUp(browser, aliceName);
  // Carol only stays online (her app acknowledges what reaches it); Bob becomes an admin.
  const bob = await signUp(browser, bobName);
  await signUp(browser, carolName);
  const dave = await signUp(browser, daveName);
  for (const name of [bobName, carolName]) await addContact(alice, name);

  const group = 'Rope team';
  await alice.getByRole('link', { name: 'New group' }).click();
  await alice.getByLabel('Group name').fill(group);
  await alice.getByRole('checkbox', { name: bobName }).check();
  await alice.getByRole('checkbox', { name: carolName }).check();
  await alice.getByRole('button', { name: 'Create group' }).click();
  await expect(alice.getByRole('heading', { name: group, exact: true })).toBeVisible();

  await alice.getByRole('button', { name: `Make ${bobName} an admin` }).click();
  await expect(
    alice.getByRole('status').filter({ hasText: `${bobName} is an admin` }),
  ).toBeVisible();
  await alice.getByRole('button', { name: 'Create invite link' }).click();
  const linkField = alice.getByLabel('Anyone with this link can ask to join');
  await expect(linkField).toHaveValue(/\/join#/);
  const link = await linkField.inputValue();

  // Bob, the other admin, can show and copy the link too (it names him first among the admins).
  await bob
    .getByRole('list', { name: 'Groups' })
    .getByRole('link', { name: new RegExp(group) })
    .click({ timeout: 15_000 });
  await expect(bob.getByLabel('Anyone with this link can ask to join')).toHaveValue(/\/join#/, {
    timeout: 15_000,
  });

  // Dave opens it in his own browser: the page names the group and takes the secret out of the
  // address bar at once.
  const requests: string[] = [];
  dave.on('request', (request) => requests.push(request.url()));
  await dave.goto(link);
  await expect(dave.getByText(`“${group}”`)).toBeVisible();
  await expect(dave).toHaveURL(/\/join$/);
  // Opening a link loads the app afresh, locked: Dave unlocks and comes back to ask.
  await dave.getByRole('link', { name: 'Unlock' }).click();
  await dave.getByLabel('Password').fill(passwordOf(daveName));
  await dave.getByRole('button', { name: 'Unlock' }).click();
  await dave.getByRole('button', { name: 'Ask to join' }).click({ timeout: 20_000 });
  await expect(dave.getByRole('status').filter({ hasText: 'Request sent' })).toBeVisible();
  const fragment = link.split('#')[1]!;
  expect(requests.some((url) => url.includes(fragment))).toBe(false);

  // Bob declines: Dave is told, and the request leaves Alice's list too.
  const approve = alice.getByRole('button', { name: `Approve ${daveName}` });
  await expect(approve).toBeVisible({ timeout: 20_000 });
  await bob.getByRole('button', { name: `Decline ${daveName}` }).click({ timeout: 20_000 });
  await expect(
    dave.getByRole('status').filter({ hasText: `Your request to join “${group}” was declined` }),
  ).toBeVisible({ timeout: 20_000 });
  await expect(approve).toBeHidden({ timeout: 20_000 });
  await bob.getByRole('link', { name: 'Back to chats' }).click();

  // Dave asks again; Alice sees the request with his safety number, and approves.
  await dave.getByRole('button', { name: 'Ask again' }).click();
  await expect(dave.getByRole('status').filter({ hasText: 'Request sent' })).toBeVisible();
  await expect(approve).toBeVisible({ timeout: 20_000 });
  await expect(alice.getByText('Safety number:')).toBeVisible();
  await approve.click();
  await expect(history(alice)).toContainText(`You added ${daveName}`, { timeout: 15_000 });

  await expect(dave.getByRole('status').filter({ hasText: 'You are a member' })).toBeVisible({
    timeout: 20_000,
  });
  await dave.getByRole('link', { name: 'Open the group' }).click();
  await expect(dave.getByRole('heading', { name: group, exact: true })).toBeVisible();

  await alice.getByRole('textbox', { name: 'Message' }).fill('Welcome, Dave');
  await alice.getByRole('button', { name: 'Send' }).click();
  await expect(history(dave)).toContainText('Welcome, Dave', { timeout: 15_000 });

  // Dave has it open (read); Bob (back) and Carol are on their chat lists (delivered, not read).
  const mine = history(alice).getByRole('listitem').filter({ hasText: 'Welcome, Dave' });
  await mine.getByRole('button', { name: 'Details' }).click();
  const details = mine.getByRole('region', { name: 'Message details' });
  const row = (name: string) => details.locator(`tr[data-recipient="${name}"]`);
  await expect(row(daveName).locator('[data-kind="read"] time')).toBeVisible({ timeout: 15_000 });
  await expect(row(bobName).locator('[data-kind="delivered"] time')).toBeVisible({
    timeout: 15_000,
  });
  await expect(row(bobName).locator('[data-kind="read"]')).toHaveText('—');
  await expect(row(carolName)).toBeVisible();
});
