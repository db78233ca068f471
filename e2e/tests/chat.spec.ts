// Two people, two browser profiles, one real relay: Alice and Bob create accounts (keys made in
// the browser), add each other, and chat live both ways with delivered and read marks. A message
// carrying HTML and script renders as literal text and runs nothing. Afterwards neither browser's
// IndexedDB holds a message text or the password in the clear.
import { expect, test } from '@playwright/test';
import {
  addContact,
  dumpIndexedDb,
  passwordOf,
  signUp,
  uniqueName as unique,
} from '../support/veil-page';

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

  // At rest, both browsers hold only ciphertext: no message text, no password.
  for (const [page, name] of [
    [alice, aliceName],
    [bob, bobName],
  ] as const) {
    const dump = await dumpIndexedDb(page);
    expect(dump.length).toBeGreaterThan(1000);
    for (const marker of ['Hello Bob', 'bold?', 'onerror', passwordOf(name)]) {
      expect(dump, `${marker} in ${name}'s IndexedDB`).not.toContain(marker);
    }
  }
});
