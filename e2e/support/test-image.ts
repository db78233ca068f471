// The picture the attachment suites send: the PWA's own touch icon, a real PNG with a known size.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';

const IMAGE = fileURLToPath(
  new URL('../../web/static/icons/apple-touch-icon.png', import.meta.url),
);

/** Chooses the test image as `name` in the composer's attach control; returns the bytes sent. */
export async function attachImage(page: Page, name: string): Promise<Buffer> {
  const image = await readFile(IMAGE);
  await page.getByLabel('Attach an image or file').setInputFiles({
    name,
    mimeType: 'image/png',
    buffer: image,
  });
  return image;
}
