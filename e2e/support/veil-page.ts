// What a person does in the PWA, as Playwright steps found by role and label.
import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';

export const passwordOf = (username: string): string => `${username} has a long passphrase`;

export const uniqueName = (name: string): string => `${name}-${Date.now().toString(36)}`;

/** `prepare` runs on the new context and page before the PWA first loads (listeners, bindings). */
export async function signUp(
  browser: Browser,
  username: string,
  baseURL?: string,
  prepare?: (context: BrowserContext, page: Page) => Promise<void>,
): Promise<Page> {
  const context = await browser.newContext(baseURL === undefined ? {} : { baseURL });
  const page = await context.newPage();
  await prepare?.(context, page);
  page.on('dialog', (dialog) => {
    throw new Error(`unexpected dialog: ${dialog.message()}`);
  });
  await page.goto('/signup');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(passwordOf(username));
  await createAccount(page);
  await skipOnboarding(page);
  await expect(page.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();
  return page;
}

/** Sign-ups within a minute before this one, from this machine's one address, at most. */
const SIGN_UP_RETRIES = 12;

/**
 * Submits the sign-up form as a person would, trying again when the relay says to wait: every
 * suite signs people up from 127.0.0.1, and the relay allows 10 sign-ups a minute per address.
 */
async function createAccount(page: Page): Promise<void> {
  const limited = page.getByRole('status').filter({ hasText: /rate limit/i });
  const onboarding = page.getByRole('heading', { name: 'Secure your account' });
  for (let attempt = 0; attempt < SIGN_UP_RETRIES; attempt++) {
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(limited.or(onboarding)).toBeVisible({ timeout: 20_000 });
    if (await onboarding.isVisible()) return;
    await page.waitForTimeout(5_000);
  }
}

/**
 * After a password sign-up the app offers a second factor and a passkey ("Secure your account");
 * the suites set those up where they test them, and skip the offer otherwise.
 */
export async function skipOnboarding(page: Page): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Secure your account' })).toBeVisible({
    timeout: 20_000,
  });
  await page.getByRole('link', { name: 'Skip for now' }).click();
  await expect(page.getByRole('heading', { name: 'Chats' })).toBeVisible();
}

export async function addContact(page: Page, username: string): Promise<void> {
  await page.getByLabel('Add a contact by username').fill(username);
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByText(`${username} added`)).toBeVisible();
}

export async function openChat(page: Page, username: string): Promise<void> {
  await page.getByRole('link', { name: new RegExp(username) }).click();
  await expect(page.getByRole('heading', { name: username })).toBeVisible();
}

export async function send(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

/**
 * Alice signs up (the browser called her laptop) and so does Bob, who adds her and writes `text`;
 * returns once her chat list shows it.
 */
export async function bobWritesToAlice(
  browser: Browser,
  text: string,
): Promise<{ aliceName: string; bobName: string; laptop: Page; bob: Page }> {
  const aliceName = uniqueName('alice');
  const bobName = uniqueName('bob');
  const laptop = await signUp(browser, aliceName);
  const bob = await signUp(browser, bobName);
  await addContact(bob, aliceName);
  await openChat(bob, aliceName);
  await send(bob, text);
  await expect(laptop.getByRole('link', { name: new RegExp(bobName) })).toContainText(text, {
    timeout: 15_000,
  });
  return { aliceName, bobName, laptop, bob };
}

export const messages = (page: Page) =>
  page.getByRole('list', { name: 'Messages' }).getByRole('listitem');

/**
 * Every record of every object store of the page's `veil` IndexedDB database, as one string
 * (byte arrays as Latin-1, so any plaintext stored in the clear would show up verbatim).
 */
export function dumpIndexedDb(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('veil');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('indexedDB.open failed'));
    });
    const parts: string[] = [];
    const text = (value: unknown): string =>
      JSON.stringify(value, (_key, inner: unknown) => {
        if (inner instanceof ArrayBuffer) inner = new Uint8Array(inner);
        if (ArrayBuffer.isView(inner)) {
          const bytes = new Uint8Array(inner.buffer, inner.byteOffset, inner.byteLength);
          return Array.from(bytes, (b) => String.fromCharCode(b)).join('');
        }
        return inner;
      });
    for (const name of Array.from(db.objectStoreNames)) {
      const rows = await new Promise<unknown[]>((resolve, reject) => {
        const request = db.transaction(name).objectStore(name).getAll();
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error ?? new Error('getAll failed'));
      });
      parts.push(`${name}: ${text(rows)}`);
    }
    db.close();
    return parts.join('\n');
  });
}
