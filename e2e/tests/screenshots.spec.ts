// Screenshots of the main screens at desktop and phone width, for the README. Not a check: it runs
// only with VEIL_SCREENSHOTS=1 (`pnpm screenshots`), and writes docs/screenshots/*.png.
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import {
  addContact,
  messages,
  openChat,
  passwordOf,
  send,
  signUp,
  uniqueName,
} from '../support/veil-page';

const outDir = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const SIZES = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 360, height: 740 },
} as const;

test.skip(process.env.VEIL_SCREENSHOTS !== '1', 'screenshots are made by `pnpm screenshots`');

async function shoot(page: Page, name: string): Promise<void> {
  for (const [label, size] of Object.entries(SIZES)) {
    await page.setViewportSize(size);
    await page.screenshot({ path: `${outDir}${name}-${label}.png`, fullPage: false });
  }
  await page.setViewportSize(SIZES.desktop);
}

test('main screens', async ({ browser }) => {
  test.setTimeout(120_000);
  const context = await browser.newContext();
  const welcome = await context.newPage();
  await welcome.goto('/');
  await shoot(welcome, 'welcome');

  // Alice signs up by hand, to show the strength meter and the onboarding screen.
  const aliceName = uniqueName('alice');
  const alice = await (await browser.newContext()).newPage();
  await alice.goto('/signup');
  await alice.getByLabel('Username').fill(aliceName);
  await alice.getByLabel('Password', { exact: true }).fill(passwordOf(aliceName));
  await expect(alice.getByText('Very strong')).toBeVisible();
  await shoot(alice, 'signup');
  await alice.getByRole('button', { name: 'Create account' }).click();
  await expect(alice.getByRole('heading', { name: 'Secure your account' })).toBeVisible({
    timeout: 20_000,
  });
  await shoot(alice, 'secure-account');
  await alice.getByRole('link', { name: 'Skip for now' }).click();
  await expect(alice.getByRole('heading', { name: 'Chats' })).toBeVisible();

  const bobName = uniqueName('bob');
  const bob = await signUp(browser, bobName);
  await bob.getByRole('link', { name: 'Account' }).click();
  await bob.getByLabel('Display name').fill('Bob Example');
  await bob.getByRole('button', { name: 'Save profile' }).click();
  await bob.getByRole('link', { name: 'Chats' }).click();
  await addContact(bob, aliceName);
  await addContact(alice, bobName);
  await openChat(alice, bobName);
  await send(alice, 'Hi Bob! This message was sealed in my browser.');
  await expect(messages(alice).last()).toContainText('Delivered', { timeout: 15_000 });
  await bob.close();
  await shoot(alice, 'conversation');
  await alice.getByRole('link', { name: 'Verify safety number' }).click();
  await expect(alice.locator('canvas')).toBeVisible();
  await shoot(alice, 'safety-number');
  await alice.getByRole('link', { name: 'Account' }).click();
  await expect(alice.getByRole('heading', { name: 'Account', exact: true })).toBeVisible();
  await shoot(alice, 'account');
  await alice.getByRole('link', { name: 'Chats' }).click();
  await shoot(alice, 'chats');
});
