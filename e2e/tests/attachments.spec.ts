// Attachments between two browsers over a real relay: Alice sends Bob an image (its thumbnail shows
// from the encrypted message at once; the full image opens, and downloading it gives the same
// bytes) and a file (downloading gives identical bytes), each with a caption shown as text. The
// file name's bidi override is neutralised. Afterwards neither browser's IndexedDB holds any of the
// plaintext.
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { attachImage } from '../support/test-image';
import { addContact, dumpIndexedDb, signUp, uniqueName as unique } from '../support/veil-page';

async function downloadBytes(page: Page, button: ReturnType<Page['getByRole']>): Promise<Buffer> {
  const downloading = page.waitForEvent('download');
  await button.click();
  const download = await downloading;
  return readFile(await download.path());
}

/** `bytes` as the Latin-1 string the IndexedDB dump shows byte arrays as. */
const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

test('an image and a file reach the contact intact and are stored only encrypted', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const aliceName = unique('alice');
  const bobName = unique('bob');
  const alice = await signUp(browser, aliceName);
  const bob = await signUp(browser, bobName);
  await addContact(alice, bobName);
  await addContact(bob, aliceName);
  await alice.getByRole('link', { name: new RegExp(bobName) }).click();
  await bob.getByRole('link', { name: new RegExp(aliceName) }).click();

  await alice.getByRole('textbox', { name: 'Message' }).fill('Sunset caption <b>x</b>');
  const image = await attachImage(alice, 'sunset.png');
  const bobHistory = bob.getByRole('list', { name: 'Messages' });
  const imageOpener = bobHistory.getByRole('button', { name: 'Open image sunset.png' });
  await expect(imageOpener).toBeVisible({ timeout: 20_000 });
  await expect(bobHistory).toContainText('Sunset caption <b>x</b>');
  await expect(bob.locator('.history b')).toHaveCount(0);
  // The thumbnail is a decoded image made from the message alone.
  await expect
    .poll(() => imageOpener.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBeGreaterThan(0);
  await imageOpener.click();
  const full = bobHistory.getByRole('img', { name: 'Image sunset.png' });
  await expect(full).toBeVisible();
  await expect
    .poll(() => full.evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBe(image.readUInt32BE(16)); // the PNG's IHDR width
  const imageItem = bobHistory.getByRole('listitem').filter({ hasText: 'sunset.png' });
  const savedImage = await downloadBytes(
    bob,
    imageItem.getByRole('button', { name: 'Download sunset.png' }),
  );
  expect(savedImage.equals(image)).toBe(true);

  // A file whose name tries a right-to-left override to pass "exe" off as "pdf".
  const file = Buffer.from(`Quarterly numbers ${unique('marker')}\n`.repeat(2000));
  const spoofed = 'report\u202Efdp.exe';
  await alice.getByLabel('Attach an image or file').setInputFiles({
    name: spoofed,
    mimeType: 'application/pdf',
    buffer: file,
  });
  const shown = 'report\uFFFDfdp.exe';
  const download = bobHistory.getByRole('button', { name: `Download ${shown}` });
  await expect(download).toBeVisible({ timeout: 20_000 });
  await expect(bobHistory).not.toContainText(spoofed);
  const savedFile = await downloadBytes(bob, download);
  expect(savedFile.equals(file)).toBe(true);

  for (const page of [alice, bob]) {
    const dump = await dumpIndexedDb(page);
    expect(dump.length).toBeGreaterThan(1000);
    expect(dump).not.toContain('Sunset caption');
    expect(dump).not.toContain('Quarterly numbers');
    expect(dump).not.toContain('sunset.png');
    // A run of the image's compressed pixel data.
    expect(dump).not.toContain(latin1(image.subarray(image.length - 200, image.length - 100)));
  }
});
