// Profiles in the browser, against the real relay: Alice picks a display name full of markup and an
// avatar (a PNG drawn in the test, resized and re-encoded by the PWA); Bob, her contact, sees the
// name as literal text beside her username and the avatar as an image, in his conversation list and
// in the conversation header. At rest, Bob's IndexedDB holds the name only encrypted.
import { expect, test, type Page } from '@playwright/test';
import { addContact, dumpIndexedDb, signUp, uniqueName as unique } from '../support/veil-page';

const DISPLAY_NAME = 'Al<b>ice</b> & <img src=x onerror=alert(1)> "Q"';

/** A 300×200 two-colour PNG, drawn by the page's own canvas (no image library needed). */
async function drawPng(page: Page): Promise<Buffer> {
  const bytes = await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 300;
    canvas.height = 200;
    const context = canvas.getContext('2d')!;
    context.fillStyle = '#2563eb';
    context.fillRect(0, 0, 300, 200);
    context.fillStyle = '#f59e0b';
    context.fillRect(100, 50, 100, 100);
    const blob = await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('toBlob failed'))), 'image/png'),
    );
    return Array.from(new Uint8Array(await blob.arrayBuffer()));
  });
  return Buffer.from(bytes);
}

/** The avatar image shown inside `scope` has loaded, from a blob: URL, at a real size. */
async function expectAvatar(scope: ReturnType<Page['locator']>): Promise<void> {
  const image = scope.locator('img.avatar');
  await expect(image).toHaveCount(1);
  await expect(image).toHaveAttribute('src', /^blob:/);
  await expect
    .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
    .toBe(128);
}

test('a contact sees the display name as text and the avatar; neither is stored in the clear', async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const aliceName = unique('alice');
  const bobName = unique('bob');
  const alice = await signUp(browser, aliceName);
  const bob = await signUp(browser, bobName);
  await addContact(alice, bobName);
  await addContact(bob, aliceName);

  // Alice sets her profile on the account screen.
  const errors: string[] = [];
  for (const page of [alice, bob]) {
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
  }
  await alice.getByRole('link', { name: 'Account' }).click();
  const section = alice.getByRole('region', { name: 'Profile' });
  await section.getByLabel('Display name').fill(DISPLAY_NAME);
  await section.getByLabel('Avatar').setInputFiles({
    name: 'avatar.png',
    mimeType: 'image/png',
    buffer: await drawPng(alice),
  });
  await expectAvatar(section);
  await expect(section.getByText(/resized to 128 × 128/)).toBeVisible();
  await section.getByRole('button', { name: 'Save profile' }).click();
  await expect(section.getByRole('status')).toHaveText('Profile saved and sent to 1 contact.');

  // Bob's conversation list: the name as literal text, his username beside it, and the avatar.
  const row = bob.getByRole('link', { name: new RegExp(aliceName) });
  await expect(row.locator('.display-name')).toHaveText(DISPLAY_NAME, { timeout: 15_000 });
  await expect(row).toContainText(`@${aliceName}`);
  await expectAvatar(row);
  await expect(bob.locator('.list b, .list img:not(.avatar), .list script')).toHaveCount(0);

  // The conversation header shows the same, and the username is still what identifies her.
  await row.click();
  const heading = bob.getByRole('heading', { level: 1 });
  await expect(heading.locator('.display-name')).toHaveText(DISPLAY_NAME);
  await expect(heading).toContainText(`@${aliceName}`);
  await expectAvatar(heading);
  await expect(heading.locator('b, img:not(.avatar)')).toHaveCount(0);
  await bob.getByRole('link', { name: 'Verify safety number' }).click();
  await expect(bob.getByRole('heading', { name: `Verify ${aliceName}` })).toBeVisible();
  await expect(bob.getByText(DISPLAY_NAME)).toHaveCount(0);

  // At rest: the name is nowhere in either browser's IndexedDB in the clear.
  for (const page of [bob, alice]) {
    const dump = await dumpIndexedDb(page);
    expect(dump.length).toBeGreaterThan(1000);
    for (const marker of [DISPLAY_NAME, 'Al<b>ice', 'onerror=alert']) {
      expect(dump).not.toContain(marker);
    }
  }
  expect(errors).toEqual([]);
});
