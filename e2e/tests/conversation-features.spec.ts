// Replies, reactions, edits and deletes for everyone between two browsers over a real relay, each
// checked on both sides. The pair (support/conversation-fixture.ts) is shared by every test here;
// later features append their own tests and reuse it.
import { bubble, expect, openActions, sendAndSee, test } from '../support/conversation-fixture';

test('a reply quotes its message on both sides, and the quote leads to the original', async ({
  pair: { alice, bob },
}) => {
  await sendAndSee(bob, alice, 'Lunch at noon?');
  const actions = await openActions(alice.page, 'Lunch at noon?');
  await actions.getByRole('button', { name: 'Reply' }).click();
  const composer = alice.page.locator('form.composer');
  await expect(composer).toContainText('Lunch at noon?');
  // Cancel drops the reply; Reply again brings it back.
  await composer.getByRole('button', { name: 'Cancel the reply' }).click();
  await expect(composer).not.toContainText('Lunch at noon?');
  await (
    await openActions(alice.page, 'Lunch at noon?')
  )
    .getByRole('button', { name: 'Reply' })
    .click();
  await expect(alice.page.getByRole('textbox', { name: 'Message' })).toBeFocused();
  await sendAndSee(alice, bob, 'Yes, at the usual place');
  await expect(composer).not.toContainText('Lunch at noon?');

  // Each side names the quoted author its own way: Bob's message is "You" on his side.
  const quoteOf = (author: string) => ({
    name: `Replying to ${author}: Lunch at noon?. Show the original message`,
  });
  const answer = bubble(bob.page, 'Yes, at the usual place');
  await expect(
    bubble(alice.page, 'Yes, at the usual place').getByRole('button', quoteOf(bob.name)),
  ).toBeVisible();
  await expect(answer.getByRole('button', quoteOf('You'))).toBeVisible();
  // Clicking the quote brings the original into view, focused and highlighted.
  await answer.getByRole('button', quoteOf('You')).click();
  const original = bubble(bob.page, 'Lunch at noon?').first();
  await expect(original).toBeFocused();
  await expect(original).toHaveClass(/highlight/);
});

test('a reaction is added and removed, by keyboard, on both sides', async ({
  pair: { alice, bob },
}) => {
  await sendAndSee(bob, alice, 'Passed the exam');
  const item = bubble(alice.page, 'Passed the exam');
  const trigger = item.getByRole('button', { name: 'Message actions' });
  await trigger.focus();
  await alice.page.keyboard.press('Enter');
  // The menu opens with focus on its first action; Escape closes it and returns focus.
  await expect(item.getByRole('button', { name: 'React with thumbs up' })).toBeFocused();
  await alice.page.keyboard.press('Escape');
  await expect(item.getByRole('button', { name: 'React with thumbs up' })).toBeHidden();
  await expect(trigger).toBeFocused();
  await alice.page.keyboard.press('Enter');
  await alice.page.keyboard.press('Tab'); // thumbs up → heart
  await expect(item.getByRole('button', { name: 'React with heart' })).toBeFocused();
  await alice.page.keyboard.press('Enter');

  const mine = item.getByRole('button', { name: /^❤️ 1, from you/ });
  await expect(mine).toBeVisible();
  const theirs = bubble(bob.page, 'Passed the exam').getByRole('img', { name: /^❤️ 1/ });
  await expect(theirs).toBeVisible({ timeout: 15_000 });
  await expect(theirs).toHaveAttribute('title', alice.name);

  await mine.click(); // clicking our own reaction takes it back
  await expect(mine).toBeHidden();
  await expect(theirs).toBeHidden({ timeout: 15_000 });
});

test('an edit shows the "edited" mark and its history on both sides', async ({
  pair: { alice, bob },
}) => {
  await sendAndSee(alice, bob, 'See you at 6');
  await (
    await openActions(alice.page, 'See you at 6')
  )
    .getByRole('button', { name: 'Edit' })
    .click();
  const field = alice.page.getByRole('textbox', { name: 'Edit message' });
  await expect(field).toBeFocused();
  await field.fill('See you at 7');
  await alice.page.getByRole('button', { name: 'Save' }).click();

  for (const page of [alice.page, bob.page]) {
    const item = bubble(page, 'See you at 7');
    await expect(item).toBeVisible({ timeout: 15_000 });
    await expect(bubble(page, 'See you at 6')).toHaveCount(0);
    await item.getByRole('button', { name: 'Edited: show the edit history' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit history' });
    await expect(dialog.getByRole('listitem')).toHaveText([/See you at 6/, /See you at 7/]);
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
  }
});

test('a delete for everyone leaves "This message was deleted" on both sides', async ({
  pair: { alice, bob },
}) => {
  await sendAndSee(alice, bob, 'Wrong chat, sorry');
  await (
    await openActions(alice.page, 'Wrong chat, sorry')
  )
    .getByRole('button', { name: 'Delete for everyone' })
    .click();
  for (const page of [alice.page, bob.page]) {
    await expect(bubble(page, 'Wrong chat, sorry')).toHaveCount(0, { timeout: 15_000 });
    await expect(bubble(page, 'This message was deleted')).toHaveCount(1);
  }
  // Bob cannot edit or delete Alice's message: his menu offers neither.
  await sendAndSee(alice, bob, 'Only mine to change');
  const theirs = await openActions(bob.page, 'Only mine to change');
  await expect(theirs.getByRole('button', { name: 'Reply' })).toBeVisible();
  await expect(theirs.getByRole('button', { name: 'Edit' })).toHaveCount(0);
  await expect(theirs.getByRole('button', { name: 'Delete for everyone' })).toHaveCount(0);
  await bob.page.keyboard.press('Escape');
});
