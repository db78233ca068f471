// Turns a picked image into an avatar that fits the protocol's limit: decoded by the browser
// (createImageBitmap: no URL, so no CSP question), centre-cropped to a square, drawn at 128×128 on a
// canvas and re-encoded as WebP — or JPEG where the browser cannot encode WebP. Re-encoding also
// drops whatever the original file carried besides pixels (EXIF location, comments).
import { CONTENT_LIMITS } from '@veil/protocol';
import type { ProfileAvatar } from '@veil/client';

export const AVATAR_SIZE = 128;
const QUALITIES = [0.8, 0.6, 0.4] as const;

function toBlob(canvas: HTMLCanvasElement, type: string, quality: number): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
}

export async function resizeAvatar(file: Blob): Promise<ProfileAvatar> {
  const bitmap = await createImageBitmap(file).catch(() => {
    throw new Error('That file is not an image this browser can read.');
  });
  const canvas = document.createElement('canvas');
  canvas.width = AVATAR_SIZE;
  canvas.height = AVATAR_SIZE;
  const context = canvas.getContext('2d');
  if (context === null) throw new Error('This browser cannot draw images.');
  const side = Math.min(bitmap.width, bitmap.height);
  context.imageSmoothingQuality = 'high';
  context.drawImage(
    bitmap,
    (bitmap.width - side) / 2,
    (bitmap.height - side) / 2,
    side,
    side,
    0,
    0,
    AVATAR_SIZE,
    AVATAR_SIZE,
  );
  bitmap.close();
  // At 128×128 the first try is a few KiB; lower qualities are there for pathological images.
  for (const quality of QUALITIES) {
    let blob = await toBlob(canvas, 'image/webp', quality);
    // A browser that cannot encode WebP hands back PNG instead: ask for JPEG then.
    if (blob?.type !== 'image/webp') blob = await toBlob(canvas, 'image/jpeg', quality);
    if (blob === null || (blob.type !== 'image/webp' && blob.type !== 'image/jpeg')) break;
    if (blob.size <= CONTENT_LIMITS.avatarBytes) {
      return {
        format: blob.type === 'image/webp' ? 'webp' : 'jpeg',
        bytes: new Uint8Array(await blob.arrayBuffer()),
      };
    }
  }
  throw new Error('That image could not be made small enough for an avatar.');
}
