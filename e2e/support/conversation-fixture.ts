// A Playwright fixture for conversation features: Alice and Bob, signed up, contacts of each
// other, each with their conversation open. Worker-scoped, so every test of a spec shares one pair
// (sign-ups are the slow part, and the relay allows 10 a minute per address); tests tell their
// messages apart by text. Specs import `test` and `expect` from here and add their own steps.
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { addContact, messages, openChat, signUp, uniqueName } from './veil-page';

export interface Person {
  readonly name: string;
  readonly page: Page;
}

export interface Pair {
  readonly alice: Person;
  readonly bob: Person;
}

export const test = base.extend<object, { pair: Pair }>({
  pair: [
    async ({ browser }, use) => {
      const alice = { name: uniqueName('alice'), page: undefined as unknown as Page };
      const bob = { name: uniqueName('bob'), page: undefined as unknown as Page };
      alice.page = await signUp(browser, alice.name);
      bob.page = await signUp(browser, bob.name);
      await addContact(alice.page, bob.name);
      await addContact(bob.page, alice.name);
      await openChat(alice.page, bob.name);
      await openChat(bob.page, alice.name);
      await use({ alice, bob });
      await alice.page.context().close();
      await bob.page.context().close();
    },
    { scope: 'worker', timeout: 90_000 },
  ],
});

export { expect };

/** The bubble in `page`'s open conversation holding `text`. */
export const bubble = (page: Page, text: string | RegExp): Locator =>
  messages(page).filter({ hasText: text });

/** Opens the actions menu of the bubble holding `text`; returns the bubble. */
export async function openActions(page: Page, text: string | RegExp): Promise<Locator> {
  const item = bubble(page, text);
  await item.getByRole('button', { name: 'Message actions' }).click();
  return item;
}

/** Sends `text` from `from` and waits until `to` shows it. */
export async function sendAndSee(from: Person, to: Person, text: string): Promise<void> {
  await from.page.getByRole('textbox', { name: 'Message', exact: true }).fill(text);
  await from.page.getByRole('button', { name: 'Send' }).click();
  await expect(bubble(to.page, text)).toBeVisible({ timeout: 15_000 });
}
