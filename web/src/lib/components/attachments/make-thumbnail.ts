// The preview that travels inside the encrypted message: the picked image decoded by the browser
// (createImageBitmap: no URL, so no CSP question), scaled to fit THUMBNAIL_SIDE px and re-encoded
// as WebP (JPEG where the browser cannot encode WebP), a few KiB. Re-encoding drops whatever the
// original carried besides pixels. Not an image the browser can decode: no thumbnail, sent as a file.

export const THUMBNAIL_SIDE = 160;
/** Well under the pointer's 64 KiB limit; the first quality almost always fits. */
const THUMBNAIL_MAX_BYTES = 16 * 1024;
const QUALITIES = [0.7, 0.5, 0.3] as const;

export interface ImagePreview {
  readonly width: number;
  readonly height: number;
  readonly thumbnail: Uint8Array;
}

function toBlob(canvas: HTMLCanvasElement, type: string, quality: number): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
}

export async function makeThumbnail(file: Blob): Promise<ImagePreview | null> {
  if (!file.type.startsWith('image/')) return null;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return null;
  }
  const { width, height } = bitmap;
  const scale = Math.min(1, THUMBNAIL_SIDE / Math.max(width, height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const context = canvas.getContext('2d');
  if (context === null) {
    bitmap.close();
    return null;
  }
  context.imageSmoothingQuality = 'high';
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  for (const quality of QUALITIES) {
    let blob = await toBlob(canvas, 'image/webp', quality);
    if (blob?.type !== 'image/webp') blob = await toBlob(canvas, 'image/jpeg', quality);
    if (blob === null) break;
    if (blob.size <= THUMBNAIL_MAX_BYTES) {
      return { width, height, thumbnail: new Uint8Array(await blob.arrayBuffer()) };
    }
  }
  return null;
}
